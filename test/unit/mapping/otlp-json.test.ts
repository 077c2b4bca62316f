import { decodeLogs, decodeMetrics, decodeTraces } from '../../../src/mapping/otlp';

/** Hand-written OTLP/JSON, for what the SDK's serializer never sends. */

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const json = (value: unknown): Uint8Array => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

const RESOURCE = { attributes: [{ key: 'service.name', value: { stringValue: 'json-service' } }] };
const request = (signal: 'Spans' | 'Logs' | 'Metrics', items: unknown[]) => {
  const itemKey = { Spans: 'spans', Logs: 'logRecords', Metrics: 'metrics' }[signal];
  return json({
    [`resource${signal}`]: [
      { resource: RESOURCE, [`scope${signal}`]: [{ scope: { name: 'json-scope' }, [itemKey]: items }] },
    ],
  });
};
const span = (fields: Record<string, unknown> = {}) => ({
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  name: 'span',
  startTimeUnixNano: '1700000000123456789',
  endTimeUnixNano: '1700000000124956789',
  ...fields,
});
const onlySpan = (fields: Record<string, unknown>) => {
  const result = decodeTraces(request('Spans', [span(fields)]), 'json');
  expect([result.rejected, result.errorMessage]).toEqual([0, '']);
  return result.records[0]!;
};
const attributesOf = (values: Record<string, unknown>) =>
  onlySpan({ attributes: Object.entries(values).map(([key, value]) => ({ key, value })) }).attributes;

