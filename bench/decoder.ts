import { Field, Root, Type } from 'protobufjs';
import { buildSpanRecord } from '../src/mapping/records';
import {
  decodeTraces,
  SPAN_KINDS,
  STATUS_CODES,
  type AttributeMap,
  type AttributeValue,
  type OtlpEncoding,
  type SpanRecord,
} from '../src';

/** The decoder alone: OTLP bodies to records, with nothing else running. */
export function decodeRate(bodies: Buffer[], encoding: OtlpEncoding, minSeconds = 2): number {
  for (const body of bodies) decodeTraces(body, encoding);
  let spans = 0;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000)
    for (const body of bodies) spans += decodeTraces(body, encoding).records.length;
  return spans / ((performance.now() - start) / 1000);
}

/**
 * The library alternative, for comparison: protobufjs decoding the same bodies, with message
 * definitions written here from OTLP's field numbers, then its messages converted to records
 * through the same builder our decoder uses.
 */
function protobufjsRequestType(): Type {
  const type = (name: string, fields: [string, number, string, ('repeated' | undefined)?][]) => {
    const message = new Type(name);
    for (const [field, id, kind, rule] of fields) message.add(new Field(field, id, kind, rule));
    return message;
  };
  const root = new Root();
  root.add(
    type('AnyValue', [
      ['stringValue', 1, 'string'],
      ['boolValue', 2, 'bool'],
      ['intValue', 3, 'int64'],
      ['doubleValue', 4, 'double'],
      ['arrayValue', 5, 'ArrayValue'],
      ['kvlistValue', 6, 'KeyValueList'],
      ['bytesValue', 7, 'bytes'],
    ]),
  );
  root.add(type('ArrayValue', [['values', 1, 'AnyValue', 'repeated']]));
  root.add(type('KeyValueList', [['values', 1, 'KeyValue', 'repeated']]));
  root.add(
    type('KeyValue', [
      ['key', 1, 'string'],
      ['value', 2, 'AnyValue'],
    ]),
  );
  root.add(
    type('Resource', [
      ['attributes', 1, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 2, 'uint32'],
    ]),
  );
  root.add(
    type('Scope', [
      ['name', 1, 'string'],
      ['version', 2, 'string'],
      ['attributes', 3, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 4, 'uint32'],
    ]),
  );
  root.add(
    type('Event', [
      ['timeUnixNano', 1, 'fixed64'],
      ['name', 2, 'string'],
      ['attributes', 3, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 4, 'uint32'],
    ]),
  );
  root.add(
    type('Link', [
      ['traceId', 1, 'bytes'],
      ['spanId', 2, 'bytes'],
      ['traceState', 3, 'string'],
      ['attributes', 4, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 5, 'uint32'],
      ['flags', 6, 'fixed32'],
    ]),
  );
  root.add(
    type('Status', [
      ['message', 2, 'string'],
      ['code', 3, 'int32'],
    ]),
  );
  root.add(
    type('Span', [
      ['traceId', 1, 'bytes'],
      ['spanId', 2, 'bytes'],
      ['traceState', 3, 'string'],
      ['parentSpanId', 4, 'bytes'],
      ['flags', 16, 'fixed32'],
      ['name', 5, 'string'],
      ['kind', 6, 'int32'],
      ['startTimeUnixNano', 7, 'fixed64'],
      ['endTimeUnixNano', 8, 'fixed64'],
      ['attributes', 9, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 10, 'uint32'],
      ['events', 11, 'Event', 'repeated'],
      ['droppedEventsCount', 12, 'uint32'],
      ['links', 13, 'Link', 'repeated'],
      ['droppedLinksCount', 14, 'uint32'],
      ['status', 15, 'Status'],
    ]),
  );
  root.add(
    type('ScopeSpans', [
      ['scope', 1, 'Scope'],
      ['spans', 2, 'Span', 'repeated'],
      ['schemaUrl', 3, 'string'],
    ]),
  );
  root.add(
    type('ResourceSpans', [
      ['resource', 1, 'Resource'],
      ['scopeSpans', 2, 'ScopeSpans', 'repeated'],
      ['schemaUrl', 3, 'string'],
    ]),
  );
  root.add(type('ExportTraceServiceRequest', [['resourceSpans', 1, 'ResourceSpans', 'repeated']]));
  return root.lookupType('ExportTraceServiceRequest');
}

export function protobufjsDecodeRate(bodies: Buffer[], spansPerBody: number, minSeconds = 2): number {
  const request = protobufjsRequestType();
  for (const body of bodies) request.decode(body);
  let spans = 0;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000) {
    for (const body of bodies) {
      request.decode(body);
      spans += spansPerBody;
    }
  }
  return spans / ((performance.now() - start) / 1000);
}

