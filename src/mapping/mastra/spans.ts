import {
  CONTEXT_FIELDS,
  SPAN_TYPES,
  type AttributeMap,
  type ContextFieldName,
  type SpanError,
  type SpanRecord,
  type SpanType,
} from '../../records/types';
import { deriveMastraModelFields, usageSumsChildren } from '../agent-fields';
import { buildSpanRecord } from '../records';
import { toAttributeMap, toAttributeValue } from '../values';
import { MASTRA_SCOPE, mastraResource, text, unixNanoOf } from './context';
import type { MastraExportedSpan, MastraSpanErrorInfo } from './types';

const SPAN_TYPE_SET = new Set<string>(SPAN_TYPES);

/**
 * Context fields that Mastra apps put in a span's metadata or request context: all but the entity, which spans carry.
 */
const SPAN_CONTEXT_FIELDS = CONTEXT_FIELDS.filter(
  (field): field is Exclude<ContextFieldName, 'entityType' | 'entityId' | 'entityName'> => !field.startsWith('entity'),
);

function spanError(info: MastraSpanErrorInfo | undefined): SpanError | null {
  if (!info) return null;
  return {
    message: info.message ?? '',
    type: text(info.name) ?? text(info.id) ?? null,
    stack: text(info.stack) ?? null,
  };
}

/**
 * The attributes of a Mastra span: Mastra's `attributes` under their own names, plus what has no
 * field of its own on our record, under `mastra.*`: the whole `errorInfo` (its id, domain, category
 * and details), the `requestContext`, `isEvent`, `isInternal`, and a span type we do not know.
 */
function spanAttributes(span: MastraExportedSpan, spanType: SpanType): AttributeMap {
  const attributes = toAttributeMap(span.attributes as Record<string, unknown> | undefined);
  if (span.errorInfo) attributes['mastra.errorInfo'] = toAttributeValue(span.errorInfo);
  if (span.requestContext && Object.keys(span.requestContext).length > 0) {
    attributes['mastra.requestContext'] = toAttributeValue(span.requestContext);
  }
  if (span.isEvent) attributes['mastra.isEvent'] = true;
  if (span.isInternal) attributes['mastra.isInternal'] = true;
  if (spanType !== span.type) attributes['mastra.span.type'] = span.type;
  return attributes;
}

/** What {@link spanFromMastra} needs beside the span: its service, and whether this copy is of a running span. */
export interface MastraSpanOptions {
  /** The service the span belongs to: the `serviceName` of Mastra's observability config. */
  serviceName: string;
  /**
   * Whether this copy is of a started span that has not ended (`span_started`, `span_updated`): it
   * is stored with its end at its start, and `running`.
   */
  running: boolean;
}

/**
 * Maps a Mastra span to a record. Mastra's span type, entity, input, output, error, tags and
 * metadata pass through; model, provider and tokens come from its model attributes; the context
 * fields from its metadata, then its request context. An event span (`isEvent`) has no end time and
 * is stored with zero duration. A root span under an OpenTelemetry span (`externalParentSpanId`)
 * names that span as its parent, so that both are one tree.
 *
 * @example
 * ```ts
 * const running = event.type !== 'span_ended';
 * const record = spanFromMastra(event.exportedSpan, { serviceName: 'weather-app', running });
 * ```
 */
export function spanFromMastra(span: MastraExportedSpan, options: MastraSpanOptions): SpanRecord {
  const spanType: SpanType = SPAN_TYPE_SET.has(span.type) ? (span.type as SpanType) : 'generic';
  const start = unixNanoOf(span.startTime);
  const end = options.running || !span.endTime ? start : unixNanoOf(span.endTime);
  const attributes = spanAttributes(span, spanType);
  const error = spanError(span.errorInfo);
  const metadata = span.metadata ?? {};
  const requestContext = span.requestContext ?? {};
  const context: Partial<Record<(typeof SPAN_CONTEXT_FIELDS)[number], string>> = {};
  for (const field of SPAN_CONTEXT_FIELDS) {
    const value = text(metadata[field]) ?? text(requestContext[field]);
    if (value !== undefined) context[field] = value;
  }
  return buildSpanRecord(
    {
      traceId: span.traceId,
      spanId: span.id,
      parentSpanId: text(span.parentSpanId) ?? text(span.externalParentSpanId) ?? null,
      traceState: '',
      // Sampled: Mastra exports only the spans it samples.
      flags: 1,
      name: span.name,
      kind: 'internal',
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      statusCode: error ? 'error' : options.running ? 'unset' : 'ok',
      statusMessage: error?.message ?? '',
      resource: mastraResource(options.serviceName),
      scope: MASTRA_SCOPE,
      attributes,
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
    },
    {
      running: options.running,
      origin: 'mastra',
      error,
      spanType,
      entityType: text(span.entityType),
      entityId: text(span.entityId),
      entityName: text(span.entityName),
      ...context,
      tags: span.tags ?? [],
      metadata: toAttributeMap(metadata),
      input: span.input === undefined ? null : toAttributeValue(span.input),
      output: span.output === undefined ? null : toAttributeValue(span.output),
      usageIncludesChildren: usageSumsChildren(spanType, 'mastra'),
      ...deriveMastraModelFields(attributes),
    },
  );
}
