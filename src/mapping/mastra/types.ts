/**
 * Mastra's exported observability objects, as `@mastra/core` 1.71 declares them
 * (`dist/observability/types/{core,tracing,logging,metrics,scores,feedback}.d.ts`): only the fields
 * otel-bridge reads, declared here so that `@mastra/core` is no dependency of ours. Mastra's own
 * types are assignable to these.
 */

/** The descriptive context Mastra attaches to logs, metrics, scores and feedback. */
export interface MastraCorrelationContext {
  traceId?: string;
  spanId?: string;
  entityType?: string;
  entityId?: string;
  entityName?: string;
  entityVersionId?: string;
  parentEntityType?: string;
  parentEntityId?: string;
  parentEntityName?: string;
  parentEntityVersionId?: string;
  rootEntityType?: string;
  rootEntityId?: string;
  rootEntityName?: string;
  rootEntityVersionId?: string;
  userId?: string;
  organizationId?: string;
  resourceId?: string;
  runId?: string;
  sessionId?: string;
  threadId?: string;
  requestId?: string;
  environment?: string;
  source?: string;
  serviceName?: string;
  experimentId?: string;
  tags?: string[];
}

/** `SpanErrorInfo`. */
export interface MastraSpanErrorInfo {
  message: string;
  id?: string;
  name?: string;
  stack?: string;
  domain?: string;
  category?: string;
  details?: Record<string, unknown>;
}

/** `ExportedSpan`: one Mastra span, as it is when started, updated or ended. */
export interface MastraExportedSpan {
  id: string;
  traceId: string;
  parentSpanId?: string;
  /** The OpenTelemetry span that was active when a root span started (`@mastra/otel-bridge`). */
  externalParentSpanId?: string;
  name: string;
  /** One of `SPAN_TYPES`. */
  type: string;
  entityType?: string;
  entityId?: string;
  entityName?: string;
  startTime: Date;
  /** Absent until the span ends, and on event spans. */
  endTime?: Date;
  attributes?: object;
  metadata?: Record<string, unknown>;
  tags?: string[];
  input?: unknown;
  output?: unknown;
  errorInfo?: MastraSpanErrorInfo;
  requestContext?: Record<string, unknown>;
  /** A point in time rather than an operation: it comes only as `span_ended`, without an end time. */
  isEvent: boolean;
  isRootSpan: boolean;
  isInternal?: boolean;
}

/** `TracingEventType`: whether a tracing event reports a span started, updated or ended. */
export type MastraTracingEventType = 'span_started' | 'span_updated' | 'span_ended';

/** `TracingEvent`: what Mastra hands an exporter for each change of a span. */
export interface MastraTracingEvent {
  type: MastraTracingEventType;
  exportedSpan: MastraExportedSpan;
}

/** `ExportedLog`. */
export interface MastraExportedLog {
  logId: string;
  timestamp: Date;
  traceId?: string;
  spanId?: string;
  level: 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  message: string;
  data?: Record<string, unknown>;
  tags?: string[];
  correlationContext?: MastraCorrelationContext;
  metadata?: Record<string, unknown>;
}

/** `CostContext`: what Mastra estimated a model call cost. */
export interface MastraCostContext {
  provider?: string;
  model?: string;
  estimatedCost?: number;
  costUnit?: string;
  costMetadata?: Record<string, unknown>;
}

/** `ExportedMetric`: one observation. */
export interface MastraExportedMetric {
  metricId: string;
  timestamp: Date;
  traceId?: string;
  spanId?: string;
  name: string;
  value: number;
  labels?: Record<string, string>;
  correlationContext?: MastraCorrelationContext;
  costContext?: MastraCostContext;
  metadata?: Record<string, unknown>;
}

/** `ExportedScore`. */
export interface MastraExportedScore {
  scoreId: string;
  timestamp: Date;
  traceId?: string;
  spanId?: string;
  scorerId: string;
  scorerName?: string;
  scorerVersion?: string;
  /** @deprecated by Mastra in favour of `scoreSource`. */
  source?: string;
  scoreSource?: string;
  score: number;
  reason?: string;
  experimentId?: string;
  scoreTraceId?: string;
  targetEntityType?: string;
  correlationContext?: MastraCorrelationContext;
  metadata?: Record<string, unknown>;
}

/** `ExportedFeedback`. */
export interface MastraExportedFeedback {
  feedbackId: string;
  timestamp: Date;
  traceId?: string;
  spanId?: string;
  /** @deprecated by Mastra in favour of `feedbackSource`. */
  source?: string;
  feedbackSource?: string;
  feedbackType: string;
  value: number | string;
  /** @deprecated by Mastra in favour of `feedbackUserId`. */
  userId?: string;
  feedbackUserId?: string;
  comment?: string;
  sourceId?: string;
  experimentId?: string;
  correlationContext?: MastraCorrelationContext;
  metadata?: Record<string, unknown>;
}

/** `LogEvent`: what Mastra hands an exporter for each log. */
export interface MastraLogEvent {
  type: 'log';
  log: MastraExportedLog;
}
/** `MetricEvent`: what Mastra hands an exporter for each metric measurement. */
export interface MastraMetricEvent {
  type: 'metric';
  metric: MastraExportedMetric;
}
/** `ScoreEvent`: what Mastra hands an exporter for each score. */
export interface MastraScoreEvent {
  type: 'score';
  score: MastraExportedScore;
}
/** `FeedbackEvent`: what Mastra hands an exporter for each feedback. */
export interface MastraFeedbackEvent {
  type: 'feedback';
  feedback: MastraExportedFeedback;
}

/** `ObservabilityDropEvent`: how an exporter tells Mastra that it dropped records. */
export interface MastraDropEvent {
  type: 'drop';
  signal: 'tracing' | 'log' | 'metric' | 'score' | 'feedback';
  reason: 'unsupported-storage' | 'retry-exhausted';
  count: number;
  timestamp: Date;
  exporterName: string;
  storageName?: string;
  error?: { id?: string; domain?: string; message: string };
}

/** `InitExporterOptions`, as far as an exporter reads it. */
export interface MastraInitOptions {
  mastra?: unknown;
  config?: { serviceName?: string };
  emitDropEvent?: (event: MastraDropEvent) => void;
}
