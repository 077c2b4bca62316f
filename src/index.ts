/**
 * otel-bridge: stores OpenTelemetry traces, logs and metrics, plus scores and feedback, for AI-agent
 * applications.
 *
 * - {@link DefaultExporter}: SDK exporters and score/feedback hooks in one object.
 * - {@link DuckDBStore}: the embedded default store.
 * - {@link ObservabilityStore}: the read and write contract every store implements.
 */
export { OtelBridgeError, ConfigurationError } from './errors';

export * from './records/types';
export {
  RecordValidationError,
  findInvalidRecords,
  assertValidRecords,
  type ValidationIssue,
} from './records/validate';

export { DefaultExporter, type DefaultExporterOptions } from './exporters/default-exporter';
export {
  StoreSpanExporter,
  StoreLogRecordExporter,
  StoreMetricExporter,
  MappingError,
  type ExportResult,
  type TemporalityPreference,
} from './exporters/sdk-exporters';
export type { ScoreInput, FeedbackInput } from './mapping/hooks';
export { spanFromSdk } from './mapping/sdk/spans';
export { logFromSdk } from './mapping/sdk/logs';
export { metricsFromSdk } from './mapping/sdk/metrics';

export { StorePipeline, PIPELINE_DEFAULTS, type PipelineOptions } from './pipeline/store-pipeline';
export type { DropReport, DropReason, SubmitOutcome, BatchWriterStats } from './pipeline/batch-writer';
export { BufferFullError, UnisolatedFailureError, WriteDroppedError, WriterShutdownError } from './pipeline/errors';
export { LIMIT_DEFAULTS, type RecordLimits, type LimitCounts } from './pipeline/limits';

export * from './storage/types';
export { StorageError, InvalidQueryError, StoreClosedError, type StorageFailureReason } from './storage/errors';
export { encodeTypedMap, decodeTypedMap, encodeTypedValue, decodeTypedValue } from './storage/typed-json';
export { DuckDBStore, type DuckDBStoreOptions } from './storage/duckdb/store';
export {
  ClickHouseStore,
  type ClickHouseStoreOptions,
  type ClickHouseStoreSettings,
  type ClickHouseConnectionOptions,
} from './storage/clickhouse/store';

export { startReceiver, RECEIVER_DEFAULTS, type ReceiverOptions, type ReceiverHandle } from './receiver/server';
export { ReceiverError } from './receiver/errors';
export {
  decodeTraces,
  decodeLogs,
  decodeMetrics,
  OtlpDecodeError,
  type DecodeResult,
  type OtlpEncoding,
  type OtlpSignal,
} from './mapping/otlp';
