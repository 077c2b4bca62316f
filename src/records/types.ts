/**
 * The record model: the one shape that every edge (SDK exporters, OTLP receiver, hooks) produces and
 * every store consumes.
 *
 * Conventions:
 * - Times are `bigint` nanoseconds since the Unix epoch, so all nine fractional digits survive.
 * - Ids are lowercase hex: 32 characters for a trace id, 16 for a span id.
 * - Attribute values keep their OTLP type: `bigint` is an int64, `number` is a double.
 */

/**
 * A typed attribute value, mirroring OTLP's `AnyValue`.
 *
 * | OTLP          | here                       |
 * |---------------|----------------------------|
 * | string_value  | `string`                   |
 * | bool_value    | `boolean`                  |
 * | int_value     | `bigint` (exact int64)     |
 * | double_value  | `number`                   |
 * | bytes_value   | `Uint8Array`               |
 * | array_value   | `AttributeValue[]`         |
 * | kvlist_value  | {@link AttributeMap}       |
 * | (empty)       | `null`                     |
 */
export type AttributeValue = string | boolean | bigint | number | Uint8Array | null | AttributeValue[] | AttributeMap;

/** A map of attribute keys to typed values (OTLP `KeyValueList`). */
export interface AttributeMap {
  [key: string]: AttributeValue;
}

/** The resource that produced a record. Records of one batch share one object per resource. */
export interface ResourceInfo {
  attributes: AttributeMap;
  droppedAttributesCount: number;
  schemaUrl: string;
}

/** The instrumentation scope that produced a record. Shared by reference like {@link ResourceInfo}. */
export interface ScopeInfo {
  name: string;
  version: string;
  attributes: AttributeMap;
  droppedAttributesCount: number;
  schemaUrl: string;
}

/**
 * Context that Mastra attaches to every signal, so that any of them can be filtered by run, user or
 * session. All fields are nullable; they are derived from attributes by `src/mapping/agent-fields`.
 */
export interface ContextFields {
  entityType: string | null;
  entityId: string | null;
  entityName: string | null;
  userId: string | null;
  organizationId: string | null;
  resourceId: string | null;
  runId: string | null;
  sessionId: string | null;
  threadId: string | null;
  requestId: string | null;
  environment: string | null;
}

/** The names of {@link ContextFields}, in a fixed order that stores use for their columns. */
export const CONTEXT_FIELDS = [
  'entityType',
  'entityId',
  'entityName',
  'userId',
  'organizationId',
  'resourceId',
  'runId',
  'sessionId',
  'threadId',
  'requestId',
  'environment',
] as const satisfies readonly (keyof ContextFields)[];

/** One of {@link CONTEXT_FIELDS}: a context field's name, as in `ContextFields`. */
export type ContextFieldName = (typeof CONTEXT_FIELDS)[number];

/** Span kinds, named as in the OpenTelemetry API. */
export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
/** A span's kind, one of {@link SPAN_KINDS}. */
export type SpanKind = (typeof SPAN_KINDS)[number];

/**
 * Mastra's span types, all of them (`SpanType` of `@mastra/core` 1.71), so that a Mastra span keeps
 * its own. Anything the mapping cannot classify is `generic`.
 */
export const SPAN_TYPES = [
  'agent_run',
  'generic',
  'scorer_run',
  'scorer_step',
  'classifier_evaluation',
  'model_generation',
  'model_step',
  'model_inference',
  'model_chunk',
  'tool_call',
  'client_tool_call',
  'provider_tool_call',
  'mcp_tool_call',
  'mcp_server_request',
  'processor_run',
  'workflow_run',
  'workflow_step',
  'workflow_conditional',
  'workflow_conditional_eval',
  'workflow_parallel',
  'workflow_loop',
  'workflow_sleep',
  'workflow_wait_event',
  'memory_operation',
  'workspace_action',
  'rag_ingestion',
  'rag_embedding',
  'rag_vector_operation',
  'rag_action',
  'graph_action',
  'mapping',
  'skill_resolution',
  'skill_action',
  'agent_signal',
] as const;
/** What a span did for an agent app (a model call, a tool call, a workflow step, …), one of {@link SPAN_TYPES}. */
export type SpanType = (typeof SPAN_TYPES)[number];

