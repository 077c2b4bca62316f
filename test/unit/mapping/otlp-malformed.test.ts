import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpDecodeError, decodeLogs, decodeMetrics, decodeTraces, type OtlpEncoding } from '../../../src/mapping/otlp';
import { OtelBridgeError } from '../../../src/errors';
import { concat, key, messageField, otlp, stringField, varint, type Bytes } from '../../support/otlp-wire';

/** Bodies that cannot be decoded throw OtlpDecodeError, naming what and where; nothing else escapes. */

function decodeError(decode: () => unknown): OtlpDecodeError {
  try {
    decode();
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error;
    throw error;
  }
  throw new Error('expected an OtlpDecodeError, but the body decoded');
}

const traceBody = (() => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'svc' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('malformed', '1.0.0');
  const root = tracer.startSpan('root', { attributes: { text: 'hello', number: 7, ratio: 0.5, list: ['a', 'b'] } });
  root.addEvent('event', { at: 1 });
  tracer.startSpan('child', { links: [{ context: root.spanContext(), attributes: { l: true } }] }).end();
  root.end();
  return ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!;
})();

describe('malformed protobuf', () => {
  it('is an OtelBridgeError with a stable code and its location', () => {
    const error = decodeError(() => decodeTraces(traceBody.subarray(0, traceBody.length - 3), 'protobuf'));
    expect(error).toBeInstanceOf(OtelBridgeError);
    expect(error.code).toBe('OTLP_DECODE');
    expect([error.encoding, error.signal, typeof error.location]).toEqual(['protobuf', 'traces', 'number']);
    expect(error.message).toMatch(/^invalid OTLP\/protobuf traces request at byte \d+: /);
  });

  it('throws OtlpDecodeError for every truncation of a real request, never anything else', () => {
    let thrown = 0;
    for (let length = 1; length < traceBody.length; length++) {
      try {
        decodeTraces(traceBody.subarray(0, length), 'protobuf');
      } catch (error) {
        expect(error).toBeInstanceOf(OtlpDecodeError);
        thrown++;
      }
    }
    // Every prefix cuts the one top-level ResourceSpans field short.
    expect(thrown).toBe(traceBody.length - 1);
  });

  it('throws OtlpDecodeError or decodes, for random corruptions of real requests of each signal', () => {
    const logsBody = (() => {
      const exporter = new InMemoryLogRecordExporter();
      const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
      provider.getLogger('l').emit({ body: { nested: [1, 'two', { three: 3.5 }] }, attributes: { a: 1 } });
      return ProtobufLogsSerializer.serializeRequest(exporter.getFinishedLogRecords())!;
    })();
    const bodies: [Bytes, (body: Bytes) => unknown][] = [
      [traceBody, (body) => decodeTraces(body, 'protobuf')],
      [logsBody, (body) => decodeLogs(body, 'protobuf')],
    ];
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const outcomes = { decoded: 0, rejected: 0 };
    for (const [original, decode] of bodies) {
      for (let round = 0; round < 400; round++) {
        const body = Uint8Array.from(original);
        for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--)
          body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
        try {
          decode(body);
          outcomes.decoded++;
        } catch (error) {
          expect(error).toBeInstanceOf(OtlpDecodeError);
          outcomes.rejected++;
        }
      }
    }
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });

  it('names a length prefix that runs past the end of the body', () => {
    const body = concat(key(1, 2), varint(100), Uint8Array.from([1, 2, 3]));
    const error = decodeError(() => decodeTraces(body, 'protobuf'));
    // The location is that of the length itself, after the field's key.
    expect(error.message).toBe(
      'invalid OTLP/protobuf traces request at byte 1: length 100 runs past the end of the body (5 bytes)',
    );
    expect(error.location).toBe(1);
  });

  it('names a nested length that runs past the end of its enclosing message', () => {
    // ResourceSpans of 4 bytes, holding a Resource that claims 10.
    const body = concat(
      key(1, 2),
      varint(4),
      key(1, 2),
      varint(10),
      Uint8Array.from([0, 0]),
      Uint8Array.from(new Array(10).fill(0)),
    );
    expect(decodeError(() => decodeTraces(body, 'protobuf')).message).toBe(
      'invalid OTLP/protobuf traces request at byte 3: length 10 runs past the end of the enclosing message at byte 6',
    );
  });

  it('names a length that runs past the end of a nested message', () => {
    // A ScopeSpans of 2 bytes whose schema_url (field 3) claims 5, followed by more of the body.
    const resourceSpans = concat(key(2, 2), varint(2), key(3, 2), varint(5));
    const body = concat(messageField(1, resourceSpans), stringField(900, 'more of the body'));
    expect(decodeError(() => decodeTraces(body, 'protobuf')).message).toBe(
      'invalid OTLP/protobuf traces request at byte 5: length 5 runs past the end of the enclosing message at byte 6',
    );
  });

  it.each([6, 7])('rejects wire type %i, which does not exist', (wireType) => {
    const error = decodeError(() => decodeMetrics(Uint8Array.from([(1 << 3) | wireType, 0]), 'protobuf'));
    expect(error.message).toBe(
      `invalid OTLP/protobuf metrics request at byte 0: invalid wire type ${wireType} for field 1`,
    );
  });

  it('rejects field number 0, an over-long varint, and a stray end-group tag', () => {
    expect(decodeError(() => decodeTraces(Uint8Array.from([0x02, 0x00]), 'protobuf')).message).toMatch(
      /at byte 0: field number 0 is not valid/,
    );
    const longVarint = concat(key(900, 0), Uint8Array.from(new Array(11).fill(0xff)));
    expect(decodeError(() => decodeTraces(longVarint, 'protobuf')).message).toMatch(/varint is longer than 10 bytes/);
    expect(decodeError(() => decodeTraces(key(5, 4), 'protobuf')).message).toMatch(
      /end-group tag for field 5 without a start-group tag/,
    );
    expect(decodeError(() => decodeTraces(concat(key(5, 3), key(6, 4)), 'protobuf')).message).toMatch(
      /group of field 5 closed by an end-group tag for field 6/,
    );
    expect(decodeError(() => decodeTraces(key(5, 3), 'protobuf')).message).toMatch(
      /group of field 5 has no end-group tag/,
    );
  });

  it('rejects a fixed-width value cut short by the end of the body', () => {
    const body = concat(key(900, 1), Uint8Array.from([1, 2, 3]));
    expect(decodeError(() => decodeTraces(body, 'protobuf')).message).toBe(
      'invalid OTLP/protobuf traces request at byte 2: 8-byte fixed-width value runs past the end of the body',
    );
  });

  it('rejects a last field that runs past the end of its message into the next', () => {
    // A ResourceSpans of 3 bytes (2 to 5) whose last field, a fixed64 with a 2-byte key, runs to byte 12.
    const body = concat(key(1, 2), varint(3), key(900, 1), Uint8Array.from(new Array(12).fill(0)));
    expect(decodeError(() => decodeTraces(body, 'protobuf')).message).toBe(
      'invalid OTLP/protobuf traces request at byte 5: the last field of a message runs past its end, to byte 12',
    );
  });

  it('refuses AnyValues nested deeper than 64 levels rather than exhausting the stack', () => {
    let value: Bytes = otlp.string('bottom');
    for (let depth = 0; depth < 5000; depth++) value = otlp.array(value);
    const span = concat(
      messageField(1, Buffer.alloc(16, 1)),
      messageField(2, Buffer.alloc(8, 1)),
      messageField(9, otlp.keyValue('deep', value)),
    );
    const error = decodeError(() =>
      decodeTraces(otlp.request(new Uint8Array(0), new Uint8Array(0), [span]), 'protobuf'),
    );
    expect(error.message).toMatch(/AnyValue nested deeper than 64 levels/);
  });

  it('refuses groups nested deeper than 64 levels', () => {
    let group: Bytes = new Uint8Array(0);
    for (let depth = 0; depth < 200; depth++) group = concat(key(900, 3), group, key(900, 4));
    expect(decodeError(() => decodeTraces(group, 'protobuf')).message).toMatch(/groups nested deeper than 64 levels/);
  });

  it('reports metrics and logs errors under their own signal', () => {
    expect(decodeError(() => decodeLogs(Uint8Array.from([0x0a, 0x05]), 'protobuf')).signal).toBe('logs');
    expect(decodeError(() => decodeMetrics(Uint8Array.from([0x0a, 0x05]), 'protobuf')).signal).toBe('metrics');
  });
});

