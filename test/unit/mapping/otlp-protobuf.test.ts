import { decodeLogs, decodeMetrics, decodeTraces } from '../../../src/mapping/otlp';
import {
  UNKNOWN_FIELDS,
  concat,
  doubleField,
  fixed32Field,
  fixed64Field,
  hexField,
  messageField,
  otlp,
  packedDoubles,
  packedFixed64,
  packedVarints,
  sint32Field,
  stringField,
  varintField,
  type Bytes,
} from '../../support/otlp-wire';

/** Hand-written protobuf requests, for what the SDK's serializer never sends. */

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const START = 1_700_000_000_123_456_789n;
const END = START + 1_500_000n;
const RESOURCE = otlp.resource(otlp.keyValue('service.name', otlp.string('hand-written')));
const SCOPE = otlp.scope('hand', '1.0');

let nextSpanId = 1;
const newSpanId = (): string => (nextSpanId++).toString(16).padStart(16, 'a');

/** A Span message with the required fields, then `fields`. */
const span = (name: string, ...fields: Bytes[]): Bytes =>
  concat(
    hexField(1, TRACE_ID),
    hexField(2, newSpanId()),
    stringField(5, name),
    fixed64Field(7, START),
    fixed64Field(8, END),
    ...fields,
  );

const traces = (...spans: Bytes[]): Bytes => otlp.request(RESOURCE, SCOPE, spans);
const attribute = (name: string, value?: Bytes): Bytes => messageField(9, otlp.keyValue(name, value));
const onlySpan = (...fields: Bytes[]) => {
  const result = decodeTraces(traces(span('span', ...fields)), 'protobuf');
  expect(result.rejected).toBe(0);
  return result.records[0]!;
};