/** Span status codes, named as in the OpenTelemetry API. */
export const STATUS_CODES = ['unset', 'ok', 'error'] as const;
/** A span's status code, one of {@link STATUS_CODES}. */
export type StatusCode = (typeof STATUS_CODES)[number];

/** A failure, taken from the span status and its `exception` event. */
export interface SpanError {
  message: string;
  type: string | null;
  stack: string | null;
}

/** A timed event within a span (an exception, a message), as OpenTelemetry defines it. */
export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: AttributeMap;
  droppedAttributesCount: number;
}

/** A link from a span to a span of another (or the same) trace, with its own attributes. */
export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  flags: number;
  attributes: AttributeMap;
  droppedAttributesCount: number;
}

/** The GenAI view of a span, from the OpenTelemetry GenAI conventions and their relatives. */
export interface GenAiFields {
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  /** Input tokens read from the provider's prompt cache; part of `inputTokens`. */
  cachedInputTokens: number | null;
  /** Input tokens written to the provider's prompt cache; part of `inputTokens`. */
  cacheWriteTokens: number | null;
  /** Output tokens spent on reasoning (thinking); part of `outputTokens`. */
  reasoningTokens: number | null;
  /**
   * The span's tokens and cost sum those of model calls recorded as its own child spans (Mastra's
   * and the AI SDK's `model_generation` over its `model_step`s, and Mastra's `model_step` over its
   * `model_inference`). Totals skip such a span, so that no call counts twice; the span keeps its
   * own figures for display.
   */
  usageIncludesChildren: boolean;
  input: AttributeValue;
  output: AttributeValue;
}

/**
 * What a model call cost, in US dollars. `null` when nothing says: a span that is no model call, or
 * a model that no price table knows (never zero).
 */
export interface CostFields {
  /** Every input token, cached and written to the cache included, each at its own price. */
  inputCost: number | null;
  /** Every output token, reasoning included. */
  outputCost: number | null;
  totalCost: number | null;
  /**
   * Where the cost came from: `reported` (the sender said it), `override` (a price the user
   * configured), or the price library and its version (`@pydantic/genai-prices@0.1.8`).
   */
  costSource: string | null;
}

/**
 * Which edge built a span record: the OpenTelemetry SDK exporter or OTLP (`otel`), or the Mastra
 * exporter (`mastra`), whose copy of a span is the richer one.
 */
export const SPAN_ORIGINS = ['otel', 'mastra'] as const;
/** Which edge built a span record, one of {@link SPAN_ORIGINS}. */
export type SpanOrigin = (typeof SPAN_ORIGINS)[number];

/**
 * One span. A span may be stored more than once (started and then ended, or by two edges); reads
 * show one copy, chosen by `src/storage/precedence.ts`.
 */
export interface SpanRecord extends ContextFields, GenAiFields, CostFields {
  traceId: string;
  spanId: string;
  /** `null` for a root span. */
  parentSpanId: string | null;
  traceState: string;
  flags: number;
  name: string;
  kind: SpanKind;
  spanType: SpanType;
  startTimeUnixNano: bigint;
  /** Equals the start while the span is {@link SpanRecord.running}. */
  endTimeUnixNano: bigint;
  durationNano: bigint;
  /** Started and not yet ended: its end equals its start and its duration is 0. */
  running: boolean;
  origin: SpanOrigin;
  statusCode: StatusCode;
  statusMessage: string;
  /** Present when the span failed. */
  error: SpanError | null;
  serviceName: string;
  resource: ResourceInfo;
  scope: ScopeInfo;
  attributes: AttributeMap;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  tags: string[];
  metadata: AttributeMap;
}

/** Mastra's log levels. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
/** A log record's level, one of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One log record. */
export interface LogRecord extends ContextFields {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  level: LogLevel;
  /** The OTLP body, typed. */
  body: AttributeValue;
  /** The body as text: strings as they are, anything else as JSON. */
  message: string;
  eventName: string;
  traceId: string | null;
  spanId: string | null;
  flags: number;
  serviceName: string;
  resource: ResourceInfo;
  scope: ScopeInfo;
  attributes: AttributeMap;
  droppedAttributesCount: number;
  tags: string[];
  metadata: AttributeMap;
}

