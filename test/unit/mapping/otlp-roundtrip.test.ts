import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, ValueType, trace, type Link } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { TraceState } from '@opentelemetry/core';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  MetricReader,
  type MetricReaderOptions,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { decodeLogs, decodeMetrics, decodeTraces, type OtlpEncoding } from '../../../src/mapping/otlp';
import { logFromSdk } from '../../../src/mapping/sdk/logs';
import { metricsFromSdk } from '../../../src/mapping/sdk/metrics';
import { spanFromSdk } from '../../../src/mapping/sdk/spans';
import type { LogRecord, SpanRecord } from '../../../src/records/types';

/**
 * Telemetry from the real SDKs, encoded by the real OTLP serializers in both encodings, must decode
 * to exactly the records that the SDK mapping makes of the same telemetry.
 */

const ENCODINGS: OtlpEncoding[] = ['protobuf', 'json'];
const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.26.0';

const RESOURCE_ATTRIBUTES = {
  'service.name': 'trip-planner',
  'service.version': '2.4.0',
  'deployment.environment.name': 'test',
  'process.pid': 4242,
  'host.arch.bits': 64.5,
  'telemetry.sdk.enabled': true,
  'service.tags': ['a', 'b'],
};

/** Every attribute type the SDK accepts, and the edges of each. */
const ALL_ATTRIBUTE_TYPES = {
  string: 'hello',
  empty: '',
  unicode: 'naïve café 日本語 🚀 "quoted" \\ back',
  int: 42,
  zero: 0,
  negative: -7,
  intMaxSafe: Number.MAX_SAFE_INTEGER,
  intBeyondSafe: 2 ** 60,
  intNegativeBeyondSafe: -(2 ** 62),
  double: 3.14159,
  negativeDouble: -0.5,
  tiny: 5e-324,
  huge: 1.5e300,
  boolTrue: true,
  boolFalse: false,
  strings: ['a', '', 'ü'],
  numbers: [1, 2.5, -3],
  booleans: [true, false],
  withNull: ['x', null, 'y'],
  emptyArray: [],
};

const byId = <R extends { spanId: string | null }>(records: R[]): R[] =>
  [...records].sort((a, b) => a.spanId!.localeCompare(b.spanId!));