describe('protobuf traces, hand-written', () => {
  it('decodes an empty body and empty groups to no records', () => {
    expect(decodeTraces(new Uint8Array(0), 'protobuf')).toEqual({ records: [], rejected: 0, errorMessage: '' });
    expect(decodeTraces(messageField(1), 'protobuf').records).toEqual([]);
    expect(decodeTraces(otlp.request(RESOURCE, SCOPE, []), 'protobuf').records).toEqual([]);
  });

  it('keeps int64 exactly at its limits, and every other AnyValue type', () => {
    const record = onlySpan(
      attribute('max', otlp.int(2n ** 63n - 1n)),
      attribute('min', otlp.int(-(2n ** 63n))),
      attribute('minusOne', otlp.int(-1n)),
      attribute('beyondDouble', otlp.int(9_007_199_254_740_993n)),
      attribute('zero', otlp.int(0n)),
      attribute('double', otlp.double(-2.5)),
      attribute('true', otlp.bool(true)),
      attribute('false', otlp.bool(false)),
      attribute('text', otlp.string('日本語 🚀')),
      attribute('long', otlp.string('é'.repeat(200))),
      attribute('bytes', otlp.bytes(Uint8Array.from([0, 255, 7]))),
      attribute('emptyValue', new Uint8Array(0)),
      attribute('noValue'),
      attribute('array', otlp.array(otlp.int(1n), otlp.string('two'), new Uint8Array(0), otlp.array(otlp.bool(true)))),
      attribute(
        'kvlist',
        otlp.kvlist(
          otlp.keyValue('inner', otlp.kvlist(otlp.keyValue('deep', otlp.double(0.5)))),
          otlp.keyValue('none'),
        ),
      ),
      attribute('__proto__', otlp.string('an ordinary key')),
    );
    expect(record.attributes).toEqual({
      max: 9_223_372_036_854_775_807n,
      min: -9_223_372_036_854_775_808n,
      minusOne: -1n,
      beyondDouble: 9_007_199_254_740_993n,
      zero: 0n,
      double: -2.5,
      true: true,
      false: false,
      text: '日本語 🚀',
      long: 'é'.repeat(200),
      bytes: Uint8Array.from([0, 255, 7]),
      emptyValue: null,
      noValue: null,
      array: [1n, 'two', null, [true]],
      kvlist: { inner: { deep: 0.5 }, none: null },
      ['__proto__']: 'an ordinary key',
    });
    expect(Object.getPrototypeOf(record.attributes)).toBe(Object.prototype);
    expect(record.attributes.bytes).not.toBeInstanceOf(Buffer);
  });

  it('keeps apart attribute keys and values that differ only where the string cache does not sample', () => {
    // Same length, same first, middle and last bytes: these share a slot of the decoder's string cache.
    const record = onlySpan(
      attribute('a1ccb', otlp.string('v1xxw')),
      attribute('a2ccb', otlp.string('v2xxw')),
      attribute('a3ccb', otlp.string('v1xxw')),
      attribute('a1ccb.longer', otlp.string('v1xxw')),
    );
    expect(record.attributes).toEqual({ a1ccb: 'v1xxw', a2ccb: 'v2xxw', a3ccb: 'v1xxw', 'a1ccb.longer': 'v1xxw' });
  });

  it('decodes every span field', () => {
    const linkedSpan = 'bbbbbbbbbbbbbbbb';
    const record = onlySpan(
      stringField(3, 'vendor=x'),
      hexField(4, 'cccccccccccccccc'),
      varintField(6, 3),
      varintField(10, 2),
      messageField(
        11,
        fixed64Field(1, START + 5n),
        stringField(2, 'exception'),
        messageField(3, otlp.keyValue('exception.type', otlp.string('Boom'))),
        varintField(4, 1),
      ),
      messageField(11, stringField(2, 'bare')),
      varintField(12, 3),
      messageField(
        13,
        hexField(1, TRACE_ID),
        hexField(2, linkedSpan),
        stringField(3, 'k=v'),
        messageField(4, otlp.keyValue('why', otlp.string('retry'))),
        varintField(5, 4),
        fixed32Field(6, 1),
      ),
      varintField(14, 5),
      messageField(15, stringField(2, 'it broke'), varintField(3, 2)),
      fixed32Field(16, 1),
    );
    expect(record).toMatchObject({
      traceId: TRACE_ID,
      traceState: 'vendor=x',
      parentSpanId: 'cccccccccccccccc',
      name: 'span',
      kind: 'client',
      startTimeUnixNano: START,
      endTimeUnixNano: END,
      durationNano: 1_500_000n,
      droppedAttributesCount: 2,
      droppedEventsCount: 3,
      droppedLinksCount: 5,
      statusCode: 'error',
      statusMessage: 'it broke',
      flags: 1,
      serviceName: 'hand-written',
      error: { message: 'it broke', type: 'Boom', stack: null },
    });
    expect(record.events).toEqual([
      {
        timeUnixNano: START + 5n,
        name: 'exception',
        attributes: { 'exception.type': 'Boom' },
        droppedAttributesCount: 1,
      },
      { timeUnixNano: 0n, name: 'bare', attributes: {}, droppedAttributesCount: 0 },
    ]);
    expect(record.links).toEqual([
      {
        traceId: TRACE_ID,
        spanId: linkedSpan,
        traceState: 'k=v',
        flags: 1,
        attributes: { why: 'retry' },
        droppedAttributesCount: 4,
      },
    ]);
    expect(record.scope).toEqual({
      name: 'hand',
      version: '1.0',
      attributes: {},
      droppedAttributesCount: 0,
      schemaUrl: '',
    });
  });

  it('maps OTLP span kinds 0–5 and status codes 0–2, and unknown numbers to unspecified and unset', () => {
    const kinds = [0, 1, 2, 3, 4, 5, 9].map((kind) => onlySpan(varintField(6, kind)).kind);
    expect(kinds).toEqual(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer', 'unspecified']);
    const codes = [0, 1, 2, 7].map((code) => onlySpan(messageField(15, varintField(3, code))).statusCode);
    expect(codes).toEqual(['unset', 'ok', 'error', 'unset']);
  });

  it('keeps the span flags as sent: W3C trace flags and OTLP’s is-remote bits (bits 8 and 9)', () => {
    expect(onlySpan(fixed32Field(16, 0x301)).flags).toBe(0x301);
    expect(onlySpan(fixed32Field(16, 0x100)).flags).toBe(0x100);
  });

  it('skips unknown fields of every wire type, at every level', () => {
    const known = span('known');
    const plain = otlp.request(
      concat(RESOURCE, varintField(2, 1)),
      concat(SCOPE, messageField(3, otlp.keyValue('scope.attr', otlp.string('x')))),
      [
        concat(
          known,
          attribute('value', otlp.array(otlp.kvlist(otlp.keyValue('k', otlp.int(5n))))),
          messageField(11, stringField(2, 'event')),
          messageField(13, hexField(1, TRACE_ID), hexField(2, 'dddddddddddddddd')),
          messageField(15, varintField(3, 1)),
        ),
      ],
    );
    const withUnknowns = concat(
      UNKNOWN_FIELDS,
      messageField(
        1,
        UNKNOWN_FIELDS,
        messageField(1, UNKNOWN_FIELDS, RESOURCE, varintField(2, 1)),
        messageField(
          2,
          messageField(
            1,
            SCOPE,
            UNKNOWN_FIELDS,
            messageField(3, otlp.keyValue('scope.attr', otlp.string('x')), UNKNOWN_FIELDS),
          ),
          UNKNOWN_FIELDS,
          messageField(
            2,
            concat(
              UNKNOWN_FIELDS,
              known,
              messageField(
                9,
                UNKNOWN_FIELDS,
                otlp.keyValue(
                  'value',
                  concat(
                    UNKNOWN_FIELDS,
                    messageField(
                      5,
                      UNKNOWN_FIELDS,
                      messageField(
                        1,
                        messageField(
                          6,
                          messageField(1, otlp.keyValue('k', concat(otlp.int(5n), UNKNOWN_FIELDS)), UNKNOWN_FIELDS),
                        ),
                      ),
                    ),
                  ),
                ),
              ),
              messageField(11, stringField(2, 'event'), UNKNOWN_FIELDS),
              messageField(13, UNKNOWN_FIELDS, hexField(1, TRACE_ID), hexField(2, 'dddddddddddddddd')),
              messageField(15, UNKNOWN_FIELDS, varintField(3, 1)),
              UNKNOWN_FIELDS,
            ),
          ),
        ),
        UNKNOWN_FIELDS,
      ),
    );
    const expected = decodeTraces(plain, 'protobuf');
    const actual = decodeTraces(withUnknowns, 'protobuf');
    expect(expected.records).toHaveLength(1);
    expect(expected.records[0]!.attributes).toEqual({ value: [{ k: 5n }] });
    expect(actual).toEqual(expected);
  });

  it('treats a field of a known number but another wire type as unknown', () => {
    // `name` (field 5) as a varint, and `kind` (field 6) as a string, are not the fields this version knows.
    const record = onlySpan(varintField(5, 7), stringField(6, 'server'));
    expect([record.name, record.kind]).toEqual(['span', 'unspecified']);
  });

  it('rejects a span whose trace id is not 16 bytes, keeps its siblings, and names it', () => {
    const bad = concat(
      hexField(1, TRACE_ID.slice(2)),
      hexField(2, 'eeeeeeeeeeeeeeee'),
      stringField(5, 'short trace id'),
    );
    const result = decodeTraces(traces(span('first'), bad, span('third')), 'protobuf');
    expect(result.records.map((record) => record.name)).toEqual(['first', 'third']);
    expect(result.rejected).toBe(1);
    expect(result.errorMessage).toBe(
      `span "short trace id" at resourceSpans[0].scopeSpans[0].spans[1]: traceId "${TRACE_ID.slice(2)}" is ` +
        `not 16 bytes (32 hex digits)`,
    );
  });

  it.each([
    [
      'an all-zero trace id',
      concat(hexField(1, '0'.repeat(32)), hexField(2, 'eeeeeeeeeeeeeeee')),
      'traceId is all zeros',
    ],
    ['no trace id', hexField(2, 'eeeeeeeeeeeeeeee'), 'traceId "" is not 16 bytes'],
    ['an all-zero span id', concat(hexField(1, TRACE_ID), hexField(2, '0'.repeat(16))), 'spanId is all zeros'],
    [
      'a 9-byte span id',
      concat(hexField(1, TRACE_ID), hexField(2, 'ee'.repeat(9))),
      'spanId "eeeeeeeeeeeeeeeeee" is not 8 bytes',
    ],
    [
      'a 4-byte parent span id',
      concat(hexField(1, TRACE_ID), hexField(2, 'eeeeeeeeeeeeeeee'), hexField(4, 'abcdef01')),
      'parentSpanId "abcdef01" is not 8 bytes',
    ],
    [
      'a link with a short trace id',
      concat(
        hexField(1, TRACE_ID),
        hexField(2, 'eeeeeeeeeeeeeeee'),
        messageField(13, hexField(1, 'abcd'), hexField(2, 'eeeeeeeeeeeeeeee')),
      ),
      'links[0].traceId "abcd" is not 16 bytes',
    ],
  ])('rejects a span with %s', (_case, ids, problem) => {
    const result = decodeTraces(traces(span('kept'), concat(ids, stringField(5, 'bad'))), 'protobuf');
    expect(result.records.map((record) => record.name)).toEqual(['kept']);
    expect(result.rejected).toBe(1);
    expect(result.errorMessage).toContain(problem);
    expect(result.errorMessage).toContain('span "bad" at resourceSpans[0].scopeSpans[0].spans[1]');
  });

  it('counts every rejected span and names the first', () => {
    const bad = (name: string) => concat(hexField(1, 'ab'), hexField(2, 'eeeeeeeeeeeeeeee'), stringField(5, name));
    const result = decodeTraces(traces(bad('one'), span('kept'), bad('two')), 'protobuf');
    expect([result.records.length, result.rejected]).toEqual([1, 2]);
    expect(result.errorMessage).toMatch(/^span "one" at/);
  });

  it('reads an empty or all-zero parent span id as a root span', () => {
    expect(onlySpan(hexField(4, '')).parentSpanId).toBeNull();
    expect(onlySpan(hexField(4, '0'.repeat(16))).parentSpanId).toBeNull();
    expect(onlySpan().parentSpanId).toBeNull();
  });

  it('derives from the resource even when it comes after the spans, or in two parts', () => {
    const scopeGroup = messageField(
      2,
      messageField(1, SCOPE),
      messageField(2, span('late', attribute('gen_ai.operation.name', otlp.string('chat')))),
    );
    const late = messageField(
      1,
      scopeGroup,
      messageField(1, otlp.resource(otlp.keyValue('service.name', otlp.string('late-service')))),
      stringField(3, 'https://schema/1'),
    );
    const [record] = decodeTraces(late, 'protobuf').records;
    expect(record).toMatchObject({ serviceName: 'late-service', spanType: 'model_generation' });
    expect(record!.resource.schemaUrl).toBe('https://schema/1');

    const split = messageField(
      1,
      messageField(1, otlp.resource(otlp.keyValue('host.name', otlp.string('h1')))),
      scopeGroup,
      messageField(1, otlp.resource(otlp.keyValue('service.name', otlp.string('merged'))), varintField(2, 4)),
    );
    const [merged] = decodeTraces(split, 'protobuf').records;
    expect(merged!.serviceName).toBe('merged');
    expect(merged!.resource).toEqual({
      attributes: { 'host.name': 'h1', 'service.name': 'merged' },
      droppedAttributesCount: 4,
      schemaUrl: '',
    });
  });

  it('shares one ResourceInfo per resource group and one ScopeInfo per scope group', () => {
    const request = concat(
      messageField(
        1,
        messageField(1, RESOURCE),
        messageField(
          2,
          messageField(1, SCOPE),
          messageField(2, span('a')),
          messageField(2, span('b')),
          stringField(3, 'https://scope'),
        ),
        messageField(2, messageField(1, otlp.scope('other')), messageField(2, span('c'))),
      ),
      messageField(1, messageField(1, RESOURCE), messageField(2, messageField(2, span('d')))),
    );
    const [a, b, c, d] = decodeTraces(request, 'protobuf').records;
    expect(a!.resource).toBe(b!.resource);
    expect(a!.resource).toBe(c!.resource);
    expect(a!.scope).toBe(b!.scope);
    expect(a!.scope).not.toBe(c!.scope);
    expect(a!.scope.schemaUrl).toBe('https://scope');
    expect(d!.resource).not.toBe(a!.resource);
    expect(d!.resource).toEqual(a!.resource);
    expect(d!.scope).toEqual({ name: '', version: '', attributes: {}, droppedAttributesCount: 0, schemaUrl: '' });
  });
});

const SPAN_OF_LOG = 'b7ad6b7169203331';
const logs = (...records: Bytes[]) => otlp.request(RESOURCE, SCOPE, records);

describe('protobuf logs, hand-written', () => {
  it('decodes every log record field', () => {
    const body = otlp.kvlist(otlp.keyValue('event', otlp.string('slow')), otlp.keyValue('ms', otlp.int(1200n)));
    const [record] = decodeLogs(
      logs(
        concat(
          fixed64Field(1, START),
          varintField(2, 13),
          stringField(3, 'WARN'),
          messageField(5, body),
          messageField(6, otlp.keyValue('mastra.metadata.requestId', otlp.string('req-1'))),
          varintField(7, 2),
          fixed32Field(8, 1),
          hexField(9, TRACE_ID),
          hexField(10, SPAN_OF_LOG),
          fixed64Field(11, END),
          stringField(12, 'tool.slow'),
        ),
      ),
      'protobuf',
    ).records;
    expect(record).toMatchObject({
      timeUnixNano: START,
      observedTimeUnixNano: END,
      severityNumber: 13,
      severityText: 'WARN',
      level: 'warn',
      body: { event: 'slow', ms: 1200n },
      message: '{"event":"slow","ms":"1200"}',
      attributes: { 'mastra.metadata.requestId': 'req-1' },
      requestId: 'req-1',
      droppedAttributesCount: 2,
      flags: 1,
      traceId: TRACE_ID,
      spanId: SPAN_OF_LOG,
      eventName: 'tool.slow',
      serviceName: 'hand-written',
    });
  });

  it('reads empty and all-zero ids as no trace context', () => {
    const records = decodeLogs(
      logs(
        concat(hexField(9, ''), hexField(10, '')),
        concat(hexField(9, '0'.repeat(32)), hexField(10, '0'.repeat(16))),
        stringField(3, 'no ids'),
      ),
      'protobuf',
    ).records;
    expect(records.map((record) => [record.traceId, record.spanId])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ]);
  });

  it('rejects a log record with an id of the wrong length and keeps the others', () => {
    const result = decodeLogs(
      logs(stringField(3, 'ok'), concat(hexField(9, TRACE_ID), hexField(10, 'abcd')), stringField(3, 'ok too')),
      'protobuf',
    );
    expect(result.records.map((record) => record.severityText)).toEqual(['ok', 'ok too']);
    expect(result.rejected).toBe(1);
    expect(result.errorMessage).toBe(
      'log record at resourceLogs[0].scopeLogs[0].logRecords[1]: spanId "abcd" is not 8 bytes (16 hex digits)',
    );
  });

  it('reads a body with no value as null', () => {
    const [record] = decodeLogs(logs(messageField(5)), 'protobuf').records;
    expect([record!.body, record!.message]).toEqual([null, '']);
  });
});

