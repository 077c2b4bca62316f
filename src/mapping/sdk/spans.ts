import type { SpanKind, SpanRecord, StatusCode } from '../../records/types';
import { buildSpanRecord } from '../records';
import { toAttributeMap } from '../values';
import { hrTimeToUnixNano, toResourceInfo, toScopeInfo } from './common';
import type { SdkReadableSpan } from './types';

/** API span kinds are 0–4 in this order. */
const KINDS: SpanKind[] = ['internal', 'server', 'client', 'producer', 'consumer'];
/** API status codes: UNSET 0, OK 1, ERROR 2. */
const STATUS: StatusCode[] = ['unset', 'ok', 'error'];

/**
 * OTLP span and link flags: the W3C trace flags in bits 0–7 and, since OTLP 1.3, whether the parent
 * (or linked) context is remote in bits 8–9, as the SDK's own OTLP exporters send them, so that a
 * span stores the same flags whether it came in process or over OTLP.
 */
function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);
}

/**
 * Maps a finished SDK span to a record. Reads the span structurally, so the 2.x and 3.x SDKs both work.
 *
 * @example
 * ```ts
 * const memory = new InMemorySpanExporter();
 * // … after a provider with a SimpleSpanProcessor over `memory` ended some spans:
 * const spans = memory.getFinishedSpans().map(spanFromSdk);
 * await store.batchCreateSpans({ spans });
 * ```
 */
export function spanFromSdk(span: SdkReadableSpan): SpanRecord {
  const context = span.spanContext();
  return buildSpanRecord({
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    traceState: context.traceState?.serialize() ?? '',
    flags: spanFlags(context.traceFlags, span.parentSpanContext?.isRemote),
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
      flags: spanFlags(link.context.traceFlags, link.context.isRemote),
      attributes: toAttributeMap(link.attributes),
      droppedAttributesCount: link.droppedAttributesCount ?? 0,
    })),
    droppedLinksCount: span.droppedLinksCount,
  });
}
