import { ConfigurationError } from '../errors';
import { definedOnly } from '../options';
import { SIGNALS, type RecordOf, type Signal, type SpanRecord } from '../records/types';
import type { ObservabilityStore, SignalStrategy } from '../storage/types';
import { BatchWriter, type BatchWriterStats, type DropReport, type SubmitOutcome } from './batch-writer';
import { applyLimits, noLimitCounts, resolveLimits, type LimitCounts, type RecordLimits } from './limits';
import { SpanPricing, type PriceOverride } from './pricing';

/** One store write (a batch commit), reported once it ends. */
export interface WriteReport {
  signal: Signal;
  /** Records in the batch. */
  count: number;
  /** How long the store took to commit (or fail) it. */
  seconds: number;
  /** False when the store refused or failed the batch (the writer may retry or bisect it). */
  ok: boolean;
}

/** Options of {@link StorePipeline}: batching, buffering, retries, drop reports, strategies, prices and limits. */
export interface PipelineOptions {
  /** Most records in one write. Default 2000: larger batches were slower in `npm run bench`, and held more memory. */
  maxBatchSize?: number;
  /** Most records waiting per signal; beyond it submissions fail fast. Default 20000. */
  maxBufferSize?: number;
  /** Writes in flight per signal. Default 2: the next batch is prepared while the store commits one. */
  maxConcurrentWrites?: number;
  /** Retries of a failed write before its records are dropped. Default 4. */
  maxRetries?: number;
  /** First retry delay; doubles each time. Default 500 ms. */
  retryDelayMs?: number;
  /** Ceiling of the retry delay. Default 10 s. */
  maxRetryDelayMs?: number;
  /** Called for every group of records that is not stored, with the reason. */
  onDrop?: (report: DropReport) => void;
  /** Called after every store write, with its time: the receiver's write-latency histogram. */
  onWrite?: (report: WriteReport) => void;
  /** Overrides the store's preferred strategy for a signal; it must be one the store supports. */
  strategies?: Partial<Record<Exclude<Signal, 'spans'>, SignalStrategy>>;
  /** Model prices that win over the price library's. Default none. */
  prices?: readonly PriceOverride[];
  /** Attribute, event, link and nesting limits on every record, over `LIMIT_DEFAULTS`. */
  limits?: Partial<RecordLimits>;
}

/** What an option of {@link PipelineOptions} left out means. */
export const PIPELINE_DEFAULTS = {
  maxBatchSize: 2000,
  maxBufferSize: 20_000,
  maxConcurrentWrites: 2,
  maxRetries: 4,
  retryDelayMs: 500,
  maxRetryDelayMs: 10_000,
} as const;

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigurationError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigurationError(`${name} must be an integer >= 0, got ${value}`);
  return value;
}

type Writers = { [S in Signal]: BatchWriter<RecordOf[S]> };

/**
 * Five batch writers over one store, one per signal: what the SDK exporters and the receiver
 * submit records to. It initialises the store before the first write, so that nothing submitted
 * early is lost.
 *
 * @example
 * ```ts
 * const store = new DuckDBStore();
 * const pipeline = new StorePipeline(store, { maxBatchSize: 500, onDrop: (report) => console.warn(report) });
 * const { accepted, rejected } = await pipeline.submit('scores', [score]);
 * console.log(pipeline.stats.scores.committed);
 * await pipeline.shutdown(); // drains every writer; closing the store stays the caller's
 * await store.close();
 * ```
 */
export class StorePipeline {
  readonly store: ObservabilityStore;
  /** Estimates the cost of model spans as they are submitted; its `stats` count what it could not price. */
  readonly pricing: SpanPricing;
  private readonly writers: Writers;
  private readonly limits: RecordLimits;
  private readonly limitCounts = Object.fromEntries(SIGNALS.map((signal) => [signal, noLimitCounts()])) as Record<
    Signal,
    LimitCounts
  >;
  private ready: Promise<void> | null = null;

