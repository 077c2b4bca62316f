import { feedbackFromInput, scoreFromInput, type FeedbackInput, type ScoreInput } from '../mapping/hooks';
import type { FeedbackRecord, ScoreRecord, Signal } from '../records/types';
import { RecordValidationError } from '../records/validate';
import type { BatchWriterStats } from '../pipeline/batch-writer';
import type { PricingStats } from '../pipeline/pricing';
import { StorePipeline, type PipelineOptions } from '../pipeline/store-pipeline';
import { DuckDBStore } from '../storage/duckdb/store';
import type { ObservabilityStore, TracingStrategy } from '../storage/types';
import { MastraExporter } from './mastra';
import {
  StoreLogRecordExporter,
  StoreMetricExporter,
  StoreSpanExporter,
  type TemporalityPreference,
} from './sdk-exporters';

/**
 * Options of {@link DefaultExporter}: its store, the metric temporality, the Mastra strategy and every pipeline
 * option.
 */
export interface DefaultExporterOptions extends PipelineOptions {
  /**
   * Where records go. Default: a DuckDB file, `otel-bridge.duckdb` in the working directory, which
   * the exporter then owns and closes on {@link DefaultExporter.shutdown}. A store passed in stays
   * the caller's to close.
   */
  storage?: ObservabilityStore;
  /** Temporality the metric exporter asks the SDK for. Default `cumulative`, as the SDK's own default. */
  metricTemporality?: TemporalityPreference;
  /**
   * How {@link DefaultExporter.mastra} writes spans; it must be one the store supports. Default: the
   * store's preferred strategy (DuckDB `event-sourced`, ClickHouse `insert-only`).
   */
  mastraTracingStrategy?: TracingStrategy;
}

/**
 * Stores everything an OpenTelemetry Node app produces, plus scores and feedback, and everything a
 * Mastra app exports ({@link DefaultExporter.mastra}), into one store.
 *
 * @example
 * ```ts
 * const exporter = new DefaultExporter();
 * const sdk = new NodeSDK({
 *   spanProcessors: [new BatchSpanProcessor(exporter.spanExporter)],
 *   logRecordProcessors: [new BatchLogRecordProcessor({ exporter: exporter.logRecordExporter })],
 *   metricReaders: [new PeriodicExportingMetricReader({ exporter: exporter.metricExporter })],
 * });
 * sdk.start();
 * // …
 * await exporter.recordScore({ scorerId: 'relevance', score: 0.9, traceId, spanId });
 * await sdk.shutdown();
 * await exporter.shutdown();
 * ```
 */
export class DefaultExporter {
  readonly storage: ObservabilityStore;
  readonly spanExporter: StoreSpanExporter;
  readonly logRecordExporter: StoreLogRecordExporter;
  readonly metricExporter: StoreMetricExporter;
  /**
   * Mastra's `ObservabilityExporter`, for `new Observability({ configs: { default: { serviceName,
   * exporters: [exporter.mastra] } } })`; see {@link MastraExporter}.
   */
  readonly mastra: MastraExporter;
  /**
   * What every signal goes through on its way to the store. Mount the HTTP API on it in the app's
   * own server with `createApiHandler({ pipeline: exporter.pipeline })`: only this process can open
   * its DuckDB file while it runs.
   */
  readonly pipeline: StorePipeline;
  private readonly ownsStorage: boolean;

  constructor(options: DefaultExporterOptions = {}) {
    this.ownsStorage = options.storage === undefined;
    this.storage = options.storage ?? new DuckDBStore();
    this.pipeline = new StorePipeline(this.storage, options);
    this.spanExporter = new StoreSpanExporter(this.pipeline, options.onDrop);
    this.logRecordExporter = new StoreLogRecordExporter(this.pipeline, options.onDrop);
    this.metricExporter = new StoreMetricExporter(this.pipeline, options.metricTemporality, options.onDrop);
    this.mastra = new MastraExporter(this.pipeline, {
      tracingStrategy: options.mastraTracingStrategy,
      onDrop: options.onDrop,
    });
  }

  /**
   * Records a score. Throws a {@link RecordValidationError} at once when the input is invalid.
   * The promise resolves with the stored record once it is committed; a failure later is also
   * reported to `onDrop`, so the promise may be left unawaited.
   */
  recordScore(input: ScoreInput): Promise<ScoreRecord> {
    return this.record('scores', scoreFromInput(input));
  }

  /** Records feedback; see {@link DefaultExporter.recordScore} for how it settles. */
  recordFeedback(input: FeedbackInput): Promise<FeedbackRecord> {
    return this.record('feedback', feedbackFromInput(input));
  }

  private record<S extends 'scores' | 'feedback', R extends ScoreRecord | FeedbackRecord>(
    signal: S,
    record: R,
  ): Promise<R> {
    const committed = this.pipeline.submit(signal, [record as never]).then((outcome) => {
      if (outcome.rejected.length > 0) throw new RecordValidationError(signal, outcome.rejected);
      return record;
    });
    // Failures also reach onDrop; an unawaited hook must not crash the process.
    committed.catch(() => undefined);
    return committed;
  }

  /** Resolves when every record handed over so far is committed or dropped. */
  forceFlush(): Promise<void> {
    return this.pipeline.flush();
  }

  /** Drains every signal, then closes the store if the exporter created it. */
  async shutdown(): Promise<void> {
    await this.pipeline.shutdown();
    if (this.ownsStorage) await this.storage.close();
  }

  /** Counts per signal: submitted, committed, dropped by reason, writes and retries. */
  get stats(): Record<Signal, BatchWriterStats> {
    return this.pipeline.stats;
  }

  /** Model spans priced, by where the price came from, and the models that no price table knows. */
  get pricingStats(): PricingStats {
    return this.pipeline.pricing.stats;
  }
}