const metrics = (...metricMessages: Bytes[]) => otlp.request(RESOURCE, SCOPE, metricMessages);
const metric = (name: string, ...fields: Bytes[]) =>
  concat(stringField(1, name), stringField(2, `${name} described`), stringField(3, 'ms'), ...fields);

describe('protobuf metrics, hand-written', () => {
  it('decodes gauge and sum points as int or double, with temporality and monotonicity', () => {
    const point = (...fields: Bytes[]) => messageField(1, fixed64Field(2, START), fixed64Field(3, END), ...fields);
    const records = decodeMetrics(
      metrics(
        metric(
          'gauge',
          messageField(
            5,
            point(fixed64Field(6, -5n), varintField(8, 1), messageField(7, otlp.keyValue('k', otlp.string('v')))),
            point(doubleField(4, 2.5)),
          ),
        ),
        metric(
          'delta',
          messageField(7, point(fixed64Field(6, 2n ** 63n - 1n)), varintField(2, 1), varintField(3, true)),
        ),
        metric('cumulative', messageField(7, varintField(2, 2), point(doubleField(4, -1)))),
        metric('unspecified', messageField(7, point(doubleField(4, 0)))),
        metric(
          'with metadata',
          messageField(12, otlp.keyValue('ignored', otlp.string('x'))),
          messageField(5, point(fixed64Field(6, 1n))),
        ),
        metric('no value', messageField(5, point())),
      ),
      'protobuf',
    ).records;
    const summary = records.map((record) => [
      record.name,
      record.type,
      record.value,
      record.temporality,
      record.isMonotonic,
    ]);
    expect(summary).toEqual([
      ['gauge', 'gauge', -5n, null, null],
      ['gauge', 'gauge', 2.5, null, null],
      ['delta', 'sum', 9_223_372_036_854_775_807n, 'delta', true],
      ['cumulative', 'sum', -1, 'cumulative', false],
      ['unspecified', 'sum', 0, 'unspecified', false],
      ['with metadata', 'gauge', 1n, null, null],
      // A point without a value becomes a record all the same, which store validation then refuses by name.
      ['no value', 'gauge', null, null, null],
    ]);
    expect(records[0]).toMatchObject({
      description: 'gauge described',
      unit: 'ms',
      timeUnixNano: END,
      startTimeUnixNano: START,
      flags: 1,
      attributes: { k: 'v' },
    });
    expect(records[0]!.count).toBeNull();
  });

  it('reads packed and unpacked repeated fields alike', () => {
    const packed = messageField(1, fixed64Field(4, 6n), packedFixed64(6, [1, 2, 3]), packedDoubles(7, [10, 100]));
    const unpacked = messageField(
      1,
      fixed64Field(4, 6n),
      fixed64Field(6, 1n),
      doubleField(7, 10),
      fixed64Field(6, 2n),
      doubleField(7, 100),
      fixed64Field(6, 3n),
    );
    const mixed = messageField(
      1,
      fixed64Field(4, 6n),
      fixed64Field(6, 1n),
      packedFixed64(6, [2, 3]),
      packedDoubles(7, [10]),
      doubleField(7, 100),
    );
    const records = decodeMetrics(
      metrics(metric('h', messageField(9, packed, unpacked, mixed, varintField(2, 1)))),
      'protobuf',
    ).records;
    expect(records.map((record) => [record.bucketCounts, record.explicitBounds])).toEqual([
      [
        [1, 2, 3],
        [10, 100],
      ],
      [
        [1, 2, 3],
        [10, 100],
      ],
      [
        [1, 2, 3],
        [10, 100],
      ],
    ]);
    expect(records[0]).toMatchObject({
      type: 'histogram',
      temporality: 'delta',
      count: 6,
      sum: null,
      min: null,
      max: null,
    });

    const buckets = (...fields: Bytes[]) => messageField(8, sint32Field(1, -3), ...fields);
    const [packedExponential, unpackedExponential] = decodeMetrics(
      metrics(
        metric(
          'e',
          messageField(
            10,
            messageField(1, buckets(packedVarints(2, [4, 300, 2 ** 40]))),
            messageField(1, buckets(varintField(2, 4), varintField(2, 300), varintField(2, 2 ** 40))),
          ),
        ),
      ),
      'protobuf',
    ).records;
    expect(packedExponential!.positive).toEqual({ offset: -3, bucketCounts: [4, 300, 2 ** 40] });
    expect(unpackedExponential!.positive).toEqual(packedExponential!.positive);
  });

  it('decodes every histogram and exponential histogram field', () => {
    const [histogram] = decodeMetrics(
      metrics(
        metric(
          'h',
          messageField(
            9,
            varintField(2, 2),
            messageField(
              1,
              messageField(9, otlp.keyValue('route', otlp.string('/'))),
              fixed64Field(2, START),
              fixed64Field(3, END),
              fixed64Field(4, 3n),
              doubleField(5, 12.5),
              packedFixed64(6, [1, 2]),
              packedDoubles(7, [5]),
              varintField(10, 1),
              doubleField(11, 0.5),
              doubleField(12, 9),
            ),
          ),
        ),
      ),
      'protobuf',
    ).records;
    expect(histogram).toMatchObject({
      type: 'histogram',
      temporality: 'cumulative',
      count: 3,
      sum: 12.5,
      min: 0.5,
      max: 9,
      flags: 1,
      attributes: { route: '/' },
    });

    const [exponential] = decodeMetrics(
      metrics(
        metric(
          'e',
          messageField(
            10,
            messageField(
              1,
              messageField(1, otlp.keyValue('k', otlp.bool(true))),
              fixed64Field(4, 10n),
              doubleField(5, 42),
              sint32Field(6, -2),
              fixed64Field(7, 3n),
              messageField(8, sint32Field(1, 5), packedVarints(2, [1, 2])),
              messageField(9, sint32Field(1, -1), packedVarints(2, [4])),
              varintField(10, 1),
              doubleField(12, -4),
              doubleField(13, 30),
              doubleField(14, 1e-9),
            ),
            varintField(2, 1),
          ),
        ),
      ),
      'protobuf',
    ).records;
    expect(exponential).toMatchObject({
      type: 'exponential_histogram',
      temporality: 'delta',
      count: 10,
      sum: 42,
      scale: -2,
      zeroCount: 3,
      positive: { offset: 5, bucketCounts: [1, 2] },
      negative: { offset: -1, bucketCounts: [4] },
      flags: 1,
      min: -4,
      max: 30,
      zeroThreshold: 1e-9,
      attributes: { k: true },
    });
    const [empty] = decodeMetrics(metrics(metric('e', messageField(10, messageField(1)))), 'protobuf').records;
    expect(empty).toMatchObject({
      count: 0,
      scale: 0,
      zeroCount: 0,
      zeroThreshold: 0,
      positive: { offset: 0, bucketCounts: [] },
      sum: null,
    });
  });

  it('decodes summaries with their quantiles', () => {
    const quantile = (q: number, value: number) => messageField(6, doubleField(1, q), doubleField(2, value));
    const [summary] = decodeMetrics(
      metrics(
        metric(
          's',
          messageField(
            11,
            messageField(
              1,
              fixed64Field(4, 100n),
              doubleField(5, 2500),
              quantile(0.5, 20),
              quantile(0.99, 95),
              varintField(8, 1),
              messageField(7, otlp.keyValue('q', otlp.string('x'))),
            ),
          ),
        ),
      ),
      'protobuf',
    ).records;
    expect(summary).toMatchObject({
      type: 'summary',
      temporality: null,
      isMonotonic: null,
      count: 100,
      sum: 2500,
      quantiles: [
        { quantile: 0.5, value: 20 },
        { quantile: 0.99, value: 95 },
      ],
      flags: 1,
      attributes: { q: 'x' },
    });
  });

  it('decodes exemplars and takes the record’s trace context from the first that has one', () => {
    const exemplar = (...fields: Bytes[]) => messageField(5, ...fields);
    const records = decodeMetrics(
      metrics(
        metric(
          'with exemplars',
          messageField(
            5,
            messageField(
              1,
              doubleField(4, 1),
              exemplar(fixed64Field(2, START), doubleField(3, 0.5)),
              exemplar(
                messageField(7, otlp.keyValue('user', otlp.string('u1'))),
                fixed64Field(2, END),
                fixed64Field(6, -7n),
                hexField(4, SPAN_OF_LOG),
                hexField(5, TRACE_ID),
              ),
              exemplar(),
            ),
            messageField(1, doubleField(4, 2), exemplar(hexField(5, TRACE_ID), hexField(4, 'abcd'))),
          ),
        ),
      ),
      'protobuf',
    );
    expect(records.records).toHaveLength(1);
    expect(records.records[0]!.exemplars).toEqual([
      { timeUnixNano: START, value: 0.5, traceId: null, spanId: null, filteredAttributes: {} },
      { timeUnixNano: END, value: -7n, traceId: TRACE_ID, spanId: SPAN_OF_LOG, filteredAttributes: { user: 'u1' } },
      { timeUnixNano: 0n, value: 0, traceId: null, spanId: null, filteredAttributes: {} },
    ]);
    expect(records.records[0]).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_OF_LOG });
    expect(records.rejected).toBe(1);
    expect(records.errorMessage).toBe(
      'data point at resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1]: exemplars[0].spanId ' +
        '"abcd" is not 8 bytes (16 hex digits)',
    );
  });

  it('reads a metric whose name comes after its points', () => {
    const [record] = decodeMetrics(
      metrics(
        concat(messageField(7, messageField(1, doubleField(4, 1)), varintField(2, 2)), stringField(1, 'named late')),
      ),
      'protobuf',
    ).records;
    expect(record).toMatchObject({ name: 'named late', temporality: 'cumulative' });
  });
});