describe('OTLP round trip: SDK spans through the OTLP serializers', () => {
  let spans: ReadableSpan[];

  beforeAll(() => {
    const exporter = new InMemorySpanExporter();
    const limits = { attributeCountLimit: 40, eventCountLimit: 3, linkCountLimit: 2 };
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes(RESOURCE_ATTRIBUTES),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      spanLimits: limits,
    });
    const otherResource = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'weather-service' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('planner', '1.2.3', { schemaUrl: SCHEMA_URL });
    const unversioned = provider.getTracer('unversioned');

    const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('vendor=opaque,other=1'),
    });
    const root = tracer.startSpan(
      'invoke_agent planner',
      {
        kind: SpanKind.SERVER,
        attributes: {
          ...ALL_ATTRIBUTE_TYPES,
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.id': 'planner',
          'gen_ai.agent.name': 'Trip Planner',
          'user.id': 'user-42',
          'session.id': 'session-9',
          'mastra.metadata.runId': 'run-3',
          'mastra.tags': '["beta","eu"]',
        },
      },
      remoteParent,
    );
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const linkTarget = unversioned.startSpan('unrelated', { root: true, kind: SpanKind.PRODUCER });
    linkTarget.end();
    const links: Link[] = [
      { context: linkTarget.spanContext(), attributes: { 'link.reason': 'follows', 'link.weight': 2 } },
      {
        context: {
          ...linkTarget.spanContext(),
          traceState: new TraceState('k=v'),
          traceFlags: TraceFlags.NONE,
          isRemote: true,
        },
      },
      { context: linkTarget.spanContext() },
    ];
    const model = tracer.startSpan(
      'chat gpt-4o',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.provider.name': 'openai',
          'gen_ai.usage.input_tokens': 120,
          'gen_ai.usage.output_tokens': 30,
          'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Kyoto?"}]}]',
          'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Yes."}]}]',
        },
        links,
      },
      rootContext,
    );
    model.addEvent('first token', { index: 0, 'token.text': 'Yes' });
    model.addEvent('no attributes');
    model.addEvent('at a given time', { at: 'epoch' }, [1_700_000_000, 123_456_789]);
    model.addEvent('dropped, over the event limit');
    const tool = tracer.startSpan(
      'execute_tool weather',
      {
        kind: SpanKind.INTERNAL,
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'weather' },
      },
      trace.setSpan(ROOT_CONTEXT, model),
    );
    tool.recordException(new TypeError('weather service unavailable'));
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'weather service unavailable' });
    tool.end();
    const overLimit = tracer.startSpan('too many attributes', { kind: SpanKind.CONSUMER }, rootContext);
    for (let index = 0; index < 45; index++) overLimit.setAttribute(`attribute.${index}`, index);
    overLimit.setStatus({ code: SpanStatusCode.OK });
    overLimit.end();
    model.end();
    root.end();
    otherResource
      .getTracer('weather')
      .startSpan('GET /forecast', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 200 } })
      .end();
    spans = exporter.getFinishedSpans();
  });

  it('exercises what the round trip is meant to cover', () => {
    // Guards the fixture: if the SDK stopped producing these, the comparisons below would prove less.
    expect(spans).toHaveLength(6);
    const names = spans.map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining(['invoke_agent planner', 'chat gpt-4o', 'execute_tool weather', 'GET /forecast']),
    );
    const model = spans.find((span) => span.name === 'chat gpt-4o')!;
    expect([model.droppedEventsCount, model.droppedLinksCount]).toEqual([1, 1]);
    expect(spans.find((span) => span.name === 'too many attributes')!.droppedAttributesCount).toBe(5);
    expect(new Set(spans.map((span) => span.resource)).size).toBe(2);
  });

  it.each(ENCODINGS)('decodes %s to the records the SDK mapping makes', (encoding) => {
    const serializer = encoding === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
    const decoded = decodeTraces(serializer.serializeRequest(spans)!, encoding);
    expect(decoded.rejected).toBe(0);
    expect(decoded.errorMessage).toBe('');
    expect(byId(decoded.records)).toEqual(byId(spans.map(spanFromSdk)));
  });

  it.each(ENCODINGS)('%s: derives the agent fields and the error like the SDK path', (encoding) => {
    const serializer = encoding === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
    const records = decodeTraces(serializer.serializeRequest(spans)!, encoding).records;
    const root = records.find((record) => record.name === 'invoke_agent planner')!;
    expect(root).toMatchObject({
      spanType: 'agent_run',
      entityId: 'planner',
      userId: 'user-42',
      runId: 'run-3',
      tags: ['beta', 'eu'],
    });
    expect(root.parentSpanId).toBe('00f067aa0ba902b7');
    expect(root.traceState).toBe('vendor=opaque,other=1');
    expect(root.attributes.intBeyondSafe).toBe(2n ** 60n);
    expect(root.attributes.intNegativeBeyondSafe).toBe(-(2n ** 62n));
    const tool = records.find((record) => record.name === 'execute_tool weather')!;
    expect(tool.error).toEqual({
      message: 'weather service unavailable',
      type: 'TypeError',
      stack: expect.stringContaining('TypeError') as jest.AsymmetricMatcher,
    });
    expect(records.find((record) => record.name === 'chat gpt-4o')).toMatchObject({
      model: 'gpt-4o',
      inputTokens: 120,
      totalTokens: 150,
    });
  });

  it.each(ENCODINGS)('%s: records of one resource or scope share one ResourceInfo or ScopeInfo', (encoding) => {
    const serializer = encoding === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
    const records = decodeTraces(serializer.serializeRequest(spans)!, encoding).records;
    const planner = records.filter((record) => record.serviceName === 'trip-planner');
    const planned = planner.filter((record) => record.scope.name === 'planner');
    expect(planner).toHaveLength(5);
    expect(new Set(planner.map((record) => record.resource)).size).toBe(1);
    expect(new Set(planned.map((record) => record.scope)).size).toBe(1);
    expect(planned[0]!.scope).toEqual({
      name: 'planner',
      version: '1.2.3',
      attributes: {},
      droppedAttributesCount: 0,
      schemaUrl: SCHEMA_URL,
    });
    const weather = records.find((record) => record.serviceName === 'weather-service')!;
    expect(weather.resource).not.toBe(planner[0]!.resource);
  });

  /** A span as the JSON serializer writes it. */
  function jsonSpanNamed(name: string) {
    type JsonSpan = {
      name: string;
      traceId: string;
      parentSpanId?: string;
      startTimeUnixNano: unknown;
      flags: number;
      attributes: { key: string; value: unknown }[];
    };
    type JsonTracesRequest = { resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[] };
    const body = JSON.parse(
      Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8'),
    ) as JsonTracesRequest;
    const all = body.resourceSpans.flatMap((group) => group.scopeSpans.flatMap((scope) => scope.spans));
    return all.find((span) => span.name === name)!;
  }

  it('the JSON serializer writes ids in hex, times as strings and ints as numbers, all of which decode', () => {
    const span = jsonSpanNamed('invoke_agent planner');
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.parentSpanId).toBe('00f067aa0ba902b7');
    expect(typeof span.startTimeUnixNano).toBe('string');
    expect(span.attributes.find((attribute) => attribute.key === 'int')!.value).toEqual({ intValue: 42 });
    // An integral double beyond int64 too, which protobuf sends as a double; it decodes as one (see the round trips).
    expect(span.attributes.find((attribute) => attribute.key === 'huge')!.value).toEqual({ intValue: 1.5e300 });
  });

  it('keeps OTLP’s span and link flags as sent, is-remote bits included, as the SDK path computes them', () => {
    const body = ProtobufTraceSerializer.serializeRequest(spans)!;
    const root = jsonSpanNamed('invoke_agent planner');
    expect(root.flags).toBe(0x301); // sampled, has-is-remote, is-remote
    for (const encoding of ENCODINGS) {
      const records = decodeTraces(
        encoding === 'protobuf' ? body : JsonTraceSerializer.serializeRequest(spans)!,
        encoding,
      ).records;
      const record = records.find((candidate) => candidate.name === 'invoke_agent planner')!;
      expect(record.flags).toBe(0x301);
      const model = records.find((candidate) => candidate.name === 'chat gpt-4o')!;
      expect(model.links.map((link) => link.flags & 0xff).sort()).toEqual([TraceFlags.NONE, TraceFlags.SAMPLED]);
      expect(model.links.every((link) => (link.flags & 0x100) !== 0)).toBe(true);
    }
  });

  it('protobuf carries doubles that JSON cannot: NaN and the infinities', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider
      .getTracer('doubles')
      .startSpan('odd doubles', { attributes: { nan: Number.NaN, up: Infinity, down: -Infinity } })
      .end();
    const [span] = exporter.getFinishedSpans();
    const [record] = decodeTraces(ProtobufTraceSerializer.serializeRequest([span!])!, 'protobuf').records;
    expect(record).toEqual(spanFromSdk(span!));
    expect(record!.attributes).toEqual({ nan: Number.NaN, up: Infinity, down: -Infinity });
  });
});