describe('OTLP/JSON traces, hand-written', () => {
  it('decodes {} and empty arrays to no records', () => {
    expect(decodeTraces(json('{}'), 'json')).toEqual({ records: [], rejected: 0, errorMessage: '' });
    expect(decodeTraces(json({ resourceSpans: [] }), 'json').records).toEqual([]);
    expect(decodeTraces(json({ resourceSpans: [{}] }), 'json').records).toEqual([]);
    expect(decodeTraces(json({ resourceSpans: [{ scopeSpans: [{ spans: [] }] }] }), 'json').records).toEqual([]);
    expect(decodeTraces(json({ resourceSpans: null }), 'json').records).toEqual([]);
  });

  it('keeps 64-bit integers exact when they arrive as strings', () => {
    const record = onlySpan({
      startTimeUnixNano: '1700000000123456789',
      endTimeUnixNano: '18446744073709551615',
      attributes: [
        { key: 'max', value: { intValue: '9223372036854775807' } },
        { key: 'min', value: { intValue: '-9223372036854775808' } },
        { key: 'small', value: { intValue: 7 } },
      ],
    });
    expect(record.attributes).toEqual({ max: 9_223_372_036_854_775_807n, min: -9_223_372_036_854_775_808n, small: 7n });
    expect([record.startTimeUnixNano, record.endTimeUnixNano]).toEqual([
      1_700_000_000_123_456_789n,
      18_446_744_073_709_551_615n,
    ]);
  });

  it('documents that a JSON number above 2^53 was already rounded by JSON.parse', () => {
    const body = json(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}",
      "attributes":[{"key":"asNumber","value":{"intValue":9007199254740993}},{"key":"asString","value":{"intValue":"9007199254740993"}}]}]}]}]}`);
    expect(decodeTraces(body, 'json').records[0]!.attributes).toEqual({
      asNumber: 9_007_199_254_740_992n,
      asString: 9_007_199_254_740_993n,
    });
  });

  it('decodes every AnyValue type, bytes as base64 (standard or URL-safe)', () => {
    expect(
      attributesOf({
        text: { stringValue: 'hé' },
        flag: { boolValue: false },
        double: { doubleValue: 0.5 },
        integral: { doubleValue: 2 },
        nan: { doubleValue: 'NaN' },
        up: { doubleValue: 'Infinity' },
        down: { doubleValue: '-Infinity' },
        numericString: { doubleValue: '1.5e3' },
        bytes: { bytesValue: 'AAH+/w==' },
        urlSafe: { bytesValue: 'AAH-_w' },
        array: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'two' }, {}, { arrayValue: {} }] } },
        kvlist: {
          kvlistValue: {
            values: [
              { key: 'inner', value: { kvlistValue: { values: [{ key: 'deep', value: { boolValue: true } }] } } },
              { key: 'none' },
            ],
          },
        },
        empty: {},
        nullValue: null,
      }),
    ).toEqual({
      text: 'hé',
      flag: false,
      double: 0.5,
      integral: 2,
      nan: Number.NaN,
      up: Infinity,
      down: -Infinity,
      numericString: 1500,
      bytes: Uint8Array.from([0, 1, 254, 255]),
      urlSafe: Uint8Array.from([0, 1, 254, 255]),
      array: [1n, 'two', null, []],
      kvlist: { inner: { deep: true }, none: null },
      empty: null,
      nullValue: null,
    });
  });

  it('reads ids as hex, in either case, and an empty parent id as a root span', () => {
    const record = onlySpan({ traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase(), parentSpanId: '' });
    expect([record.traceId, record.spanId, record.parentSpanId]).toEqual([TRACE_ID, SPAN_ID, null]);
    expect(onlySpan({ parentSpanId: 'AABBCCDDEEFF0011' }).parentSpanId).toBe('aabbccddeeff0011');
  });

  it('decodes every span field', () => {
    const record = onlySpan({
      traceState: 'vendor=x',
      parentSpanId: 'cccccccccccccccc',
      flags: 0x301,
      kind: 3,
      droppedAttributesCount: 1,
      events: [
        {
          timeUnixNano: '1700000000123456790',
          name: 'exception',
          attributes: [{ key: 'exception.type', value: { stringValue: 'Boom' } }],
          droppedAttributesCount: 2,
        },
      ],
      droppedEventsCount: 3,
      links: [
        {
          traceId: TRACE_ID,
          spanId: 'dddddddddddddddd',
          traceState: 'k=v',
          flags: 1,
          attributes: [{ key: 'why', value: { stringValue: 'retry' } }],
          droppedAttributesCount: 4,
        },
      ],
      droppedLinksCount: 5,
      status: { code: 2, message: 'it broke' },
    });
    expect(record).toMatchObject({
      traceState: 'vendor=x',
      parentSpanId: 'cccccccccccccccc',
      flags: 0x301,
      kind: 'client',
      droppedAttributesCount: 1,
      droppedEventsCount: 3,
      droppedLinksCount: 5,
      statusCode: 'error',
      statusMessage: 'it broke',
      durationNano: 1_500_000n,
      serviceName: 'json-service',
      error: { message: 'it broke', type: 'Boom', stack: null },
    });
    expect(record.events).toEqual([
      {
        timeUnixNano: 1_700_000_000_123_456_790n,
        name: 'exception',
        attributes: { 'exception.type': 'Boom' },
        droppedAttributesCount: 2,
      },
    ]);
    expect(record.links).toEqual([
      {
        traceId: TRACE_ID,
        spanId: 'dddddddddddddddd',
        traceState: 'k=v',
        flags: 1,
        attributes: { why: 'retry' },
        droppedAttributesCount: 4,
      },
    ]);
  });

  it('accepts enum names as well as numbers, and reads unknown ones as unspecified', () => {
    expect(onlySpan({ kind: 'SPAN_KIND_SERVER' }).kind).toBe('server');
    expect(onlySpan({ kind: 2 }).kind).toBe('server');
    expect(onlySpan({ kind: 'SPAN_KIND_FROM_THE_FUTURE' }).kind).toBe('unspecified');
    expect(onlySpan({ status: { code: 'STATUS_CODE_OK' } }).statusCode).toBe('ok');
    expect(onlySpan({ status: { code: 'STATUS_CODE_ERROR', message: 'm' } }).statusCode).toBe('error');
  });

  it('accepts the proto field names too', () => {
    const body = json({
      resource_spans: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { string_value: 'snake' } }],
            dropped_attributes_count: 2,
          },
          schema_url: 'https://schema',
          scope_spans: [
            {
              scope: { name: 's', dropped_attributes_count: 1 },
              schema_url: 'https://scope',
              spans: [
                {
                  trace_id: TRACE_ID,
                  span_id: SPAN_ID,
                  parent_span_id: 'cccccccccccccccc',
                  start_time_unix_nano: '5',
                  end_time_unix_nano: '7',
                  trace_state: 't',
                  dropped_links_count: 2,
                },
              ],
            },
          ],
        },
      ],
    });
    const [record] = decodeTraces(body, 'json').records;
    expect(record).toMatchObject({
      serviceName: 'snake',
      parentSpanId: 'cccccccccccccccc',
      durationNano: 2n,
      traceState: 't',
      droppedLinksCount: 2,
    });
    expect(record!.resource).toEqual({
      attributes: { 'service.name': 'snake' },
      droppedAttributesCount: 2,
      schemaUrl: 'https://schema',
    });
    expect(record!.scope).toEqual({
      name: 's',
      version: '',
      attributes: {},
      droppedAttributesCount: 1,
      schemaUrl: 'https://scope',
    });
  });

  it('ignores unknown fields at every level, and reads null as the default', () => {
    const body = json({
      future: { anything: [1, 2] },
      resourceSpans: [
        {
          unknown: true,
          resource: { ...RESOURCE, entityRefs: [{ type: 'service' }] },
          scopeSpans: [
            {
              scope: { name: 'x', extra: 1 },
              spans: [
                span({
                  newField: 'x',
                  status: { code: 1, detail: 'y' },
                  traceState: null,
                  attributes: [{ key: 'k', value: { stringValue: 'v', futureValue: 1 }, extra: 0 }],
                }),
              ],
            },
          ],
        },
      ],
    });
    const [record] = decodeTraces(body, 'json').records;
    expect(record).toMatchObject({
      serviceName: 'json-service',
      statusCode: 'ok',
      traceState: '',
      attributes: { k: 'v' },
    });
  });

  it('rejects spans with bad ids, keeps their siblings, and names the first', () => {
    const result = decodeTraces(
      request('Spans', [
        span({ name: 'kept' }),
        span({ name: 'base64 id', traceId: 'S/kvNXezTaajzpKdDg5HNg==' }),
        span({ name: 'zero id', traceId: '0'.repeat(32) }),
        span({ name: 'no span id', spanId: '' }),
      ]),
      'json',
    );
    expect(result.records.map((record) => record.name)).toEqual(['kept']);
    expect(result.rejected).toBe(3);
    expect(result.errorMessage).toBe(
      'span "base64 id" at resourceSpans[0].scopeSpans[0].spans[1]: traceId "S/kvNXezTaajzpKdDg5HNg==" is not ' +
        '16 bytes (32 hex digits)',
    );
  });

  it('shares one ResourceInfo and ScopeInfo per group', () => {
    const [first, second] = decodeTraces(
      request('Spans', [span(), span({ spanId: 'aaaaaaaaaaaaaaaa' })]),
      'json',
    ).records;
    expect(first!.resource).toBe(second!.resource);
    expect(first!.scope).toBe(second!.scope);
  });
});

describe('OTLP/JSON logs, hand-written', () => {
  it('decodes every field, with the severity as a number or a name', () => {
    const records = decodeLogs(
      request('Logs', [
        {
          timeUnixNano: '1700000000123456789',
          observedTimeUnixNano: 1700000000,
          severityNumber: 'SEVERITY_NUMBER_WARN2',
          severityText: 'WARN',
          body: { kvlistValue: { values: [{ key: 'bytes', value: { bytesValue: 'AQI=' } }] } },
          attributes: [{ key: 'attempt', value: { intValue: '2' } }],
          droppedAttributesCount: 1,
          flags: 1,
          traceId: TRACE_ID,
          spanId: SPAN_ID,
          eventName: 'tool.slow',
        },
        { severityNumber: 17, body: { stringValue: 'plain' }, traceId: '', spanId: '' },
        {
          severity_number: 'SEVERITY_NUMBER_NOT_A_LEVEL',
          trace_id: '0'.repeat(32),
          event_name: 'snake',
          observed_time_unix_nano: '9',
        },
      ]),
      'json',
    ).records;
    expect(records[0]).toMatchObject({
      timeUnixNano: 1_700_000_000_123_456_789n,
      observedTimeUnixNano: 1_700_000_000n,
      severityNumber: 14,
      level: 'warn',
      body: { bytes: Uint8Array.from([1, 2]) },
      message: '{"bytes":"AQI="}',
      attributes: { attempt: 2n },
      droppedAttributesCount: 1,
      flags: 1,
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      eventName: 'tool.slow',
    });
    expect(records[1]).toMatchObject({
      severityNumber: 17,
      level: 'error',
      message: 'plain',
      traceId: null,
      spanId: null,
    });
    expect(records[2]).toMatchObject({
      severityNumber: 0,
      traceId: null,
      eventName: 'snake',
      observedTimeUnixNano: 9n,
      body: null,
    });
  });

  it('rejects a log record whose trace id has the wrong length', () => {
    const result = decodeLogs(request('Logs', [{ traceId: 'abcd' }, { severityText: 'kept' }]), 'json');
    expect(result.records.map((record) => record.severityText)).toEqual(['kept']);
    expect(result.errorMessage).toBe(
      'log record at resourceLogs[0].scopeLogs[0].logRecords[0]: traceId "abcd" is not 16 bytes (32 hex digits)',
    );
  });
});

describe('OTLP/JSON metrics, hand-written', () => {
  it('decodes summaries with their quantiles, and counts as strings', () => {
    const [summary] = decodeMetrics(
      request('Metrics', [
        {
          name: 'rpc.duration',
          unit: 's',
          summary: {
            dataPoints: [
              {
                startTimeUnixNano: '1',
                timeUnixNano: '2',
                count: '1000',
                sum: 12.5,
                quantileValues: [
                  { quantile: 0.5, value: 0.01 },
                  { quantile: 0.99, value: 'Infinity' },
                ],
                attributes: [{ key: 'rpc.method', value: { stringValue: 'Get' } }],
                flags: 1,
              },
            ],
          },
        },
      ]),
      'json',
    ).records;
    expect(summary).toMatchObject({
      type: 'summary',
      name: 'rpc.duration',
      unit: 's',
      temporality: null,
      count: 1000,
      sum: 12.5,
      quantiles: [
        { quantile: 0.5, value: 0.01 },
        { quantile: 0.99, value: Infinity },
      ],
      attributes: { 'rpc.method': 'Get' },
      flags: 1,
      timeUnixNano: 2n,
    });
  });

  it('decodes exemplars with hex ids, and takes the trace context from them', () => {
    const result = decodeMetrics(
      request('Metrics', [
        {
          name: 'tokens',
          sum: {
            aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
            isMonotonic: true,
            dataPoints: [
              {
                asInt: '-9223372036854775808',
                exemplars: [
                  { asDouble: 1.5, timeUnixNano: '10' },
                  {
                    asInt: '7',
                    traceId: TRACE_ID,
                    spanId: SPAN_ID,
                    filteredAttributes: [{ key: 'user', value: { stringValue: 'u1' } }],
                  },
                ],
              },
              { asDouble: 1, exemplars: [{ traceId: 'nothex-nothex-nothex-nothex-nothe' }] },
            ],
          },
        },
      ]),
      'json',
    );
    expect(result.records).toHaveLength(1);
    expect(result.records[0]).toMatchObject({
      type: 'sum',
      temporality: 'delta',
      isMonotonic: true,
      value: -(2n ** 63n),
      traceId: TRACE_ID,
      spanId: SPAN_ID,
    });
    expect(result.records[0]!.exemplars).toEqual([
      { timeUnixNano: 10n, value: 1.5, traceId: null, spanId: null, filteredAttributes: {} },
      { timeUnixNano: 0n, value: 7n, traceId: TRACE_ID, spanId: SPAN_ID, filteredAttributes: { user: 'u1' } },
    ]);
    expect(result.rejected).toBe(1);
    expect(result.errorMessage).toMatch(
      /^data point at resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.sum\.dataPoints\[1\]: exemplars\[0\]\.traceId/,
    );
  });

  it('decodes histograms and exponential histograms, with enum numbers and counts as strings or numbers', () => {
    const records = decodeMetrics(
      request('Metrics', [
        {
          name: 'h',
          histogram: {
            aggregationTemporality: 2,
            dataPoints: [
              { count: '3', sum: 6, bucketCounts: ['1', 2], explicitBounds: [1.5], min: 1, max: 'Infinity' },
            ],
          },
        },
        {
          name: 'e',
          exponential_histogram: {
            aggregation_temporality: 1,
            data_points: [
              {
                count: 4,
                scale: -3,
                zero_count: '1',
                zero_threshold: 0.001,
                positive: { offset: -2, bucket_counts: ['2', 1] },
                negative: {},
              },
            ],
          },
        },
        { name: 'g', gauge: { dataPoints: [{ asDouble: 'NaN', as_int: undefined }] } },
      ]),
      'json',
    ).records;
    expect(records[0]).toMatchObject({
      type: 'histogram',
      temporality: 'cumulative',
      count: 3,
      sum: 6,
      bucketCounts: [1, 2],
      explicitBounds: [1.5],
      min: 1,
      max: Infinity,
    });
    expect(records[1]).toMatchObject({
      type: 'exponential_histogram',
      temporality: 'delta',
      count: 4,
      scale: -3,
      zeroCount: 1,
      zeroThreshold: 0.001,
      positive: { offset: -2, bucketCounts: [2, 1] },
      negative: { offset: 0, bucketCounts: [] },
      sum: null,
    });
    expect(records[2]!.value).toBeNaN();
  });

  it('ignores fields that a point of its type does not have', () => {
    const [gauge] = decodeMetrics(
      request('Metrics', [
        { name: 'g', gauge: { aggregationTemporality: 1, dataPoints: [{ asInt: 3, count: 5, quantileValues: [] }] } },
      ]),
      'json',
    ).records;
    expect(gauge).toMatchObject({ type: 'gauge', value: 3n, temporality: null, count: null, quantiles: null });
  });
});