describe('malformed OTLP/JSON', () => {
  const json = (text: string): Uint8Array => Buffer.from(text);
  const jsonError = (text: string, decode: (body: Uint8Array, encoding: OtlpEncoding) => unknown = decodeTraces) =>
    decodeError(() => decode(json(text), 'json'));

  it('rejects text that is not JSON, including an empty body', () => {
    const error = jsonError('{"resourceSpans": [');
    expect(error.message).toMatch(/^invalid OTLP\/JSON traces request: not valid JSON \(/);
    expect([error.encoding, error.location]).toEqual(['json', '']);
    expect(jsonError('').message).toMatch(/not valid JSON/);
  });

  it('accepts a byte-order mark', () => {
    expect(decodeTraces(json('\ufeff{}'), 'json').records).toEqual([]);
  });

  it.each([
    ['[]', 'expected an object at the top level, got an array'],
    ['42', 'expected an object at the top level, got number 42'],
    ['null', 'expected an object at the top level, got null'],
  ])('rejects %s at the top level', (text, problem) => {
    expect(jsonError(text).message).toBe(`invalid OTLP/JSON traces request: ${problem}`);
  });

  it.each([
    ['{"resourceSpans": {}}', 'resourceSpans', 'expected an array, got an object'],
    ['{"resourceSpans": ["x"]}', 'resourceSpans[0]', 'expected an object, got string "x"'],
    ['{"resourceSpans": [{"resource": []}]}', 'resourceSpans[0].resource', 'expected an object, got an array'],
    [
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 5}]}]}]}',
      'resourceSpans[0].scopeSpans[0].spans[0].name',
      'expected a string, got number 5',
    ],
    [
      '{"resourceSpans": [{"scopeSpans": [{}, {"spans": [{}, {"attributes": [{"key": "k", "value": ' +
        '{"stringValue": true}}]}]}]}]}',
      'resourceSpans[0].scopeSpans[1].spans[1].attributes[0].value.stringValue',
      'expected a string, got boolean true',
    ],
    [
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"key": "k", "value": {"arrayValue": ' +
        '{"values": [{"intValue": "12abc"}]}}}]}]}]}]}',
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[0].intValue',
      'expected an integer (a decimal string or a number), got string "12abc"',
    ],
    [
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"key": "k", "value": {"intValue": ' +
        '"9223372036854775808"}}]}]}]}]}',
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue',
      '9223372036854775808 is out of range',
    ],
    [
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "-1"}]}]}]}',
      'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano',
      '-1 is out of range',
    ],
    [
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"status": {"code": 1.5}}]}]}]}',
      'resourceSpans[0].scopeSpans[0].spans[0].status.code',
      'expected an integer, got number 1.5',
    ],
    [
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 7}]}]}]}',
      'resourceSpans[0].scopeSpans[0].spans[0].traceId',
      'expected a string, got number 7',
    ],
    [
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"events": [{"name": "e", "timeUnixNano": true}]}]}]}]}',
      'resourceSpans[0].scopeSpans[0].spans[0].events[0].timeUnixNano',
      'expected an integer (a decimal string or a number), got boolean true',
    ],
  ])('names the path of a structural error: %s', (text, path, problem) => {
    const error = jsonError(text);
    expect(error.location).toBe(path);
    expect(error.message).toBe(`invalid OTLP/JSON traces request at ${path}: ${problem}`);
  });

  it('names paths in logs and metrics bodies too', () => {
    expect(
      jsonError(
        '{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"bytesValue": "not base64!"}}]}]}]}',
        decodeLogs,
      ).message,
    ).toBe(
      'invalid OTLP/JSON logs request at resourceLogs[0].scopeLogs[0].logRecords[0].body.bytesValue: expected base64',
    );
    expect(
      jsonError(
        '{"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"sum": {"dataPoints": [{"asDouble": "lots"}]}}]}]}]}',
        decodeMetrics,
      ).message,
    ).toBe(
      'invalid OTLP/JSON metrics request at ' +
        'resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].asDouble: expected a number, got string "lots"',
    );
    expect(
      jsonError(
        '{"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"histogram": {"dataPoints": [{"bucketCounts": ' +
          '[1, -2]}]}}]}]}]}',
        decodeMetrics,
      ).location,
    ).toBe('resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts[1]');
  });

  it('refuses AnyValues nested deeper than 64 levels', () => {
    const deep = `${'{"arrayValue":{"values":['.repeat(70)}{"stringValue":"x"}${']}}'.repeat(70)}`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":${deep}}]}]}]}]}`;
    expect(jsonError(body).message).toMatch(/AnyValue nested deeper than 64 levels/);
  });
});

describe('metrics bodies from a real SDK survive truncation checks too', () => {
  it('throws OtlpDecodeError for truncations of a metrics request', async () => {
    class Reader extends MetricReader {
      protected override async onShutdown(): Promise<void> {}
      protected override async onForceFlush(): Promise<void> {}
    }
    const reader = new Reader();
    const provider = new MeterProvider({
      readers: [reader],
      views: [{ instrumentName: 'e', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    const meter = provider.getMeter('m');
    meter.createHistogram('h').record(3);
    meter.createHistogram('e').record(5);
    meter.createCounter('c').add(1);
    const body = ProtobufMetricsSerializer.serializeRequest((await reader.collect()).resourceMetrics)!;
    for (let length = 1; length < body.length; length++) {
      expect(() => decodeMetrics(body.subarray(0, length), 'protobuf')).toThrow(OtlpDecodeError);
    }
    expect(decodeMetrics(body, 'protobuf').records).toHaveLength(3);
  });
});
