import type { AttributeMap, AttributeValue, ResourceInfo, ScopeInfo } from '../../records/types';
import {
  MAX_VALUE_DEPTH,
  RecordCollector,
  newResource,
  newScope,
  setAttribute,
  type DecodeMeter,
  type DecodeResult,
} from './assembly';
import type { OtlpSignal } from './errors';
import { I64, LEN, VARINT, WireReader, tag } from './wire';

/**
 * Protobuf readers for the messages of opentelemetry.proto.common.v1 and resource.v1. Each reads one
 * message that ends at `end` (from {@link WireReader.end}) and skips fields it does not know.
 */

// AnyValue: a oneof, one field per value type.
const ANY_STRING = tag(1, LEN);
const ANY_BOOL = tag(2, VARINT);
const ANY_INT = tag(3, VARINT); // int64
const ANY_DOUBLE = tag(4, I64);
const ANY_ARRAY = tag(5, LEN); // ArrayValue
const ANY_KVLIST = tag(6, LEN); // KeyValueList
const ANY_BYTES = tag(7, LEN);
// ArrayValue.values (AnyValue) and KeyValueList.values (KeyValue) are both field 1.
const LIST_VALUES = tag(1, LEN);
// KeyValue
const KEY_VALUE_KEY = tag(1, LEN);
const KEY_VALUE_VALUE = tag(2, LEN); // AnyValue
// Resource (field 3, entity_refs, is not stored)
const RESOURCE_ATTRIBUTES = tag(1, LEN); // KeyValue
const RESOURCE_DROPPED_ATTRIBUTES_COUNT = tag(2, VARINT);
// InstrumentationScope
const SCOPE_NAME = tag(1, LEN);
const SCOPE_VERSION = tag(2, LEN);
const SCOPE_ATTRIBUTES = tag(3, LEN); // KeyValue
const SCOPE_DROPPED_ATTRIBUTES_COUNT = tag(4, VARINT);