/** The OpenTelemetry metric data point types. */
export const METRIC_TYPES = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const;
/** A metric data point's type, one of {@link METRIC_TYPES}; it says which value fields of a `MetricRecord` are set. */
export type MetricType = (typeof METRIC_TYPES)[number];

/** Aggregation temporalities of sums and histograms, named as in OTLP. */
export const TEMPORALITIES = ['unspecified', 'delta', 'cumulative'] as const;
/** A sum's or histogram's aggregation temporality, one of {@link TEMPORALITIES}. */
export type Temporality = (typeof TEMPORALITIES)[number];

/** A sample measurement behind a metric data point, with the span (if any) it was recorded in. */
export interface Exemplar {
  timeUnixNano: bigint;
  /** `bigint` for an int exemplar, `number` for a double one. */
  value: number | bigint;
  traceId: string | null;
  spanId: string | null;
  filteredAttributes: AttributeMap;
}

/** One side (positive or negative) of an exponential histogram: the index of its first bucket and the counts. */
export interface ExponentialBuckets {
  offset: number;
  bucketCounts: number[];
}

/** One quantile of a summary data point: `quantile` in [0, 1] and its value. */
export interface SummaryQuantile {
  quantile: number;
  value: number;
}

/** One metric data point. Which value fields are set depends on {@link MetricRecord.type}. */
export interface MetricRecord extends ContextFields {
  name: string;
  description: string;
  unit: string;
  type: MetricType;
  /** `null` for gauges and summaries, which have none. */
  temporality: Temporality | null;
  /** Set for sums only. */
  isMonotonic: boolean | null;
  timeUnixNano: bigint;
  startTimeUnixNano: bigint;
  attributes: AttributeMap;
  flags: number;
  /** Gauge and sum: `bigint` for an int point, `number` for a double one. */
  value: number | bigint | null;
  /** Histogram, exponential histogram and summary. */
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  /** Explicit-bucket histogram. */
  explicitBounds: number[] | null;
  bucketCounts: number[] | null;
  /** Exponential histogram. */
  scale: number | null;
  zeroCount: number | null;
  zeroThreshold: number | null;
  positive: ExponentialBuckets | null;
  negative: ExponentialBuckets | null;
  /** Summary. */
  quantiles: SummaryQuantile[] | null;
  exemplars: Exemplar[];
  /** From the first exemplar that carries one. */
  traceId: string | null;
  spanId: string | null;
  serviceName: string;
  resource: ResourceInfo;
  scope: ScopeInfo;
}

/** Where a score came from: a person, an automated scorer or an experiment. */
export const SCORE_SOURCES = ['manual', 'automated', 'experiment'] as const;
/** A score's source, one of {@link SCORE_SOURCES}. */
export type ScoreSource = (typeof SCORE_SOURCES)[number];

/** An evaluation of a trace or span. */
export interface ScoreRecord extends ContextFields {
  scoreId: string;
  timeUnixNano: bigint;
  traceId: string | null;
  spanId: string | null;
  scorerId: string;
  scorerName: string | null;
  scorerVersion: string | null;
  score: number;
  reason: string | null;
  source: ScoreSource;
  serviceName: string | null;
  tags: string[];
  metadata: AttributeMap;
}

/** Feedback on a trace or span, usually from a person. */
export interface FeedbackRecord extends ContextFields {
  feedbackId: string;
  timeUnixNano: bigint;
  traceId: string | null;
  spanId: string | null;
  /** Who gave it, for example `user`, `reviewer` or `sdk`. */
  source: string;
  /** For example `thumbs`, `rating` or `correction`. */
  feedbackType: string;
  value: number | string;
  comment: string | null;
  serviceName: string | null;
  tags: string[];
  metadata: AttributeMap;
}

/** The five signals, by the name used in errors, drop reports and configuration. */
export const SIGNALS = ['spans', 'logs', 'metrics', 'scores', 'feedback'] as const;
/** One of {@link SIGNALS}: the kind of record a writer, a drop report or a table is for. */
export type Signal = (typeof SIGNALS)[number];

/** The record type of each signal. */
export interface RecordOf {
  spans: SpanRecord;
  logs: LogRecord;
  metrics: MetricRecord;
  scores: ScoreRecord;
  feedback: FeedbackRecord;
}