/* The protobufjs message shapes this comparison reads. */
interface PbLong {
  toString(): string;
}
interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: PbLong | number;
  doubleValue?: number;
  arrayValue?: { values: PbAnyValue[] };
  kvlistValue?: { values: PbKeyValue[] };
  bytesValue?: Uint8Array;
}
interface PbKeyValue {
  key: string;
  value?: PbAnyValue;
}
interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: PbLong | number;
  endTimeUnixNano: PbLong | number;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
  events: { timeUnixNano: PbLong | number; name: string; attributes: PbKeyValue[]; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  links: {
    traceId: Uint8Array;
    spanId: Uint8Array;
    traceState: string;
    flags: number;
    attributes: PbKeyValue[];
    droppedAttributesCount: number;
  }[];
  droppedLinksCount: number;
  status?: { message: string; code: number };
}
interface PbRequest {
  resourceSpans: {
    resource?: { attributes: PbKeyValue[]; droppedAttributesCount: number };
    schemaUrl: string;
    scopeSpans: {
      scope?: { name: string; version: string; attributes: PbKeyValue[]; droppedAttributesCount: number };
      schemaUrl: string;
      spans: PbSpan[];
    }[];
  }[];
}

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const int64 = (value: PbLong | number): bigint => BigInt(value.toString());

function anyValue(value: PbAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return int64(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue) return value.arrayValue.values.map(anyValue);
  if (value.kvlistValue) return attributes(value.kvlistValue.values);
  return null;
}

function attributes(pairs: PbKeyValue[]): AttributeMap {
  const map: AttributeMap = {};
  for (const pair of pairs) map[pair.key] = anyValue(pair.value);
  return map;
}

function toRecords(request: PbRequest): SpanRecord[] {
  const records: SpanRecord[] = [];
  for (const resourceSpans of request.resourceSpans) {
    const resource = {
      attributes: attributes(resourceSpans.resource?.attributes ?? []),
      droppedAttributesCount: resourceSpans.resource?.droppedAttributesCount ?? 0,
      schemaUrl: resourceSpans.schemaUrl,
    };
    for (const scopeSpans of resourceSpans.scopeSpans) {
      const scope = {
        name: scopeSpans.scope?.name ?? '',
        version: scopeSpans.scope?.version ?? '',
        attributes: attributes(scopeSpans.scope?.attributes ?? []),
        droppedAttributesCount: scopeSpans.scope?.droppedAttributesCount ?? 0,
        schemaUrl: scopeSpans.schemaUrl,
      };
      for (const span of scopeSpans.spans) {
        records.push(
          buildSpanRecord({
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: span.parentSpanId.length === 0 ? null : hex(span.parentSpanId),
            traceState: span.traceState,
            flags: span.flags,
            name: span.name,
            kind: SPAN_KINDS[span.kind] ?? 'unspecified',
            startTimeUnixNano: int64(span.startTimeUnixNano),
            endTimeUnixNano: int64(span.endTimeUnixNano),
            statusCode: STATUS_CODES[span.status?.code ?? 0] ?? 'unset',
            statusMessage: span.status?.message ?? '',
            resource,
            scope,
            attributes: attributes(span.attributes),
            droppedAttributesCount: span.droppedAttributesCount,
            events: span.events.map((event) => ({
              timeUnixNano: int64(event.timeUnixNano),
              name: event.name,
              attributes: attributes(event.attributes),
              droppedAttributesCount: event.droppedAttributesCount,
            })),
            droppedEventsCount: span.droppedEventsCount,
            links: span.links.map((link) => ({
              traceId: hex(link.traceId),
              spanId: hex(link.spanId),
              traceState: link.traceState,
              flags: link.flags,
              attributes: attributes(link.attributes),
              droppedAttributesCount: link.droppedAttributesCount,
            })),
            droppedLinksCount: span.droppedLinksCount,
          }),
        );
      }
    }
  }
  return records;
}

/** protobufjs decoding plus the conversion to records that a receiver needs. */
export function protobufjsRecordsRate(bodies: Buffer[], minSeconds = 2): number {
  const request = protobufjsRequestType();
  const decode = (body: Buffer) => toRecords(request.decode(body) as unknown as PbRequest);
  for (const body of bodies) decode(body);
  let spans = 0;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000) for (const body of bodies) spans += decode(body).length;
  return spans / ((performance.now() - start) / 1000);
}
