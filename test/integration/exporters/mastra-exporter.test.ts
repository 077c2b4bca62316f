import type { ClickHouseClient } from '@clickhouse/client';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { DefaultExporter } from '../../../src/exporters/default-exporter';
import { ConfigurationError } from '../../../src/errors';
import type { MastraDropEvent, MastraTracingEvent } from '../../../src/mapping/mastra';
import type { DropReport } from '../../../src/pipeline/batch-writer';
import { ClickHouseStore } from '../../../src/storage/clickhouse/store';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import type { ObservabilityStore } from '../../../src/storage/types';
import { closeChdbClient, dropDatabase, openChdbClient, uniqueDatabase } from '../../support/clickhouse';
import { TroubledStore } from '../../support/troubled-store';
import { agentRun, feedbackEvent, logEvent, metricEvent, scoreEvent, type AgentRun } from '../../support/mastra-events';

const SERVICE = 'weather-app';

function exporterOn(store: ObservabilityStore, options: ConstructorParameters<typeof DefaultExporter>[0] = {}) {
  const exporter = new DefaultExporter({ storage: store, retryDelayMs: 1, maxRetryDelayMs: 2, ...options });
  exporter.mastra.init({ config: { serviceName: SERVICE } });
  return exporter;
}

const send = (exporter: DefaultExporter, events: readonly MastraTracingEvent[]): void => {
  for (const event of events) exporter.mastra.onTracingEvent(event);
};

const spanIds = (run: AgentRun) => [run.agent, run.generation, run.step, run.tool, run.chunk].map((span) => span.id);

let chdb: ClickHouseClient | undefined;
afterAll(async () => {
  if (chdb) await closeChdbClient(chdb);
});

const STORES: [string, () => Promise<ObservabilityStore>, (store: ObservabilityStore) => Promise<void>][] = [
  ['DuckDB', () => Promise.resolve(new DuckDBStore({ path: ':memory:' })), (store) => store.close()],
  [
    'ClickHouse (chdb)',
    async () => new ClickHouseStore({ client: (chdb ??= await openChdbClient()), database: uniqueDatabase('mastra') }),
    async (store) => {
      await store.close();
      await dropDatabase(chdb!, (store as ClickHouseStore).schema.database);
    },
  ],
];

