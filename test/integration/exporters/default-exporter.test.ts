import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DefaultExporter } from '../../../src/exporters/default-exporter';
import { MappingError } from '../../../src/exporters/sdk-exporters';
import { ConfigurationError } from '../../../src/errors';
import type { DropReport } from '../../../src/pipeline/batch-writer';
import { BufferFullError } from '../../../src/pipeline/errors';
import { RecordValidationError } from '../../../src/records/validate';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import type { StrategyHint, TracingStrategy } from '../../../src/storage/types';
import { spanId, traceId } from '../../support/records';
import { TroubledStore } from '../../support/troubled-store';
import { sdkSpans } from '../../support/telemetry';

interface Result {
  code: number;
  error?: Error;
}

function exportSpans(exporter: DefaultExporter, spans: ReadableSpan[]): Promise<Result> {
  return new Promise((resolve) => exporter.spanExporter.export(spans, resolve));
}

describe('DefaultExporter', () => {
  let store: TroubledStore;
  let drops: DropReport[];

  beforeEach(() => {
    store = new TroubledStore({ path: ':memory:' });
    drops = [];
  });

  afterEach(() => store.close());

  const exporterFor = (options: ConstructorParameters<typeof DefaultExporter>[0] = {}) =>
    new DefaultExporter({
      storage: store,
      retryDelayMs: 1,
      maxRetryDelayMs: 2,
      onDrop: (drop) => drops.push(drop),
      ...options,
    });

  it('reports success only after the spans are committed', async () => {
    const exporter = exporterFor();
    const spans = sdkSpans(3);
    const result = await exportSpans(exporter, spans);
    expect(result.code).toBe(0);
    const stored = await store.getTrace(spans[0]!.spanContext().traceId);
    expect(stored!.spans.map((span) => span.name)).toEqual(['span 0']);
    expect((await store.listTraces()).pagination.total).toBe(3);
  });

  it('keeps what arrives before the store finished initialising, retrying a failed init', async () => {
    store.initFailures = 1;
    const exporter = exporterFor();
    const result = await exportSpans(exporter, sdkSpans(2));
    expect(result.code).toBe(0);
    expect((await store.listTraces()).pagination.total).toBe(2);
    expect(exporter.stats.spans.retries).toBe(1);
  });

  it('retries a store that throws, then reports the drop with its count, signal and reason', async () => {
    const exporter = exporterFor({ maxRetries: 2 });
    await exportSpans(exporter, sdkSpans(1));
    store.failing = true;
    const result = await exportSpans(exporter, sdkSpans(4));
    expect(result.code).toBe(1);
    expect(result.error!.message).toBe(
      'dropped 4 spans records after 3 attempt(s): duckdb insert: IO Error: disk full',
    );
    expect(drops).toEqual([expect.objectContaining({ signal: 'spans', count: 4, reason: 'write_failed' })]);
    expect(exporter.stats.spans.dropped.write_failed).toBe(4);
    store.failing = false;
    expect((await store.listTraces()).pagination.total).toBe(1);
  });

  it('recovers when the store comes back within the retries', async () => {
    const exporter = exporterFor({ maxRetries: 5, retryDelayMs: 20, maxRetryDelayMs: 20 });
    store.failing = true;
    const pending = exportSpans(exporter, sdkSpans(2));
    setTimeout(() => (store.failing = false), 30);
    expect((await pending).code).toBe(0);
    expect((await store.listTraces()).pagination.total).toBe(2);
    expect(drops).toEqual([]);
  });

  it('stores the valid spans of an export and fails it naming the invalid one', async () => {
    const exporter = exporterFor();
    const spans = sdkSpans(3);
    // A span that ends before it starts, as a broken clock produces.
    const broken = Object.create(spans[1]!, { endTime: { value: [1, 0] } }) as ReadableSpan;
    const result = await exportSpans(exporter, [spans[0]!, broken, spans[2]!]);
    expect(result.code).toBe(1);
    expect(result.error).toBeInstanceOf(RecordValidationError);
    expect(result.error!.message).toMatch(
      /invalid spans record 1: \/endTimeUnixNano must not be before startTimeUnixNano/,
    );
    expect((await store.listTraces()).pagination.total).toBe(2);
    expect(drops).toEqual([expect.objectContaining({ reason: 'invalid', count: 1 })]);
  });

  it('fails an export fast when the buffer is full, instead of growing memory', async () => {
    const exporter = exporterFor({ maxBufferSize: 10, maxBatchSize: 10 });
    const result = await exportSpans(exporter, sdkSpans(11));
    expect(result.code).toBe(1);
    expect(result.error).toBeInstanceOf(BufferFullError);
    expect(result.error!.message).toMatch(/a batch of 11 spans records is larger than the whole buffer \(10\)/);
  });

  it('validates score and feedback input at once, naming the field', () => {
    const exporter = exporterFor();
    expect(() => exporter.recordScore({ scorerId: 'x', score: Number.NaN })).toThrow(
      /invalid scores record 0: \/score/,
    );
    expect(() => exporter.recordScore({ scorerId: '', score: 1 })).toThrow(/\/scorerId/);
    expect(() => exporter.recordScore({ scorerId: 'x', score: 1, traceId: 'nope' })).toThrow(/\/traceId/);
    expect(() => exporter.recordScore({ scorerId: 'x', score: 1, source: 'robot' as never })).toThrow(/\/source/);
    expect(() => exporter.recordFeedback({ feedbackType: 'thumbs', value: { up: true } as never })).toThrow(/\/value/);
    expect(() => exporter.recordFeedback({ feedbackType: '', value: 1 })).toThrow(RecordValidationError);
  });

  it('records scores and feedback with defaults, and resolves once they are stored', async () => {
    const exporter = exporterFor();
    const trace = traceId();
    const span = spanId();
    const score = await exporter.recordScore({
      scorerId: 'faithfulness',
      score: 1,
      traceId: trace,
      spanId: span,
      metadata: { judge: 'gpt-4o', votes: 3 },
      timestamp: new Date('2026-01-02T03:04:05.678Z'),
    });
    expect(score).toMatchObject({
      source: 'automated',
      scorerName: null,
      metadata: { judge: 'gpt-4o', votes: 3n },
      timeUnixNano: 1_767_323_045_678_000_000n,
    });
    expect(score.scoreId).toMatch(/^[0-9a-f-]{36}$/);
    const feedback = await exporter.recordFeedback({
      feedbackType: 'rating',
      value: 4,
      traceId: trace,
      feedbackId: 'fb-1',
    });
    expect(feedback).toMatchObject({ source: 'user', feedbackId: 'fb-1', value: 4 });
    expect((await store.listScores({ filter: { traceId: trace } })).scores).toEqual([score]);
    expect((await store.listFeedback({ filter: { traceId: trace } })).feedback).toEqual([feedback]);
  });

  it('reports a hook whose write is dropped, without an unhandled rejection', async () => {
    const exporter = exporterFor({ maxRetries: 0 });
    store.failing = true;
    void exporter.recordScore({ scorerId: 'x', score: 1 });
    await exporter.forceFlush();
    expect(drops).toEqual([expect.objectContaining({ signal: 'scores', count: 1, reason: 'write_failed' })]);
  });

  it('stores the metrics it knows and reports the points of an unknown data point type as dropped', async () => {
    const exporter = exporterFor();
    const point = { startTime: [1_700_000_000, 0], endTime: [1_700_000_001, 0], attributes: {}, value: 7 };
    const metric = (name: string, dataPointType: number) => ({
      descriptor: { name, description: '', unit: '', valueType: 1 },
      aggregationTemporality: 1,
      dataPointType,
      dataPoints: [point, point],
    });
    const collection = {
      resource: { attributes: { 'service.name': 'meters' } },
      scopeMetrics: [{ scope: { name: 'meter' }, metrics: [metric('known', 2), metric('from.the.future', 9)] }],
    } as unknown as ResourceMetrics;
    const result = await new Promise<Result>((resolve) => exporter.metricExporter.export(collection, resolve));
    expect(result.code).toBe(1);
    expect(result.error).toBeInstanceOf(MappingError);
    expect(result.error!.message).toMatch(/metric "from.the.future" has data point type 9/);
    expect(drops).toEqual([expect.objectContaining({ signal: 'metrics', count: 2, reason: 'invalid' })]);
    const { metrics } = await store.listMetrics();
    expect(metrics.map((stored) => stored.name)).toEqual(['known', 'known']);
  });

  it('drains every signal on shutdown and then refuses exports', async () => {
    const exporter = exporterFor();
    const pending = exportSpans(exporter, sdkSpans(5));
    await exporter.shutdown();
    expect((await pending).code).toBe(0);
    expect((await store.listTraces()).pagination.total).toBe(5);
    const late = await exportSpans(exporter, sdkSpans(1));
    expect(late.error!.message).toBe('the spans writer is shut down');
  });

  it('refuses a store that cannot take finished spans, or a strategy it does not support', () => {
    class UpdatesOnly extends DuckDBStore {
      override get tracingStrategy(): StrategyHint<TracingStrategy> {
        return { preferred: 'batch-with-updates', supported: ['batch-with-updates'] };
      }
    }
    expect(() => new DefaultExporter({ storage: new UpdatesOnly({ path: ':memory:' }) })).toThrow(ConfigurationError);
    expect(() => new DefaultExporter({ storage: store, strategies: { logs: 'realtime' } })).not.toThrow();
    expect(() => new DefaultExporter({ storage: store, maxBatchSize: 0 })).toThrow(
      /maxBatchSize must be a positive integer/,
    );
    expect(() => new DefaultExporter({ storage: store, maxBatchSize: 20, maxBufferSize: 10 })).toThrow(
      /must not exceed maxBufferSize/,
    );
  });

  it('defaults to a DuckDB file in the working directory, which it closes on shutdown', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-default-'));
    const previous = process.cwd();
    process.chdir(directory);
    try {
      const exporter = new DefaultExporter();
      expect(exporter.storage.kind).toBe('duckdb');
      expect((await exportSpans(exporter, sdkSpans(2))).code).toBe(0);
      await exporter.shutdown();
      expect(existsSync(join(directory, 'otel-bridge.duckdb'))).toBe(true);
      const reopened = new DuckDBStore({ path: join(directory, 'otel-bridge.duckdb') });
      await reopened.init();
      expect((await reopened.listTraces()).pagination.total).toBe(2);
      await reopened.close();
    } finally {
      process.chdir(previous);
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