/** An AnyValue; one with no value set is `null`. */
export function readAnyValue(reader: WireReader, end: number, depth: number): AttributeValue {
  if (depth > MAX_VALUE_DEPTH) reader.fail(reader.pos, `AnyValue nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let value: AttributeValue = null;
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case ANY_STRING:
        // Attribute values recur too (methods, routes, model names); long ones are not cached.
        value = reader.recurringString(end);
        break;
      case ANY_BOOL:
        value = reader.bool();
        break;
      case ANY_INT:
        value = reader.int64();
        break;
      case ANY_DOUBLE:
        value = reader.double();
        break;
      case ANY_ARRAY:
        value = readArrayValue(reader, reader.end(end), depth + 1);
        break;
      case ANY_KVLIST: {
        const map: AttributeMap = {};
        readKeyValueList(reader, reader.end(end), map, depth + 1);
        value = map;
        break;
      }
      case ANY_BYTES:
        value = reader.bytes(end);
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
  return value;
}

function readArrayValue(reader: WireReader, end: number, depth: number): AttributeValue[] {
  const values: AttributeValue[] = [];
  while (reader.pos < end) {
    const field = reader.tag();
    if (field === LIST_VALUES) values.push(readAnyValue(reader, reader.end(end), depth));
    else reader.skip(field, end);
  }
  reader.finish(end);
  return values;
}

function readKeyValueList(reader: WireReader, end: number, into: AttributeMap, depth: number): void {
  while (reader.pos < end) {
    const field = reader.tag();
    if (field === LIST_VALUES) readKeyValue(reader, reader.end(end), into, depth);
    else reader.skip(field, end);
  }
  reader.finish(end);
}

/** One KeyValue, added to `into`: the repeated `attributes` fields are read one KeyValue at a time. */
export function readKeyValue(reader: WireReader, end: number, into: AttributeMap, depth = 0): void {
  let key = '';
  let value: AttributeValue = null;
  while (reader.pos < end) {
    const field = reader.tag();
    if (field === KEY_VALUE_KEY) key = reader.recurringString(end);
    else if (field === KEY_VALUE_VALUE) value = readAnyValue(reader, reader.end(end), depth);
    else reader.skip(field, end);
  }
  reader.finish(end);
  setAttribute(into, key, value);
}

/** A Resource, read into `resource` (a repeated occurrence merges, as protobuf defines). */
export function readResource(reader: WireReader, end: number, resource: ResourceInfo): void {
  while (reader.pos < end) {
    const field = reader.tag();
    if (field === RESOURCE_ATTRIBUTES) readKeyValue(reader, reader.end(end), resource.attributes);
    else if (field === RESOURCE_DROPPED_ATTRIBUTES_COUNT) resource.droppedAttributesCount = reader.uint32();
    else reader.skip(field, end);
  }
  reader.finish(end);
}

/** An InstrumentationScope, read into `scope`. Its schema URL is a field of the enclosing Scope* message. */
export function readScope(reader: WireReader, end: number, scope: ScopeInfo): void {
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case SCOPE_NAME:
        scope.name = reader.string(end);
        break;
      case SCOPE_VERSION:
        scope.version = reader.string(end);
        break;
      case SCOPE_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), scope.attributes);
        break;
      case SCOPE_DROPPED_ATTRIBUTES_COUNT:
        scope.droppedAttributesCount = reader.uint32();
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
}

// The export requests of all three signals share one layout, field for field:
// Export*ServiceRequest { repeated Resource* = 1 }
// Resource{Spans,Logs,Metrics} { Resource resource = 1; repeated Scope* = 2; string schema_url = 3 }
// Scope{Spans,Logs,Metrics} { InstrumentationScope scope = 1; repeated items = 2; string schema_url = 3 }
const REQUEST_RESOURCE_GROUPS = tag(1, LEN);
const GROUP_HEAD = tag(1, LEN);
const GROUP_ENTRIES = tag(2, LEN);
const GROUP_SCHEMA_URL = tag(3, LEN);

/** How one signal's items are read and turned into records. */
export interface SignalDecoder<D, R> {
  signal: OtlpSignal;
  /** The JSON names of the request's levels, which locations in error messages use. */
  resourceGroups: string;
  scopeGroups: string;
  /**
   * Reads one item (a Span, LogRecord or Metric) that ends at `end`. Pushes the data of each record it
   * yields to `out`, and rejects through `collector` what cannot become a record, naming it by
   * `location` (such as `resourceSpans[0].scopeSpans[1]`) and the item's `index` there.
   */
  readItem(
    reader: WireReader,
    end: number,
    resource: ResourceInfo,
    scope: ScopeInfo,
    out: D[],
    collector: RecordCollector<R>,
    location: string,
    index: number,
  ): void;
  build(data: D): R;
  /** Builds a record again from an earlier one, after its resource changed. */
  rebuild: (record: R) => R;
}

/**
 * Decodes a protobuf export request. Every Resource* and Scope* message gets one ResourceInfo or
 * ScopeInfo, shared by all of its records (stores cache encodings by identity).
 */
export function decodeExportRequest<D, R>(
  body: Uint8Array,
  decoder: SignalDecoder<D, R>,
  meter?: DecodeMeter,
): DecodeResult<R> {
  const reader = new WireReader(body, decoder.signal);
  const collector = new RecordCollector<R>(meter);
  const end = reader.length;
  let index = 0;
  while (reader.pos < end) {
    const field = reader.tag();
    if (field === REQUEST_RESOURCE_GROUPS)
      readResourceGroup(reader, reader.end(end), `${decoder.resourceGroups}[${index++}]`, decoder, collector);
    else reader.skip(field, end);
  }
  return collector.finish();
}

/**
 * Records derive fields from their resource's attributes, so they are built once the resource is
 * read: at once when it comes first (as encoders write it, and cheaper, since the item data then dies
 * young), else at the end of the group. Should a repeated resource field merge more attributes into
 * it later, the group's records are built again.
 */
function readResourceGroup<D, R>(
  reader: WireReader,
  end: number,
  location: string,
  decoder: SignalDecoder<D, R>,
  collector: RecordCollector<R>,
): void {
  const resource = newResource();
  const firstRecord = collector.count;
  const pending: D[] = [];
  let resourceRead = false;
  let scopeIndex = 0;
  while (reader.pos < end) {
    const field = reader.tag();
    if (field === GROUP_HEAD) {
      readResource(reader, reader.end(end), resource);
      resourceRead = true;
      collector.rebuildFrom(firstRecord, decoder.rebuild);
    } else if (field === GROUP_ENTRIES) {
      const scopeLocation = `${location}.${decoder.scopeGroups}[${scopeIndex++}]`;
      readScopeGroup(reader, reader.end(end), resource, scopeLocation, decoder, pending, collector, resourceRead);
    } else if (field === GROUP_SCHEMA_URL) resource.schemaUrl = reader.string(end);
    else reader.skip(field, end);
  }
  reader.finish(end);
  buildAll(pending, decoder, collector);
}

function buildAll<D, R>(pending: D[], decoder: SignalDecoder<D, R>, collector: RecordCollector<R>): void {
  for (let index = 0; index < pending.length; index++) collector.add(decoder.build(pending[index]!));
  pending.length = 0;
}

function readScopeGroup<D, R>(
  reader: WireReader,
  end: number,
  resource: ResourceInfo,
  location: string,
  decoder: SignalDecoder<D, R>,
  pending: D[],
  collector: RecordCollector<R>,
  resourceRead: boolean,
): void {
  const scope = newScope();
  let itemIndex = 0;
  while (reader.pos < end) {
    const field = reader.tag();
    if (field === GROUP_HEAD) readScope(reader, reader.end(end), scope);
    else if (field === GROUP_ENTRIES) {
      decoder.readItem(reader, reader.end(end), resource, scope, pending, collector, location, itemIndex++);
      if (resourceRead) buildAll(pending, decoder, collector);
    } else if (field === GROUP_SCHEMA_URL) scope.schemaUrl = reader.string(end);
    else reader.skip(field, end);
  }
  reader.finish(end);
}
