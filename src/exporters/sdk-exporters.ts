import { OtelBridgeError } from '../errors';
import { scoresFromEvaluationEvents } from '../mapping/evaluation';
import { logFromSdk } from '../mapping/sdk/logs';
import { mapSdkMetrics } from '../mapping/sdk/metrics';
import { spanFromSdk } from '../mapping/sdk/spans';
import type {
  ExportResult,
  SdkLogRecordExporter,
  SdkPushMetricExporter,
  SdkReadableLogRecord,
  SdkReadableSpan,
  SdkResourceMetrics,
  SdkSpanExporter,
} from '../mapping/sdk/types';
import type { RecordOf, Signal } from '../records/types';
import { RecordValidationError } from '../records/validate';
import type { DropReport } from '../pipeline/batch-writer';
import type { StorePipeline } from '../pipeline/store-pipeline';

/** `ExportResultCode` of `@opentelemetry/core`, by value, so that no runtime import of the SDK is needed. */
const SUCCESS = 0;
const FAILED = 1;

/** An SDK object that could not be turned into a record. */
export class MappingError extends OtelBridgeError {
  constructor(signal: Signal, cause: unknown) {
    super(
      'MAPPING_FAILED',
      `could not map an SDK ${signal} item to a record: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

/** Maps one SDK item to records; what it cannot map of the item, it passes to `skip` and leaves out. */
type ToRecords<S extends Signal, Item> = (item: Item, skip: (count: number, cause: unknown) => void) => RecordOf[S][];

/**
 * Exports one signal from the SDK into the pipeline: maps each item on its own (so one item that
 * cannot be mapped fails only itself), submits the records, and reports success once they are
 * committed. What could not be mapped is reported to `onDrop` as invalid, and fails the export.
 */
class SignalExporter<S extends Signal, Item> {
  constructor(
    private readonly pipeline: StorePipeline,
    private readonly signal: S,
    private readonly toRecords: ToRecords<S, Item>,
    private readonly onDrop: ((report: DropReport) => void) | undefined,
    /** Records of other signals that these records also make, committed before the export succeeds. */
    private readonly derive: (records: RecordOf[S][]) => Promise<unknown> = () => Promise.resolve(),
  ) {}

  export(items: Item[], resultCallback: (result: ExportResult) => void): void {
    const records: RecordOf[S][] = [];
    let mappingError: MappingError | null = null;
    let unmapped = 0;
    const skip = (count: number, cause: unknown) => {
      unmapped += count;
      mappingError ??= new MappingError(this.signal, cause);
    };
    for (const item of items) {
      try {
        records.push(...this.toRecords(item, skip));
      } catch (error) {
        skip(1, error);
      }
    }
    if (mappingError) this.onDrop?.({ signal: this.signal, count: unmapped, reason: 'invalid', error: mappingError });
    Promise.all([this.pipeline.submit(this.signal, records), this.derive(records)]).then(
      ([outcome]) => {
        if (outcome.rejected.length > 0) {
          resultCallback({ code: FAILED, error: new RecordValidationError(this.signal, outcome.rejected) });
        } else if (mappingError) {
          resultCallback({ code: FAILED, error: mappingError });
        } else {
          resultCallback({ code: SUCCESS });
        }
      },
      (error: unknown) =>
        resultCallback({ code: FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  forceFlush(): Promise<void> {
    return this.pipeline.writer(this.signal).flush();
  }

  shutdown(): Promise<void> {
    return this.pipeline.writer(this.signal).shutdown();
  }
}

/**
 * A `SpanExporter` that stores finished spans. {@link DefaultExporter} builds one; build it yourself to share
 * a pipeline you own, or to send spans to another store than the logs.
 *
 * @example
 * ```ts
 * const pipeline = new StorePipeline(new DuckDBStore({ path: 'traces.duckdb' }));
 * const exporter = new StoreSpanExporter(pipeline, (report) => console.warn(report.reason, report.count));
 * const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
 * // …
 * await provider.shutdown(); // flushes the exporter, whose shutdown drains its writer
 * await pipeline.shutdown();
 * ```
 */
export class StoreSpanExporter extends SignalExporter<'spans', SdkReadableSpan> implements SdkSpanExporter {
  constructor(pipeline: StorePipeline, onDrop?: (report: DropReport) => void) {
    super(pipeline, 'spans', (span) => [spanFromSdk(span)], onDrop);
  }
}

/**
 * A `LogRecordExporter` that stores log records, and a score for each GenAI evaluation event among them.
 *
 * @example
 * ```ts
 * const pipeline = new StorePipeline(store);
 * const loggerProvider = new LoggerProvider({
 *   processors: [new BatchLogRecordProcessor(new StoreLogRecordExporter(pipeline))],
 * });
 * loggerProvider.getLogger('app').emit({ severityText: 'INFO', body: 'order placed' });
 * await loggerProvider.forceFlush();
 * ```
 */
export class StoreLogRecordExporter
  extends SignalExporter<'logs', SdkReadableLogRecord>
  implements SdkLogRecordExporter
{
  constructor(pipeline: StorePipeline, onDrop?: (report: DropReport) => void) {
    super(
      pipeline,
      'logs',
      (log) => [logFromSdk(log)],
      onDrop,
      (logs) => {
        // A score the store refuses is reported to onDrop by the pipeline; the logs themselves are stored.
        const scores = scoresFromEvaluationEvents(logs);
        return scores.length === 0 ? Promise.resolve() : pipeline.submit('scores', scores);
      },
    );
  }
}

/**
 * Which temporality to ask the SDK for, per instrument, as `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`
 * defines the three choices.
 */
export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

/** `AggregationTemporality` of the SDK, by value. */
const DELTA = 0;
const CUMULATIVE = 1;

const DELTA_INSTRUMENTS: Record<Exclude<TemporalityPreference, 'cumulative'>, ReadonlySet<string>> = {
  delta: new Set(['COUNTER', 'OBSERVABLE_COUNTER', 'HISTOGRAM', 'GAUGE', 'OBSERVABLE_GAUGE']),
  lowmemory: new Set(['COUNTER', 'HISTOGRAM']),
};

/**
 * A `PushMetricExporter` that stores one record per data point, asking the SDK for the temporality it is given
 * (default `cumulative`).
 *
 * @example
 * ```ts
 * const pipeline = new StorePipeline(store);
 * const meterProvider = new MeterProvider({
 *   readers: [new PeriodicExportingMetricReader({ exporter: new StoreMetricExporter(pipeline, 'delta') })],
 * });
 * meterProvider.getMeter('app').createCounter('orders').add(1);
 * await meterProvider.forceFlush();
 * ```
 */
export class StoreMetricExporter implements SdkPushMetricExporter {
  private readonly delegate: SignalExporter<'metrics', SdkResourceMetrics>;
  private readonly temporality: TemporalityPreference;

  constructor(
    pipeline: StorePipeline,
    temporality: TemporalityPreference = 'cumulative',
    onDrop?: (report: DropReport) => void,
  ) {
    this.delegate = new SignalExporter(pipeline, 'metrics', mapSdkMetrics, onDrop);
    this.temporality = temporality;
  }

  export(metrics: SdkResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.delegate.export([metrics], resultCallback);
  }

  selectAggregationTemporality(instrumentType: string): number {
    if (this.temporality === 'cumulative') return CUMULATIVE;
    return DELTA_INSTRUMENTS[this.temporality].has(instrumentType) ? DELTA : CUMULATIVE;
  }

  forceFlush(): Promise<void> {
    return this.delegate.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.delegate.shutdown();
  }
}