describe.each(STORES)('Mastra exporter on %s', (_name, open, close) => {
  let store: ObservabilityStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(() => close(store));

  it.each(['insert-only', 'event-sourced'] as const)(
    'stores an agent run as one tree with Mastra types, entities, input, output, tokens and errors (%s)',
    async (strategy) => {
      const exporter = exporterOn(store, { mastraTracingStrategy: strategy });
      const run = agentRun();
      send(exporter, run.events);
      await exporter.mastra.flush();
      const spans = (await store.getTrace(run.traceId))!.spans;
      expect(spans.map((span) => span.spanId)).toEqual(spanIds(run));
      expect(spans.map((span) => [span.spanType, span.running, span.origin])).toEqual([
        ['agent_run', false, 'mastra'],
        ['model_generation', false, 'mastra'],
        ['model_step', false, 'mastra'],
        ['tool_call', false, 'mastra'],
        ['model_chunk', false, 'mastra'],
      ]);
      const [agent, generation, step, tool, chunk] = spans;
      expect(agent).toMatchObject({
        serviceName: SERVICE,
        entityName: 'Weather Agent',
        input: [{ role: 'user', content: 'Weather in Kyoto?' }],
        output: { text: 'Sunny in Kyoto, 24 °C.' },
        durationNano: 40_000_000n,
      });
      expect([generation!.model, generation!.inputTokens, generation!.outputTokens]).toEqual([
        'mock-model-id',
        120,
        35,
      ]);
      expect(generation!.attributes.costContext).toMatchObject({ estimatedCost: 0.00042, costUnit: 'USD' });
      expect(step!.parentSpanId).toBe(generation!.spanId);
      expect(tool!.error?.message).toBe('weather API timed out');
      expect([chunk!.durationNano, chunk!.parentSpanId]).toEqual([0n, step!.spanId]);
      const { traces } = await store.listTraces({ filter: { traceId: run.traceId } });
      expect(traces.map((t) => [t.spanType, t.entityName, t.running])).toEqual([['agent_run', 'Weather Agent', false]]);
      await exporter.shutdown();
    },
  );

  it('under event-sourced, a span that never ends is visible after flush, as running; under insert-only it is not', async () => {
    const run = agentRun();
    const started = run.events.filter((event) => event.type === 'span_started');
    const eventSourced = exporterOn(store, { mastraTracingStrategy: 'event-sourced' });
    send(eventSourced, started);
    await eventSourced.mastra.flush();
    const spans = (await store.getTrace(run.traceId))!.spans;
    expect(spans.map((span) => [span.spanType, span.running, span.durationNano, span.output])).toEqual([
      ['agent_run', true, 0n, null],
      ['model_generation', true, 0n, null],
      ['model_step', true, 0n, null],
      ['tool_call', true, 0n, null],
    ]);

    const other = agentRun();
    const insertOnly = exporterOn(store, { mastraTracingStrategy: 'insert-only' });
    send(
      insertOnly,
      other.events.filter((event) => event.type !== 'span_ended'),
    );
    await insertOnly.mastra.flush();
    expect(await store.getTrace(other.traceId)).toBeNull();
    expect(insertOnly.stats.spans.submitted).toBe(0);
  });

  it('never loses an end that arrives before its start', async () => {
    const exporter = exporterOn(store, { mastraTracingStrategy: 'event-sourced' });
    const run = agentRun();
    const ends = run.events.filter((event) => event.type === 'span_ended');
    const starts = run.events.filter((event) => event.type === 'span_started');
    send(exporter, ends);
    await exporter.mastra.flush();
    send(exporter, starts);
    await exporter.mastra.flush();
    const spans = (await store.getTrace(run.traceId))!.spans;
    expect(spans.map((span) => [span.spanId, span.running])).toEqual(spanIds(run).map((id) => [id, false]));
    expect(spans[0]!.output).toEqual({ text: 'Sunny in Kyoto, 24 °C.' });
  });

  it("stores Mastra's logs, metrics, scores and feedback, attached to the trace", async () => {
    const exporter = exporterOn(store);
    const run = agentRun();
    send(exporter, run.events);
    exporter.mastra.onLogEvent(logEvent(run));
    exporter.mastra.onMetricEvent(metricEvent(run));
    exporter.mastra.onScoreEvent(scoreEvent(run));
    exporter.mastra.onFeedbackEvent(feedbackEvent(run));
    await exporter.mastra.flush();
    const filter = { traceId: run.traceId };
    const [logs, metrics, scores, feedback] = await Promise.all([
      store.listLogs({ filter }),
      store.listMetrics({ filter }),
      store.listScores({ filter }),
      store.listFeedback({ filter }),
    ]);
    expect(logs.logs.map((log) => [log.level, log.spanId, log.runId, log.userId])).toEqual([
      ['warn', run.tool.id, run.correlation.runId, 'user-7'],
    ]);
    expect(metrics.metrics.map((m) => [m.name, m.value, m.spanId, m.attributes.costContext])).toEqual([
      [
        'mastra_model_total_input_tokens',
        120,
        run.generation.id,
        { provider: 'mock-provider', model: 'mock-model-id', estimatedCost: 0.00036, costUnit: 'USD' },
      ],
    ]);
    expect(scores.scores.map((s) => [s.scorerId, s.score, s.spanId, s.threadId])).toEqual([
      ['answer-relevancy', 0.75, run.agent.id, 'thread-1'],
    ]);
    expect(feedback.feedback.map((f) => [f.feedbackType, f.value, f.userId, f.spanId])).toEqual([
      ['thumbs', -1, 'user-8', run.agent.id],
    ]);
  });

  it('with OpenTelemetry alongside: one tree, the HTTP span in it, each span once, the Mastra copy winning', async () => {
    const exporter = exporterOn(store);
    // The app's own OpenTelemetry spans, from a real SDK: an HTTP server span, and the span that
    // @mastra/otel-bridge starts for the agent run, whose ids Mastra then takes as its own.
    const provider = new BasicTracerProvider({
      resource: { attributes: { 'service.name': 'weather-http' } } as never,
      spanProcessors: [new SimpleSpanProcessor(exporter.spanExporter)],
    });
    const tracer = provider.getTracer('app');
    const http = tracer.startSpan('GET /weather', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    const bridged = tracer.startSpan("agent run: 'weather-agent'", {}, trace.setSpan(ROOT_CONTEXT, http));
    const ids = bridged.spanContext();
    const run = agentRun({
      traceId: ids.traceId,
      agentSpanId: ids.spanId,
      externalParentSpanId: http.spanContext().spanId,
      start: new Date(Date.now() + 1),
    });
    send(exporter, run.events);
    bridged.end(new Date(Date.now() + 50));
    http.end(new Date(Date.now() + 60));
    await provider.forceFlush();
    await exporter.forceFlush();
    const spans = (await store.getTrace(run.traceId))!.spans;
    expect(spans.map((span) => [span.name, span.origin, span.spanType, span.parentSpanId])).toEqual([
      ['GET /weather', 'otel', 'generic', null],
      ["agent run: 'weather-agent'", 'mastra', 'agent_run', http.spanContext().spanId],
      ["llm: 'mock-model-id'", 'mastra', 'model_generation', ids.spanId],
      ['step: 0', 'mastra', 'model_step', run.generation.id],
      ["tool: 'getWeather'", 'mastra', 'tool_call', run.step.id],
      ["chunk: 'tool-result'", 'mastra', 'model_chunk', run.step.id],
    ]);
    expect(spans[1]!.input).toEqual([{ role: 'user', content: 'Weather in Kyoto?' }]);
    const { traces } = await store.listTraces({ filter: { traceId: run.traceId } });
    expect(traces.map((t) => t.name)).toEqual(['GET /weather']);
    await provider.shutdown();
  });
});

describe('Mastra exporter: the pipeline', () => {
  it('never blocks the agent, and reports what it cannot store: buffer full, and writes given up', async () => {
    const store = new TroubledStore({ path: ':memory:' });
    const drops: DropReport[] = [];
    const mastraDrops: MastraDropEvent[] = [];
    const exporter = new DefaultExporter({
      storage: store,
      maxBatchSize: 2,
      maxBufferSize: 5,
      maxRetries: 1,
      retryDelayMs: 1,
      maxRetryDelayMs: 1,
      onDrop: (report) => drops.push(report),
    });
    exporter.mastra.init({ config: { serviceName: SERVICE }, emitDropEvent: (event) => mastraDrops.push(event) });
    store.failing = true;
    const run = agentRun();
    const ends = run.events.filter((event) => event.type === 'span_ended');
    const before = performance.now();
    for (let i = 0; i < 4; i++) send(exporter, ends);
    // Twenty events handed over while the store fails: each returns at once.
    expect(performance.now() - before).toBeLessThan(1000);
    await exporter.mastra.flush();
    const dropped = (reason: string) => drops.filter((d) => d.reason === reason).reduce((sum, d) => sum + d.count, 0);
    expect(dropped('buffer_full')).toBeGreaterThan(0);
    expect(dropped('write_failed')).toBeGreaterThan(0);
    expect(dropped('buffer_full') + dropped('write_failed')).toBe(20);
    expect(mastraDrops.length).toBe(dropped('write_failed'));
    expect(mastraDrops[0]).toMatchObject({ type: 'drop', signal: 'tracing', reason: 'retry-exhausted', count: 1 });
    store.failing = false;
    send(exporter, ends);
    await exporter.mastra.flush();
    expect((await store.getTrace(run.traceId))!.spans).toHaveLength(5);
    await exporter.shutdown();
    await store.close();
  });

  it('reports a span it cannot map or store as invalid, and stores the rest', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const drops: DropReport[] = [];
    const exporter = exporterOn(store, { onDrop: (report) => drops.push(report) });
    const run = agentRun();
    exporter.mastra.onTracingEvent({ type: 'span_ended', exportedSpan: { ...run.tool, traceId: 'not-hex' } });
    exporter.mastra.onTracingEvent({ type: 'span_ended', exportedSpan: { ...run.step, startTime: new Date(NaN) } });
    exporter.mastra.onTracingEvent({ type: 'span_ended', exportedSpan: run.agent });
    await exporter.mastra.flush();
    expect(drops.map((d) => [d.reason, d.count])).toEqual([
      ['invalid', 1],
      ['invalid', 1],
    ]);
    expect(drops.map((d) => d.error.message).join('\n')).toMatch(/traceId/);
    expect((await store.getTrace(run.traceId))!.spans.map((s) => s.spanId)).toEqual([run.agent.id]);
    await exporter.shutdown();
    await store.close();
  });

  it('refuses a tracing strategy the store does not support, naming both', () => {
    const store = new DuckDBStore({ path: ':memory:' });
    expect(() => new DefaultExporter({ storage: store, mastraTracingStrategy: 'realtime' })).toThrow(
      ConfigurationError,
    );
    expect(() => new DefaultExporter({ storage: store, mastraTracingStrategy: 'realtime' })).toThrow(
      /'realtime'.*insert-only, event-sourced/,
    );
  });
});