describe('OTLP round trip: SDK log records through the OTLP serializers', () => {
  let logs: ReadableLogRecord[];

  beforeAll(() => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes(RESOURCE_ATTRIBUTES),
      processors: [new SimpleLogRecordProcessor({ exporter })],
      logRecordLimits: { attributeCountLimit: 30 },
    });
    const logger = provider.getLogger('planner-logs', '0.3.0', {
      schemaUrl: SCHEMA_URL,
      attributes: { 'scope.kind': 'agent', 'scope.level': 3 },
    });
    const plain = provider.getLogger('plain');
    const spanContext = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    const bodies: unknown[] = [
      'a plain message',
      '',
      42,
      -(2 ** 53),
      2.5,
      true,
      new Uint8Array([0, 1, 2, 254, 255]),
      ['mixed', 1, 2.5, false, null, ['nested'], { in: 'array' }],
      {
        event: 'slow tool',
        latencyMs: 1200,
        ratio: 0.25,
        ok: false,
        tags: ['a'],
        nested: { deeper: { deepest: 'x' } },
        nothing: null,
      },
      null,
    ];
    bodies.forEach((body, index) =>
      logger.emit({
        body: body as never,
        severityNumber: SeverityNumber.WARN,
        severityText: 'WARN',
        eventName: index === 0 ? 'tool.slow' : undefined,
        attributes: { index, 'mastra.metadata.requestId': 'req-1', map: { inner: [1, 'two'] } },
        timestamp: [1_700_000_000, index * 1000 + 123],
        observedTimestamp: [1_700_000_001, 987_654_321],
        context: spanContext,
      }),
    );
    plain.emit({ body: 'no severity, no context, no body type' });
    plain.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR' });
    const crowded: Record<string, number> = {};
    for (let index = 0; index < 33; index++) crowded[`attribute.${index}`] = index;
    plain.emit({ body: 'over the attribute limit', attributes: crowded });
    logs = exporter.getFinishedLogRecords();
  });

  it('exercises what the round trip is meant to cover', () => {
    expect(logs).toHaveLength(13);
    expect(logs.at(-1)!.droppedAttributesCount).toBe(3);
    expect(logs[0]!.spanContext?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it.each(ENCODINGS)('decodes %s to the records the SDK mapping makes', (encoding) => {
    const serializer = encoding === 'protobuf' ? ProtobufLogsSerializer : JsonLogsSerializer;
    const decoded = decodeLogs(serializer.serializeRequest(logs)!, encoding);
    expect(decoded.rejected).toBe(0);
    expect(decoded.errorMessage).toBe('');
    expect(decoded.records).toEqual(logs.map(logFromSdk));
  });

  it.each(ENCODINGS)('%s: keeps every body type, the trace context and the scope attributes', (encoding) => {
    const serializer = encoding === 'protobuf' ? ProtobufLogsSerializer : JsonLogsSerializer;
    const records: LogRecord[] = decodeLogs(serializer.serializeRequest(logs)!, encoding).records;
    expect(records.slice(0, 10).map((record) => record.body)).toEqual([
      'a plain message',
      '',
      42n,
      -(2n ** 53n),
      2.5,
      true,
      new Uint8Array([0, 1, 2, 254, 255]),
      ['mixed', 1n, 2.5, false, null, ['nested'], { in: 'array' }],
      {
        event: 'slow tool',
        latencyMs: 1200n,
        ratio: 0.25,
        ok: false,
        tags: ['a'],
        nested: { deeper: { deepest: 'x' } },
        nothing: null,
      },
      null,
    ]);
    expect(records[0]).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      flags: 1,
      eventName: 'tool.slow',
      level: 'warn',
      requestId: 'req-1',
      timeUnixNano: 1_700_000_000_000_000_123n,
    });
    expect(records[0]!.scope).toEqual({
      name: 'planner-logs',
      version: '0.3.0',
      attributes: { 'scope.kind': 'agent', 'scope.level': 3n },
      droppedAttributesCount: 0,
      schemaUrl: SCHEMA_URL,
    });
    expect(records[10]).toMatchObject({ traceId: null, spanId: null, flags: 0, severityNumber: 0, level: 'info' });
    expect(records[11]).toMatchObject({ body: null, message: '', level: 'error' });
  });
});

