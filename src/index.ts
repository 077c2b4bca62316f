/**
 * otel-bridge: stores OpenTelemetry traces, logs and metrics, plus scores and feedback, for AI-agent
 * applications.
 *
 * - {@link DefaultExporter}: SDK exporters, score/feedback hooks and a Mastra exporter in one object.
 * - {@link DuckDBStore}: the embedded default store; {@link ClickHouseStore} for production;
 *   {@link MemoryStore}, bounded and in memory, as a test double.
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
  type TemporalityPreference,
} from './exporters/sdk-exporters';
export type * from './mapping/sdk/types';
export { MastraExporter, type MastraExporterOptions } from './exporters/mastra';
export type { ScoreInput, FeedbackInput } from './mapping/hooks';
export * from './mapping/mastra';
export { spanFromSdk } from './mapping/sdk/spans';
export { logFromSdk } from './mapping/sdk/logs';
export { metricsFromSdk } from './mapping/sdk/metrics';

export { StorePipeline, PIPELINE_DEFAULTS, type PipelineOptions } from './pipeline/store-pipeline';
export type { DropReport, DropReason, SubmitOutcome, BatchWriterStats } from './pipeline/batch-writer';
export { BufferFullError, UnisolatedFailureError, WriteDroppedError, WriterShutdownError } from './pipeline/errors';
export { LIMIT_DEFAULTS, type RecordLimits, type LimitCounts } from './pipeline/limits';
export {
  SpanPricing,
  parsePriceOverrides,
  PRICE_LIBRARY_SOURCE,
  type PriceOverride,
  type ModelPrices,
  type PricingStats,
} from './pipeline/pricing';

export * from './storage/types';
export { spanPrecedence, preferredCopies } from './storage/precedence';
export { StorageError, InvalidQueryError, StoreClosedError, type StorageFailureReason } from './storage/errors';
export { encodeTypedMap, decodeTypedMap, encodeTypedValue, decodeTypedValue } from './storage/typed-json';
export { DuckDBStore, DUCKDB_DEFAULTS, type DuckDBStoreOptions } from './storage/duckdb/store';
export { MemoryStore, MEMORY_DEFAULTS, type MemoryStoreOptions, type MemoryTableStats } from './storage/memory/store';
export {
  ClickHouseStore,
  CLICKHOUSE_DEFAULTS,
  type ClickHouseStoreOptions,
  type ClickHouseStoreSettings,
  type ClickHouseConnectionOptions,
} from './storage/clickhouse/store';

export {
  startReceiver,
  RECEIVER_DEFAULTS,
  OTLP_GRPC_PORT,
  type ReceiverOptions,
  type ReceiverHandle,
} from './receiver/server';
export { GRPC_LIMITS, type GrpcLimits } from './receiver/grpc/server';
export { HTTP_LIMITS, type HttpLimits } from './receiver/http/server';
export type { Reach } from './receiver/access';
export type { TlsOptions } from './receiver/tls';
export { ReceiverError, IngestError, UnauthenticatedNetworkError, GRPC_CODE, type GrpcCode } from './receiver/errors';
export { createApiHandler, API_DEFAULTS, type ApiOptions, type ApiHandler } from './api/handler';
export { startViewer, type ViewerOptions, type ViewerHandle } from './viewer/server';
export { createViewerHandler, type ViewerAssetOptions } from './viewer/assets';
export { ApiError } from './api/errors';
export { RECORD_CODECS, codecFor, CodecError, type Codec, type CodecIssue } from './api/codec';
export type { TraceView } from './api/schemas';
export { scoreFromEvaluationEvent, EVALUATION_EVENT } from './mapping/evaluation';
export {
  decodeTraces,
  decodeLogs,
  decodeMetrics,
  OtlpDecodeError,
  type DecodeResult,
  type OtlpEncoding,
  type OtlpSignal,
} from './mapping/otlp';

export { formatTrace } from './cli/query';
