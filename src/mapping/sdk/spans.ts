import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanKind, SpanRecord, StatusCode } from '../../records/types';
import { buildSpanRecord } from '../records';
import { toAttributeMap } from '../values';
import { hrTimeToUnixNano, toResourceInfo, toScopeInfo } from './common';

/** API span kinds are 0–4 in this order. */
const KINDS: SpanKind[] = ['internal', 'server', 'client', 'producer', 'consumer'];
/** API status codes: UNSET 0, OK 1, ERROR 2. */
const STATUS: StatusCode[] = ['unset', 'ok', 'error'];

/** Maps a finished SDK span to a record. Reads the span structurally, so any 2.x SDK works. */
export function spanFromSdk(span: ReadableSpan): SpanRecord {
  const context = span.spanContext();
  return buildSpanRecord({
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    traceState: context.traceState?.serialize() ?? '',
    flags: context.traceFlags,
    name: span.name,
    kind: KINDS[span.kind] ?? 'unspecified',
    startTimeUnixNano: hrTimeToUnixNano(span.startTime),
    endTimeUnixNano: hrTimeToUnixNano(span.endTime),
    statusCode: STATUS[span.status.code] ?? 'unset',
    statusMessage: span.status.message ?? '',
    resource: toResourceInfo(span.resource),
    scope: toScopeInfo(span.instrumentationScope),
    attributes: toAttributeMap(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event) => ({
      timeUnixNano: hrTimeToUnixNano(event.time),
      name: event.name,
      attributes: toAttributeMap(event.attributes),
      droppedAttributesCount: event.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      traceState: link.context.traceState?.serialize() ?? '',
      flags: link.context.traceFlags,
      attributes: toAttributeMap(link.attributes),
      droppedAttributesCount: link.droppedAttributesCount ?? 0,
    })),
    droppedLinksCount: span.droppedLinksCount,
  });
}
