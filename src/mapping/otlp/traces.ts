import type { AttributeMap, ResourceInfo, ScopeInfo, SpanEvent, SpanLink, SpanRecord } from '../../records/types';
import { buildSpanRecord, type SpanData } from '../records';
import { checkSpanIds, spanKindOf, spanLabel, statusCodeOf, type DecodeMeter, type DecodeResult } from './assembly';
import { decodeExportRequest, readKeyValue, type SignalDecoder } from './common';
import { I32, I64, LEN, VARINT, tag, type WireReader } from './wire';

// Span (opentelemetry.proto.trace.v1)
const SPAN_TRACE_ID = tag(1, LEN);
const SPAN_SPAN_ID = tag(2, LEN);
const SPAN_TRACE_STATE = tag(3, LEN);
const SPAN_PARENT_SPAN_ID = tag(4, LEN);
const SPAN_NAME = tag(5, LEN);
const SPAN_KIND = tag(6, VARINT);
const SPAN_START_TIME = tag(7, I64); // fixed64 ns
const SPAN_END_TIME = tag(8, I64); // fixed64 ns
const SPAN_ATTRIBUTES = tag(9, LEN); // KeyValue
const SPAN_DROPPED_ATTRIBUTES_COUNT = tag(10, VARINT);
const SPAN_EVENTS = tag(11, LEN); // Span.Event
const SPAN_DROPPED_EVENTS_COUNT = tag(12, VARINT);
const SPAN_LINKS = tag(13, LEN); // Span.Link
const SPAN_DROPPED_LINKS_COUNT = tag(14, VARINT);
const SPAN_STATUS = tag(15, LEN); // Status
const SPAN_FLAGS = tag(16, I32); // fixed32
// Span.Event
const EVENT_TIME = tag(1, I64);
const EVENT_NAME = tag(2, LEN);
const EVENT_ATTRIBUTES = tag(3, LEN);
const EVENT_DROPPED_ATTRIBUTES_COUNT = tag(4, VARINT);
// Span.Link
const LINK_TRACE_ID = tag(1, LEN);
const LINK_SPAN_ID = tag(2, LEN);
const LINK_TRACE_STATE = tag(3, LEN);
const LINK_ATTRIBUTES = tag(4, LEN);
const LINK_DROPPED_ATTRIBUTES_COUNT = tag(5, VARINT);
const LINK_FLAGS = tag(6, I32);
// Status (field 1 is reserved)
const STATUS_MESSAGE = tag(2, LEN);
const STATUS_CODE = tag(3, VARINT);

const SPANS: SignalDecoder<SpanData, SpanRecord> = {
  signal: 'traces',
  resourceGroups: 'resourceSpans',
  scopeGroups: 'scopeSpans',
  readItem(reader, end, resource, scope, out, collector, location, index) {
    const span = readSpan(reader, end, resource, scope);
    const problem = checkSpanIds(span);
    if (problem === null) {
      collector.expect();
      out.push(span);
    } else collector.reject(spanLabel(span.name, `${location}.spans[${index}]`), problem);
  },
  build: buildSpanRecord,
  rebuild: buildSpanRecord,
};

/** Decodes a protobuf `ExportTraceServiceRequest`. */
export function decodeTracesProtobuf(body: Uint8Array, meter?: DecodeMeter): DecodeResult<SpanRecord> {
  return decodeExportRequest(body, SPANS, meter);
}

function readSpan(reader: WireReader, end: number, resource: ResourceInfo, scope: ScopeInfo): SpanData {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let parentSpanId = '';
  let flags = 0;
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  let droppedAttributesCount = 0;
  let droppedEventsCount = 0;
  let droppedLinksCount = 0;
  let statusCode = 0;
  let statusMessage = '';
  const attributes: AttributeMap = {};
  const events: SpanEvent[] = [];
  const links: SpanLink[] = [];
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case SPAN_TRACE_ID:
        traceId = reader.hex(end);
        break;
      case SPAN_SPAN_ID:
        spanId = reader.hex(end);
        break;
      case SPAN_TRACE_STATE:
        traceState = reader.string(end);
        break;
      case SPAN_PARENT_SPAN_ID:
        parentSpanId = reader.hex(end);
        break;
      case SPAN_NAME:
        name = reader.string(end);
        break;
      case SPAN_KIND:
        kind = reader.uint32();
        break;
      case SPAN_START_TIME:
        startTimeUnixNano = reader.fixed64();
        break;
      case SPAN_END_TIME:
        endTimeUnixNano = reader.fixed64();
        break;
      case SPAN_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), attributes);
        break;
      case SPAN_DROPPED_ATTRIBUTES_COUNT:
        droppedAttributesCount = reader.uint32();
        break;
      case SPAN_EVENTS:
        events.push(readEvent(reader, reader.end(end)));
        break;
      case SPAN_DROPPED_EVENTS_COUNT:
        droppedEventsCount = reader.uint32();
        break;
      case SPAN_LINKS:
        links.push(readLink(reader, reader.end(end)));
        break;
      case SPAN_DROPPED_LINKS_COUNT:
        droppedLinksCount = reader.uint32();
        break;
      case SPAN_STATUS: {
        // Read in place rather than into an object; a repeated status merges into the earlier one.
        const statusEnd = reader.end(end);
        while (reader.pos < statusEnd) {
          const statusField = reader.tag();
          if (statusField === STATUS_MESSAGE) statusMessage = reader.string(statusEnd);
          else if (statusField === STATUS_CODE) statusCode = reader.uint32();
          else reader.skip(statusField, statusEnd);
        }
        reader.finish(statusEnd);
        break;
      }
      case SPAN_FLAGS:
        flags = reader.fixed32();
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState,
    flags,
    name,
    kind: spanKindOf(kind),
    startTimeUnixNano,
    endTimeUnixNano,
    statusCode: statusCodeOf(statusCode),
    statusMessage,
    resource,
    scope,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
  };
}

function readEvent(reader: WireReader, end: number): SpanEvent {
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: {}, droppedAttributesCount: 0 };
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case EVENT_TIME:
        event.timeUnixNano = reader.fixed64();
        break;
      case EVENT_NAME:
        event.name = reader.string(end);
        break;
      case EVENT_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), event.attributes);
        break;
      case EVENT_DROPPED_ATTRIBUTES_COUNT:
        event.droppedAttributesCount = reader.uint32();
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
  return event;
}

function readLink(reader: WireReader, end: number): SpanLink {
  const link: SpanLink = {
    traceId: '',
    spanId: '',
    traceState: '',
    flags: 0,
    attributes: {},
    droppedAttributesCount: 0,
  };
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case LINK_TRACE_ID:
        link.traceId = reader.hex(end);
        break;
      case LINK_SPAN_ID:
        link.spanId = reader.hex(end);
        break;
      case LINK_TRACE_STATE:
        link.traceState = reader.string(end);
        break;
      case LINK_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), link.attributes);
        break;
      case LINK_DROPPED_ATTRIBUTES_COUNT:
        link.droppedAttributesCount = reader.uint32();
        break;
      case LINK_FLAGS:
        link.flags = reader.fixed32();
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
  return link;
}