  constructor(store: ObservabilityStore, options: PipelineOptions = {}) {
    this.store = store;
    this.pricing = new SpanPricing(options.prices);
    const settings = { ...PIPELINE_DEFAULTS, ...definedOnly(options) };
    this.limits = resolveLimits(options.limits);
    positiveInteger('maxBatchSize', settings.maxBatchSize);
    positiveInteger('maxBufferSize', settings.maxBufferSize);
    positiveInteger('maxConcurrentWrites', settings.maxConcurrentWrites);
    nonNegativeInteger('maxRetries', settings.maxRetries);
    nonNegativeInteger('retryDelayMs', settings.retryDelayMs);
    nonNegativeInteger('maxRetryDelayMs', settings.maxRetryDelayMs);
    if (settings.maxBatchSize > settings.maxBufferSize) {
      throw new ConfigurationError(
        `maxBatchSize (${settings.maxBatchSize}) must not exceed maxBufferSize (${settings.maxBufferSize})`,
      );
    }
    const tracing = store.tracingStrategy.supported;
    if (!tracing.includes('insert-only') && !tracing.includes('event-sourced')) {
      throw new ConfigurationError(
        `the ${store.kind} store supports tracing strategies [${tracing.join(', ')}], but finished spans need ` +
          `'insert-only' or 'event-sourced'`,
      );
    }
    const make = <S extends Signal>(signal: S): BatchWriter<RecordOf[S]> =>
      new BatchWriter<RecordOf[S]>({
        signal,
        write: async (records) => {
          await this.whenReady();
          const started = performance.now();
          let ok = false;
          try {
            await WRITE[signal](store, records);
            ok = true;
          } finally {
            const seconds = (performance.now() - started) / 1000;
            options.onWrite?.({ signal, count: records.length, seconds, ok });
          }
        },
        maxBatchSize: settings.maxBatchSize,
        maxBufferSize: settings.maxBufferSize,
        maxConcurrentWrites: settings.maxConcurrentWrites,
        maxRetries: settings.maxRetries,
        retryDelayMs: settings.retryDelayMs,
        maxRetryDelayMs: settings.maxRetryDelayMs,
        groupCommit: this.strategyFor(signal, options.strategies) === 'batch',
        ...(options.onDrop ? { onDrop: options.onDrop } : {}),
      });
    this.writers = {
      spans: make('spans'),
      logs: make('logs'),
      metrics: make('metrics'),
      scores: make('scores'),
      feedback: make('feedback'),
    };
  }

  private strategyFor(signal: Signal, overrides: PipelineOptions['strategies']): SignalStrategy {
    if (signal === 'spans') return 'batch';
    const hint = this.store[`${signal}Strategy`];
    const chosen = overrides?.[signal] ?? hint.preferred;
    if (!hint.supported.includes(chosen)) {
      throw new ConfigurationError(
        `the ${this.store.kind} store does not support the '${chosen}' strategy for ${signal}; it supports ` +
          `[${hint.supported.join(', ')}]`,
      );
    }
    return chosen;
  }

  /** Initialises the store once; a failed attempt is retried by the next write. */
  whenReady(): Promise<void> {
    this.ready ??= this.store.init().catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  /** The batch writer of one signal: its own `flush`, `shutdown` and `stats`. */
  writer<S extends Signal>(signal: S): BatchWriter<RecordOf[S]> {
    return this.writers[signal];
  }

  /**
   * Hands records to their signal's writer, first bounding them by the record limits and giving
   * model spans their cost, in place: every edge's records pass here (decision 4).
   */
  submit<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<SubmitOutcome> {
    applyLimits(signal, records, this.limits, this.limitCounts[signal]);
    if (signal === 'spans') this.pricing.priceSpans(records as readonly SpanRecord[]);
    return this.writers[signal].submit(records);
  }

  /** Resolves when every record submitted so far, of every signal, has settled. */
  async flush(): Promise<void> {
    await Promise.all(SIGNALS.map((signal) => this.writers[signal].flush()));
  }

  /** Refuses new records and drains the queued ones. Leaves the store open. */
  async shutdown(): Promise<void> {
    await Promise.all(SIGNALS.map((signal) => this.writers[signal].shutdown()));
  }

  /** How often each record limit applied, per signal. */
  get limitStats(): Record<Signal, LimitCounts> {
    return Object.fromEntries(SIGNALS.map((signal) => [signal, { ...this.limitCounts[signal] }])) as Record<
      Signal,
      LimitCounts
    >;
  }

  get stats(): Record<Signal, BatchWriterStats> {
    return Object.fromEntries(SIGNALS.map((signal) => [signal, this.writers[signal].stats])) as Record<
      Signal,
      BatchWriterStats
    >;
  }
}

/** The store's batch write for each signal: a signal without one fails to compile. */
const WRITE: { [S in Signal]: (store: ObservabilityStore, records: readonly RecordOf[S][]) => Promise<void> } = {
  spans: (store, spans) => store.batchCreateSpans({ spans }),
  logs: (store, logs) => store.batchCreateLogs({ logs }),
  metrics: (store, metrics) => store.batchRecordMetrics({ metrics }),
  scores: (store, scores) => store.batchCreateScores({ scores }),
  feedback: (store, feedback) => store.batchCreateFeedback({ feedback }),
};
