import type {
  AttributeMap,
  AttributeValue,
  Exemplar,
  LogLevel,
  LogRecord,
  MetricRecord,
  ResourceInfo,
  ScopeInfo,
  SpanEvent,
  SpanKind,
  SpanError,
  SpanLink,
  SpanOrigin,
  SpanRecord,
  StatusCode,
} from '../records/types';
import {
  deriveRecordContext,
  deriveSpanError,
  deriveSpanSemantics,
  serviceNameOf,
  type RecordContext,
  type SpanSemantics,
} from './agent-fields';

/**
 * Builders that turn OpenTelemetry data, however it arrived (SDK objects or OTLP), into records.
 * The edges decode; these builders add everything that is derived.
 */

/** The OpenTelemetry data of one span, as both the SDK and OTLP carry it. */
export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  traceState: string;
  flags: number;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  statusCode: StatusCode;
  statusMessage: string;
  resource: ResourceInfo;
  scope: ScopeInfo;
  attributes: AttributeMap;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
}

/**
 * What an edge knows of a span beyond its OpenTelemetry data. A derived field that is given here
 * (even as `null`) is taken as given instead of being derived from the attributes; one left out is
 * derived. The Mastra exporter knows most of them from Mastra's own fields.
 */
export interface KnownSpanFields extends Partial<SpanSemantics> {
  running: boolean;
  origin: SpanOrigin;
  error?: SpanError | null;
}

/** What the OpenTelemetry SDK and OTLP paths know: a finished span, and nothing else. */
const FINISHED_OTEL_SPAN: KnownSpanFields = { running: false, origin: 'otel' };

/** `base` with the fields that `known` gives, for the few records that come with known fields. */
function withKnown<T extends object>(base: T, known: Partial<T>): T {
  const merged = { ...base };
  for (const key in known) if (known[key] !== undefined) merged[key] = known[key];
  return merged;
}

// The builders list every field rather than spreading their inputs: on Node 20, spreading two
// objects into a literal of this size runs about 100 times slower (roughly 20k records/s).
export function buildSpanRecord(data: SpanData, known: KnownSpanFields = FINISHED_OTEL_SPAN): SpanRecord {
  const derived = deriveSpanSemantics(data.attributes, data.resource.attributes, data.name);
  const semantics = known === FINISHED_OTEL_SPAN ? derived : withKnown(derived, known);
  return {
    traceId: data.traceId,
    spanId: data.spanId,
    parentSpanId: data.parentSpanId,
    traceState: data.traceState,
    flags: data.flags,
    name: data.name,
    kind: data.kind,
    spanType: semantics.spanType,
    startTimeUnixNano: data.startTimeUnixNano,
    endTimeUnixNano: data.endTimeUnixNano,
    // A span that ends before it starts gets a negative duration, which validation rejects by name.
    durationNano: data.endTimeUnixNano - data.startTimeUnixNano,
    running: known.running,
    origin: known.origin,
    statusCode: data.statusCode,
    statusMessage: data.statusMessage,
    error:
      known.error !== undefined
        ? known.error
        : deriveSpanError(data.statusCode, data.statusMessage, data.events, data.attributes),
    serviceName: serviceNameOf(data.resource.attributes),
    resource: data.resource,
    scope: data.scope,
    attributes: data.attributes,
    droppedAttributesCount: data.droppedAttributesCount,
    events: data.events,
    droppedEventsCount: data.droppedEventsCount,
    links: data.links,
    droppedLinksCount: data.droppedLinksCount,
    entityType: semantics.entityType,
    entityId: semantics.entityId,
    entityName: semantics.entityName,
    userId: semantics.userId,
    organizationId: semantics.organizationId,
    resourceId: semantics.resourceId,
    runId: semantics.runId,
    sessionId: semantics.sessionId,
    threadId: semantics.threadId,
    requestId: semantics.requestId,
    environment: semantics.environment,
    tags: semantics.tags,
    metadata: semantics.metadata,
    model: semantics.model,
    provider: semantics.provider,
    inputTokens: semantics.inputTokens,
    outputTokens: semantics.outputTokens,
    totalTokens: semantics.totalTokens,
    cachedInputTokens: semantics.cachedInputTokens,
    cacheWriteTokens: semantics.cacheWriteTokens,
    reasoningTokens: semantics.reasoningTokens,
    usageIncludesChildren: semantics.usageIncludesChildren,
    inputCost: semantics.inputCost,
    outputCost: semantics.outputCost,
    totalCost: semantics.totalCost,
    costSource: semantics.costSource,
    input: semantics.input,
    output: semantics.output,
  };
}

export interface LogData {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AttributeValue;
  eventName: string;
  traceId: string | null;
  spanId: string | null;
  flags: number;
  resource: ResourceInfo;
  scope: ScopeInfo;
  attributes: AttributeMap;
  droppedAttributesCount: number;
}

/**
 * Severity numbers come in bands of four: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20,
 * FATAL 21–24.
 */
