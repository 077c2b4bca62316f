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
  SpanLink,
  SpanRecord,
  StatusCode,
} from '../records/types';
import { deriveRecordContext, deriveSpanError, deriveSpanSemantics, serviceNameOf } from './agent-fields';

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

export function buildSpanRecord(data: SpanData): SpanRecord {
  const semantics = deriveSpanSemantics(data.attributes, data.resource.attributes, data.name);
  return {
    ...data,
    ...semantics,
    // A span that ends before it starts gets a negative duration, which validation rejects by name.
    durationNano: data.endTimeUnixNano - data.startTimeUnixNano,
    error: deriveSpanError(data.statusCode, data.statusMessage, data.events, data.attributes),
    serviceName: serviceNameOf(data.resource.attributes),
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

/** Severity numbers come in bands of four: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24. */
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
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
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

export function buildLogRecord(data: LogData): LogRecord {
  return {
    ...data,
    ...deriveRecordContext(data.attributes, data.resource.attributes),
    level: levelOf(data.severityNumber, data.severityText),
    message: messageOf(data.body),
    serviceName: serviceNameOf(data.resource.attributes),
  };
}

/** A metric point with its value fields, before context is derived. */
export type MetricData = Omit<
  MetricRecord,
  keyof ReturnType<typeof deriveRecordContext> | 'traceId' | 'spanId' | 'serviceName'
>;

export function buildMetricRecord(data: MetricData): MetricRecord {
  const { tags: _tags, metadata: _metadata, ...context } = deriveRecordContext(data.attributes, data.resource.attributes);
  const traced = data.exemplars.find((exemplar: Exemplar) => exemplar.traceId !== null);
  return {
    ...data,
    ...context,
    traceId: traced?.traceId ?? null,
    spanId: traced?.spanId ?? null,
    serviceName: serviceNameOf(data.resource.attributes),
  };
}