/** A reader that collects on demand, for the test to hand the collection to the serializers. */
class CollectingReader extends MetricReader {
  constructor(options?: MetricReaderOptions) {
    super(options);
  }

  protected override async onShutdown(): Promise<void> {}

  protected override async onForceFlush(): Promise<void> {}
}

describe('OTLP round trip: SDK metrics through the OTLP serializers', () => {
  const collections: Record<'cumulative' | 'delta', ResourceMetrics> = {} as never;

  beforeAll(async () => {
    const cumulative = new CollectingReader();
    const delta = new CollectingReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
    const provider = new MeterProvider({
      resource: resourceFromAttributes(RESOURCE_ATTRIBUTES),
      readers: [cumulative, delta],
      views: [{ instrumentName: 'latency.exponential', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    const meter = provider.getMeter('planner-meter', '1.0.0', { schemaUrl: SCHEMA_URL });
    const requests = meter.createCounter('requests', {
      valueType: ValueType.INT,
      unit: '{request}',
      description: 'Requests served',
    });
    requests.add(3, { route: '/plan', 'mastra.metadata.runId': 'run-7' });
    requests.add(4, { route: '/book' });
    meter.createCounter('cost', { valueType: ValueType.DOUBLE, unit: 'USD' }).add(0.25);
    const inFlight = meter.createUpDownCounter('in_flight', { valueType: ValueType.INT });
    inFlight.add(5);
    inFlight.add(-8);
    const latency = meter.createHistogram('latency', {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [10, 100, 1000] },
    });
    for (const value of [2, 12.5, 300, 5000]) latency.record(value, { 'gen_ai.request.model': 'gpt-4o' });
    const exponential = meter.createHistogram('latency.exponential', { unit: 'ms' });
    for (const value of [0, 0.5, 3, 3.5, 1200]) exponential.record(value);
    meter.createGauge('temperature', { unit: 'Cel' }).record(21.5, { room: 'lab' });
    meter.createGauge('queue.depth', { valueType: ValueType.INT }).record(17);
    meter.createObservableGauge('memory.ratio').addCallback((result) => result.observe(0.75, { pool: 'heap' }));
    meter.createObservableCounter('uptime', { valueType: ValueType.INT }).addCallback((result) => result.observe(3600));
    meter
      .createObservableUpDownCounter('connections', { valueType: ValueType.INT })
      .addCallback((result) => result.observe(-2));
    collections.cumulative = (await cumulative.collect()).resourceMetrics;
    collections.delta = (await delta.collect()).resourceMetrics;
  });

  it('exercises every instrument kind', () => {
    const metrics = collections.cumulative.scopeMetrics[0]!.metrics;
    expect(metrics.map((metric) => metric.descriptor.name).sort()).toEqual([
      'connections',
      'cost',
      'in_flight',
      'latency',
      'latency.exponential',
      'memory.ratio',
      'queue.depth',
      'requests',
      'temperature',
      'uptime',
    ]);
  });

  describe.each(['cumulative', 'delta'] as const)('%s temporality', (temporality) => {
    it.each(ENCODINGS)('decodes %s to the records the SDK mapping makes', (encoding) => {
      const serializer = encoding === 'protobuf' ? ProtobufMetricsSerializer : JsonMetricsSerializer;
      const decoded = decodeMetrics(serializer.serializeRequest(collections[temporality])!, encoding);
      expect(decoded.rejected).toBe(0);
      expect(decoded.records).toEqual(metricsFromSdk(collections[temporality]));
    });
  });

  it.each(ENCODINGS)('%s: keeps value types, temporality and the histogram shapes', (encoding) => {
    const serializer = encoding === 'protobuf' ? ProtobufMetricsSerializer : JsonMetricsSerializer;
    const records = decodeMetrics(serializer.serializeRequest(collections.cumulative)!, encoding).records;
    const named = (name: string) => records.filter((record) => record.name === name);
    expect(named('requests').map((record) => record.value)).toEqual([3n, 4n]);
    expect(named('requests')[0]).toMatchObject({
      type: 'sum',
      temporality: 'cumulative',
      isMonotonic: true,
      unit: '{request}',
      runId: 'run-7',
    });
    expect(named('in_flight')[0]).toMatchObject({ value: -3n, isMonotonic: false });
    expect(named('cost')[0]!.value).toBe(0.25);
    expect(named('latency')[0]).toMatchObject({
      type: 'histogram',
      count: 4,
      sum: 5314.5,
      min: 2,
      max: 5000,
      explicitBounds: [10, 100, 1000],
      bucketCounts: [1, 1, 1, 1],
    });
    expect(named('latency.exponential')[0]).toMatchObject({
      type: 'exponential_histogram',
      count: 5,
      zeroCount: 1,
      zeroThreshold: 0,
    });
    expect(named('latency.exponential')[0]!.positive!.bucketCounts.reduce((total, count) => total + count, 0)).toBe(4);
    expect(named('temperature')[0]).toMatchObject({ type: 'gauge', temporality: null, isMonotonic: null, value: 21.5 });
    expect(named('connections')[0]).toMatchObject({ type: 'sum', value: -2n, isMonotonic: false });
    expect(new Set(records.map((record) => record.resource)).size).toBe(1);
  });

  it('a collection with no metrics decodes to no records', () => {
    const empty: ResourceMetrics = { resource: collections.cumulative.resource, scopeMetrics: [] };
    for (const encoding of ENCODINGS) {
      const serializer = encoding === 'protobuf' ? ProtobufMetricsSerializer : JsonMetricsSerializer;
      expect(decodeMetrics(serializer.serializeRequest(empty)!, encoding)).toEqual({
        records: [],
        rejected: 0,
        errorMessage: '',
      });
    }
  });
});

describe('shared span helpers', () => {
  it('records the SDK maps and decoded ones agree on every field, including derived ones', () => {
    // A single span compared field by field, so that a failure names the field.
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.getTracer('one').startSpan('one span', { attributes: ALL_ATTRIBUTE_TYPES }).end();
    const [span] = exporter.getFinishedSpans();
    const expected = spanFromSdk(span!);
    for (const encoding of ENCODINGS) {
      const serializer = encoding === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
      const [actual] = decodeTraces(serializer.serializeRequest([span!])!, encoding).records;
      for (const field of Object.keys(expected) as (keyof SpanRecord)[])
        expect([field, actual![field]]).toEqual([field, expected[field]]);
      expect(Object.keys(actual!).sort()).toEqual(Object.keys(expected).sort());
    }
  });
});
