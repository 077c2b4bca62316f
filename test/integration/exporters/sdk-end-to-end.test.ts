import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, context, metrics as metricsApi, trace, ValueType } from '@opentelemetry/api';
import { logs as logsApi, SeverityNumber } from '@opentelemetry/api-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { AggregationType, InstrumentType, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { DefaultExporter } from '../../../src/exporters/default-exporter';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import type { AttributeValue, SpanRecord } from '../../../src/records/types';

/** What the SDK's own objects say a stored value must be: HrTime → ns, integral numbers → int64. */
const ns = (time: [number, number]): bigint => BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
const typed = (value: unknown): AttributeValue => {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(typed);
  return value as AttributeValue;
};
const typedMap = (attributes: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(attributes ?? {}).map(([key, value]) => [key, typed(value)]));

describe('NodeSDK with the DefaultExporter, into a DuckDB file', () => {
  let directory: string;
  let store: DuckDBStore;
  let exporter: DefaultExporter;
  const producedSpans = new InMemorySpanExporter();
  const producedLogs = new InMemoryLogRecordExporter();
  let spans: ReadableSpan[];
  let logRecords: ReadableLogRecord[];
  let traceId: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'otel-bridge-e2e-'));
    store = new DuckDBStore({ path: join(directory, 'e2e.duckdb') });
    exporter = new DefaultExporter({ storage: store });
    const sdk = new NodeSDK({
      resource: resourceFromAttributes({
        'service.name': 'trip-planner',
        'deployment.environment.name': 'test',
        'service.instance.id': 7,
      }),
      autoDetectResources: false,
      instrumentations: [],
      spanProcessors: [new BatchSpanProcessor(exporter.spanExporter), new SimpleSpanProcessor(producedSpans)],
      logRecordProcessors: [
        new BatchLogRecordProcessor({ exporter: exporter.logRecordExporter }),
        new SimpleLogRecordProcessor({ exporter: producedLogs }),
      ],
      metricReaders: [
        new PeriodicExportingMetricReader({ exporter: exporter.metricExporter, exportIntervalMillis: 3_600_000 }),
      ],
      views: [{ instrumentName: 'tokens.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    sdk.start();

    const tracer = trace.getTracer('planner-tracer', '2.1.0');
    const logger = logsApi.getLogger('planner-logger', '0.3.0');
    const meter = metricsApi.getMeter('planner-meter', '1.0.0');

    tracer.startActiveSpan(
      'invoke_agent planner',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.id': 'planner',
          'gen_ai.agent.name': 'Trip Planner',
          'user.id': 'user-42',
          'session.id': 'session-9',
          'mastra.metadata.runId': 'run-3',
          'mastra.tags': '["beta","eu"]',
          'http.status_code': 200,
          ratio: 0.5,
          ok: true,
          ünïcødé: '日本語 🚀',
          empty: '',
          list: ['a', 'b'],
          numbers: [1, 2.5],
        },
      },
      (root) => {
        traceId = root.spanContext().traceId;
        logger.emit({
          severityNumber: SeverityNumber.WARN,
          severityText: 'WARN',
          body: { event: 'slow tool', latencyMs: 1200, nested: { ok: false } },
          attributes: { 'mastra.metadata.requestId': 'req-1', attempt: 2 },
          eventName: 'tool.slow',
        });
        const linkTarget = tracer.startSpan('unrelated', { root: true });
        linkTarget.end();
        tracer.startActiveSpan(
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
            links: [{ context: linkTarget.spanContext(), attributes: { 'link.reason': 'follows' } }],
          },
          (model) => {
            model.addEvent('first token', { index: 0 });
            const tool = tracer.startSpan('execute_tool weather', {
              attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'weather' },
            });
            tool.recordException(new TypeError('weather service unavailable'));
            tool.setStatus({ code: SpanStatusCode.ERROR, message: 'weather service unavailable' });
            tool.end();
            model.end();
          },
        );
        root.end();
      },
    );
    context.with(context.active(), () => logger.emit({ severityNumber: SeverityNumber.INFO, body: 'plain text line' }));

    meter
      .createCounter('requests', { description: 'Requests', unit: '{request}', valueType: ValueType.INT })
      .add(5, { route: '/plan' });
    meter.createUpDownCounter('queue.depth').add(-3, { queue: 'q1' });
    meter.createHistogram('latency', { unit: 'ms' }).record(12.5, { route: '/plan' });
    meter.createHistogram('tokens.exp').record(150);
    meter.createGauge('temperature').record(21.5);
    meter
      .createObservableGauge('memory.used', { valueType: ValueType.INT })
      .addCallback((result) => result.observe(1024));

    // The in-memory exporters forget everything on shutdown, so read them first.
    spans = producedSpans.getFinishedSpans();
    logRecords = producedLogs.getFinishedLogRecords();
    await sdk.shutdown();
  });

  afterAll(async () => {
    await exporter.shutdown();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stores every span of the trace, each field equal to what the SDK produced', async () => {
    const stored = await store.getTrace(traceId);
    const produced = spans.filter((span) => span.spanContext().traceId === traceId);
    expect(produced).toHaveLength(3);
    expect(stored!.spans).toHaveLength(3);
    const byId = new Map(stored!.spans.map((span) => [span.spanId, span]));
    const KIND = ['internal', 'server', 'client', 'producer', 'consumer'];
    const STATUS = ['unset', 'ok', 'error'];
    for (const span of produced) {
      const record = byId.get(span.spanContext().spanId)!;
      expect(record).toMatchObject<Partial<SpanRecord>>({
        traceId,
        parentSpanId: span.parentSpanContext?.spanId ?? null,
        name: span.name,
        kind: KIND[span.kind] as SpanRecord['kind'],
        // OTLP 1.3 span flags: trace flags, plus "has is-remote" (0x100) and "parent is remote" (0x200).
        flags: span.spanContext().traceFlags | 0x100 | (span.parentSpanContext?.isRemote ? 0x200 : 0),
        startTimeUnixNano: ns(span.startTime),
        endTimeUnixNano: ns(span.endTime),
        durationNano: ns(span.endTime) - ns(span.startTime),
        statusCode: STATUS[span.status.code] as SpanRecord['statusCode'],
        statusMessage: span.status.message ?? '',
        serviceName: 'trip-planner',
        attributes: typedMap(span.attributes),
        droppedAttributesCount: span.droppedAttributesCount,
        droppedEventsCount: span.droppedEventsCount,
        droppedLinksCount: span.droppedLinksCount,
      });
      expect(record.resource.attributes).toEqual(typedMap(span.resource.attributes));
      expect(record.scope).toMatchObject({ name: 'planner-tracer', version: '2.1.0' });
      expect(record.events).toEqual(
        span.events.map((event) => ({
          timeUnixNano: ns(event.time),
          name: event.name,
          attributes: typedMap(event.attributes),
          droppedAttributesCount: event.droppedAttributesCount ?? 0,
        })),
      );
      expect(record.links).toEqual(
        span.links.map((link) => ({
          traceId: link.context.traceId,
          spanId: link.context.spanId,
          traceState: '',
          flags: link.context.traceFlags | 0x100 | (link.context.isRemote ? 0x200 : 0),
          attributes: typedMap(link.attributes),
          droppedAttributesCount: link.droppedAttributesCount ?? 0,
        })),
      );
    }
    expect(stored!.spans.map((span) => span.name)).toEqual([
      'invoke_agent planner',
      'chat gpt-4o',
      'execute_tool weather',
    ]);
  });

  it('keeps attribute types: ints as int64, doubles, booleans, arrays, unicode and empty strings', async () => {
    const root = (await store.getTrace(traceId))!.spans[0]!;
    expect(root.attributes['http.status_code']).toBe(200n);
    expect(root.attributes.ratio).toBe(0.5);
    expect(root.attributes.ok).toBe(true);
    expect(root.attributes['ünïcødé']).toBe('日本語 🚀');
    expect(root.attributes.empty).toBe('');
    expect(root.attributes.numbers).toEqual([1n, 2.5]);
    expect(root.resource.attributes['service.instance.id']).toBe(7n);
  });

  it('derives agent semantics: span types, entities, context, tags, model and tokens, and the error', async () => {
    const [root, model, tool] = (await store.getTrace(traceId))!.spans;
    expect(root).toMatchObject({
      spanType: 'agent_run',
      entityType: 'agent',
      entityId: 'planner',
      entityName: 'Trip Planner',
      userId: 'user-42',
      sessionId: 'session-9',
      runId: 'run-3',
      environment: 'test',
      tags: ['beta', 'eu'],
      metadata: { runId: 'run-3' },
    });
    expect(model).toMatchObject({
      spanType: 'model_generation',
      model: 'gpt-4o',
      provider: 'openai',
      inputTokens: 120,
      outputTokens: 30,
      totalTokens: 150,
      input: '[{"role":"user","parts":[{"type":"text","content":"Kyoto?"}]}]',
      output: '[{"role":"assistant","parts":[{"type":"text","content":"Yes."}]}]',
    });
    expect(tool).toMatchObject({
      spanType: 'tool_call',
      entityType: 'tool',
      entityName: 'weather',
      statusCode: 'error',
    });
    expect(tool!.error).toEqual({
      message: 'weather service unavailable',
      type: 'TypeError',
      stack: expect.stringContaining('TypeError: weather service unavailable') as jest.AsymmetricMatcher,
    });
  });

  it('lists the trace by its root span, filterable by the derived context', async () => {
    const { traces } = await store.listTraces({ filter: { userId: 'user-42', spanType: 'agent_run' } });
    expect(traces.map((summary) => summary.traceId)).toEqual([traceId]);
  });

  it('stores log records exactly as the SDK produced them, linked to the active span', async () => {
    const { logs } = await store.listLogs({ order: 'asc' });
    expect(logs).toHaveLength(logRecords.length);
    for (const [i, produced] of logRecords.entries()) {
      expect(logs[i]).toMatchObject({
        timeUnixNano: ns(produced.hrTime),
        observedTimeUnixNano: ns(produced.hrTimeObserved),
        severityNumber: produced.severityNumber ?? 0,
        severityText: produced.severityText ?? '',
        eventName: produced.eventName ?? '',
        traceId: produced.spanContext?.traceId ?? null,
        spanId: produced.spanContext?.spanId ?? null,
        attributes: typedMap(produced.attributes),
        serviceName: 'trip-planner',
        scope: expect.objectContaining({ name: 'planner-logger', version: '0.3.0' }) as jest.AsymmetricMatcher,
      });
    }
    expect(logs[0]).toMatchObject({
      level: 'warn',
      body: { event: 'slow tool', latencyMs: 1200n, nested: { ok: false } },
      message: '{"event":"slow tool","latencyMs":"1200","nested":{"ok":false}}',
      traceId,
      requestId: 'req-1',
    });
    expect(logs[1]).toMatchObject({
      level: 'info',
      body: 'plain text line',
      message: 'plain text line',
      traceId: null,
    });
  });

  it('stores a point for every SDK instrument kind', async () => {
    const { metrics } = await store.listMetrics({ perPage: 100 });
    const byName = new Map(metrics.map((metric) => [metric.name, metric]));
    expect(byName.get('requests')).toMatchObject({
      type: 'sum',
      temporality: 'cumulative',
      isMonotonic: true,
      value: 5n,
      unit: '{request}',
      description: 'Requests',
      attributes: { route: '/plan' },
      serviceName: 'trip-planner',
      scope: expect.objectContaining({ name: 'planner-meter', version: '1.0.0' }) as jest.AsymmetricMatcher,
    });
    expect(byName.get('queue.depth')).toMatchObject({ type: 'sum', isMonotonic: false, value: -3 });
    expect(byName.get('latency')).toMatchObject({
      type: 'histogram',
      temporality: 'cumulative',
      count: 1,
      sum: 12.5,
      min: 12.5,
      max: 12.5,
    });
    const latency = byName.get('latency')!;
    expect(latency.bucketCounts!.reduce((a, b) => a + b, 0)).toBe(1);
    expect(latency.bucketCounts).toHaveLength(latency.explicitBounds!.length + 1);
    expect(byName.get('tokens.exp')).toMatchObject({ type: 'exponential_histogram', count: 1, sum: 150, zeroCount: 0 });
    expect(byName.get('tokens.exp')!.positive!.bucketCounts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(byName.get('temperature')).toMatchObject({ type: 'gauge', temporality: null, value: 21.5 });
    expect(byName.get('memory.used')).toMatchObject({ type: 'gauge', value: 1024n });
  });

  it('asks the SDK for the configured temporality', () => {
    const delta = new DefaultExporter({ storage: store, metricTemporality: 'delta' }).metricExporter;
    expect(delta.selectAggregationTemporality(InstrumentType.COUNTER)).toBe(0);
    expect(delta.selectAggregationTemporality(InstrumentType.UP_DOWN_COUNTER)).toBe(1);
    expect(exporter.metricExporter.selectAggregationTemporality(InstrumentType.COUNTER)).toBe(1);
  });

  it('records scores and feedback against a span, and reads them back by trace', async () => {
    const toolSpan = (await store.getTrace(traceId))!.spans[2]!;
    const writer = new DefaultExporter({ storage: store });
    const score = await writer.recordScore({
      scorerId: 'helpfulness',
      score: 0.25,
      traceId,
      spanId: toolSpan.spanId,
      reason: 'tool failed',
    });
    const feedback = await writer.recordFeedback({
      feedbackType: 'thumbs',
      value: -1,
      traceId,
      spanId: toolSpan.spanId,
      userId: 'user-42',
      comment: 'no weather',
    });
    await writer.shutdown();
    expect((await store.listScores({ filter: { traceId } })).scores).toEqual([score]);
    expect((await store.listFeedback({ filter: { traceId } })).feedback).toEqual([feedback]);
    expect(score).toMatchObject({ source: 'automated', spanId: toolSpan.spanId });
  });
});
