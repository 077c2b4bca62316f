import { ConfigurationError } from '../errors';
import {
  feedbackFromMastra,
  logFromMastra,
  metricFromMastra,
  scoreFromMastra,
  spanFromMastra,
  type MastraDropEvent,
  type MastraFeedbackEvent,
  type MastraInitOptions,
  type MastraLogEvent,
  type MastraMetricEvent,
  type MastraScoreEvent,
  type MastraTracingEvent,
} from '../mapping/mastra';
import type { RecordOf, Signal } from '../records/types';
import type { DropReport } from '../pipeline/batch-writer';
import { WriteDroppedError } from '../pipeline/errors';
import type { StorePipeline } from '../pipeline/store-pipeline';
import type { TracingStrategy } from '../storage/types';
import { MappingError } from './sdk-exporters';

/** Mastra's name for each signal, in its drop events. */
const MASTRA_SIGNALS: Record<Signal, MastraDropEvent['signal']> = {
  spans: 'tracing',
  logs: 'log',
  metrics: 'metric',
  scores: 'score',
  feedback: 'feedback',
};

/** Options of {@link MastraExporter}: how it writes spans, and where its drops are reported. */
export interface MastraExporterOptions {
  /**
   * How spans are written: `event-sourced` writes a started span at once, as running, and again when
   * it ends; `insert-only` writes it once, when it ends. Default: the store's preferred strategy
   * (DuckDB `event-sourced`, ClickHouse `insert-only`).
   */
  tracingStrategy?: TracingStrategy;
  /** Called for every group of records that is not stored, as the SDK exporters report them. */
  onDrop?: (report: DropReport) => void;
}

/**
 * Mastra's `ObservabilityExporter`, met structurally: `@mastra/core` is no dependency of
 * otel-bridge. It maps each event Mastra exports (spans, logs, metrics, scores and feedback) to a
 * record and submits it to the same pipeline as the SDK exporters, so it has their batching,
 * backpressure, retries and drop reports. It never blocks the agent: every `on*Event` returns at
 * once, and a record that cannot be stored is reported, never thrown.
 *
 * Spans follow the tracing strategy, as Mastra's own exporter does: under `insert-only` only
 * `span_ended` is written; under `event-sourced`, `span_started` is written as a running copy and
 * `span_ended` as the finished one. Reads show the better copy whatever order they were written
 * in, so an end that arrives before its start is never lost. `span_updated` is not written: Mastra's
 * own exporter skips it under both strategies, and the end carries everything it had.
 *
 * Get one from {@link DefaultExporter.mastra}, which shares the store with the SDK exporters.
 *
 * @example
 * ```ts
 * const otelBridge = new DefaultExporter();
 * const mastra = new Mastra({
 *   agents: { weatherAgent },
 *   observability: new Observability({
 *     configs: { default: { serviceName: 'weather-app', exporters: [otelBridge.mastra] } },
 *   }),
 * });
 * // …
 * await mastra.shutdown();
 * await otelBridge.shutdown(); // drains every signal and closes the store
 * ```
 */
export class MastraExporter {
  readonly name = 'otel-bridge';
  readonly tracingStrategy: 'insert-only' | 'event-sourced';
  private serviceName = 'unknown_service';
  private emitDropEvent: ((event: MastraDropEvent) => void) | undefined;
  private readonly onDrop: ((report: DropReport) => void) | undefined;

  constructor(
    private readonly pipeline: StorePipeline,
    options: MastraExporterOptions = {},
  ) {
    const { store } = pipeline;
    const strategy = options.tracingStrategy ?? store.tracingStrategy.preferred;
    if (!store.tracingStrategy.supported.includes(strategy)) {
      throw new ConfigurationError(
        `the ${store.kind} store does not support the '${strategy}' tracing strategy; ` +
          `it supports [${store.tracingStrategy.supported.join(', ')}]`,
      );
    }
    if (strategy !== 'insert-only' && strategy !== 'event-sourced') {
      throw new ConfigurationError(
        `the Mastra exporter writes spans 'insert-only' or 'event-sourced', not '${strategy}': ` +
          'stores keep every copy of a span and reads choose one',
      );
    }
    this.tracingStrategy = strategy;
    this.onDrop = options.onDrop;
  }

  /** Called by Mastra when the exporter is registered: takes the service name and the drop channel. */
  init(options: MastraInitOptions = {}): void {
    if (typeof options.config?.serviceName === 'string' && options.config.serviceName !== '') {
      this.serviceName = options.config.serviceName;
    }
    this.emitDropEvent = options.emitDropEvent;
  }

  onTracingEvent(event: MastraTracingEvent): void {
    if (event.type === 'span_updated') return;
    const running = event.type === 'span_started';
    if (running && this.tracingStrategy === 'insert-only') return;
    this.submit('spans', () => spanFromMastra(event.exportedSpan, { serviceName: this.serviceName, running }));
  }

  /** What Mastra calls when an exporter has no `onTracingEvent`; kept for exporters' full interface. */
  exportTracingEvent(event: MastraTracingEvent): Promise<void> {
    this.onTracingEvent(event);
    return Promise.resolve();
  }

  onLogEvent(event: MastraLogEvent): void {
    this.submit('logs', () => logFromMastra(event.log, this.serviceName));
  }

  onMetricEvent(event: MastraMetricEvent): void {
    this.submit('metrics', () => metricFromMastra(event.metric, this.serviceName));
  }

  onScoreEvent(event: MastraScoreEvent): void {
    this.submit('scores', () => scoreFromMastra(event.score, this.serviceName));
  }

  onFeedbackEvent(event: MastraFeedbackEvent): void {
    this.submit('feedback', () => feedbackFromMastra(event.feedback, this.serviceName));
  }

  /** Resolves when every record handed over so far is committed or dropped. */
  flush(): Promise<void> {
    return this.pipeline.flush();
  }

  /**
   * Flushes. The store stays open: it belongs to the {@link DefaultExporter}, whose `shutdown()`
   * closes it once the SDK exporters that may share it are done too.
   */
  shutdown(): Promise<void> {
    return this.pipeline.flush();
  }

  private submit<S extends Signal>(signal: S, build: () => RecordOf[S]): void {
    let record: RecordOf[S];
    try {
      record = build();
    } catch (error) {
      this.onDrop?.({ signal, count: 1, reason: 'invalid', error: new MappingError(signal, error) });
      return;
    }
    // The pipeline reports every drop to onDrop; Mastra also hears of writes given up after retries.
    this.pipeline.submit(signal, [record]).catch((error: unknown) => {
      if (error instanceof WriteDroppedError) {
        this.emitDropEvent?.({
          type: 'drop',
          signal: MASTRA_SIGNALS[signal],
          reason: 'retry-exhausted',
          count: 1,
          timestamp: new Date(),
          exporterName: this.name,
          storageName: this.pipeline.store.kind,
          error: { id: error.code, message: error.message },
        });
      }
    });
  }
}