export function levelOf(severityNumber: number, severityText: string): LogLevel {
  if (severityNumber >= 21) return 'fatal';
  if (severityNumber >= 17) return 'error';
  if (severityNumber >= 13) return 'warn';
  if (severityNumber >= 9) return 'info';
  if (severityNumber >= 1) return 'debug';
  const text = severityText.trim().toLowerCase();
  if (/^(fatal|crit|critical|emerg|emergency|alert|panic)/.test(text)) return 'fatal';
  if (/^(err|error|severe)/.test(text)) return 'error';
  if (/^(warn|warning)/.test(text)) return 'warn';
  if (/^(debug|trace|fine|verbose)/.test(text)) return 'debug';
  return 'info';
}

function toPlainJson(value: AttributeValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toPlainJson(inner)]));
  }
  return value;
}

/** A log body as text: a string as it is, anything else as JSON. */
export function messageOf(body: AttributeValue): string {
  if (typeof body === 'string') return body;
  if (body === null) return '';
  return JSON.stringify(toPlainJson(body));
}

/** Builds a log record; context fields that `known` gives are taken as given, the rest derived. */
export function buildLogRecord(data: LogData, known?: Partial<RecordContext>): LogRecord {
  const derived = deriveRecordContext(data.attributes, data.resource.attributes);
  const context = known ? withKnown(derived, known) : derived;
  return {
    timeUnixNano: data.timeUnixNano,
    observedTimeUnixNano: data.observedTimeUnixNano,
    severityNumber: data.severityNumber,
    severityText: data.severityText,
    level: levelOf(data.severityNumber, data.severityText),
    body: data.body,
    message: messageOf(data.body),
    eventName: data.eventName,
    traceId: data.traceId,
    spanId: data.spanId,
    flags: data.flags,
    serviceName: serviceNameOf(data.resource.attributes),
    resource: data.resource,
    scope: data.scope,
    attributes: data.attributes,
    droppedAttributesCount: data.droppedAttributesCount,
    entityType: context.entityType,
    entityId: context.entityId,
    entityName: context.entityName,
    userId: context.userId,
    organizationId: context.organizationId,
    resourceId: context.resourceId,
    runId: context.runId,
    sessionId: context.sessionId,
    threadId: context.threadId,
    requestId: context.requestId,
    environment: context.environment,
    tags: context.tags,
    metadata: context.metadata,
  };
}

/** A metric point with its value fields, before context is derived. */
export type MetricData = Omit<
  MetricRecord,
  keyof ReturnType<typeof deriveRecordContext> | 'traceId' | 'spanId' | 'serviceName'
>;

/** Every value field of a metric point unset; a point sets those of its type. */
export const NO_METRIC_VALUES = {
  value: null,
  count: null,
  sum: null,
  min: null,
  max: null,
  explicitBounds: null,
  bucketCounts: null,
  scale: null,
  zeroCount: null,
  zeroThreshold: null,
  positive: null,
  negative: null,
  quantiles: null,
} as const satisfies Partial<MetricData>;

/** What an edge knows of a metric point: its trace and span, and context fields. */
export interface KnownMetricFields extends Partial<RecordContext> {
  traceId?: string | null;
  spanId?: string | null;
}

/**
 * Builds a metric record. Its trace and span are those `known` gives, or else those of its first
 * exemplar that names one; context fields that `known` gives are taken as given, the rest derived.
 */
export function buildMetricRecord(data: MetricData, known?: KnownMetricFields): MetricRecord {
  const derived = deriveRecordContext(data.attributes, data.resource.attributes);
  const context = known ? withKnown(derived, known) : derived;
  const traced = known?.traceId
    ? { traceId: known.traceId, spanId: known.spanId ?? null }
    : data.exemplars.find((exemplar: Exemplar) => exemplar.traceId !== null);
  return {
    name: data.name,
    description: data.description,
    unit: data.unit,
    type: data.type,
    temporality: data.temporality,
    isMonotonic: data.isMonotonic,
    timeUnixNano: data.timeUnixNano,
    startTimeUnixNano: data.startTimeUnixNano,
    attributes: data.attributes,
    flags: data.flags,
    value: data.value,
    count: data.count,
    sum: data.sum,
    min: data.min,
    max: data.max,
    explicitBounds: data.explicitBounds,
    bucketCounts: data.bucketCounts,
    scale: data.scale,
    zeroCount: data.zeroCount,
    zeroThreshold: data.zeroThreshold,
    positive: data.positive,
    negative: data.negative,
    quantiles: data.quantiles,
    exemplars: data.exemplars,
    traceId: traced?.traceId ?? null,
    spanId: traced?.spanId ?? null,
    serviceName: serviceNameOf(data.resource.attributes),
    resource: data.resource,
    scope: data.scope,
    entityType: context.entityType,
    entityId: context.entityId,
    entityName: context.entityName,
    userId: context.userId,
    organizationId: context.organizationId,
    resourceId: context.resourceId,
    runId: context.runId,
    sessionId: context.sessionId,
    threadId: context.threadId,
    requestId: context.requestId,
    environment: context.environment,
  };
}
