import { INT64_MAX, INT64_MIN, isInt64Number } from '../../records/primitives';
import type { AttributeMap, AttributeValue, ResourceInfo, ScopeInfo } from '../../records/types';
import { MAX_VALUE_DEPTH, RecordCollector, newResource, newScope, setAttribute, type DecodeResult } from './assembly';
import { OtlpDecodeError, type OtlpSignal } from './errors';

/**
 * Readers for OTLP/JSON (protobuf's JSON mapping with OTLP's exceptions): values come out of
 * `JSON.parse`, and each reader checks the JSON type it gets. Messages are read by looping over their
 * keys, so that lowerCamelCase and the proto's snake_case names both work and unknown keys are
 * skipped. A `null` member means the field's default, as in protobuf's JSON mapping.
 *
 * A value of the wrong JSON type throws a {@link JsonShapeError} that names its key; each enclosing
 * reader adds its own key on the way out, so that the error names the whole path.
 */

export type JsonObject = { [key: string]: unknown };

/** A structural problem in an OTLP/JSON body, with the path to it, innermost segment last. */
class JsonShapeError extends Error {
  readonly segments: string[];

  constructor(segment: string, problem: string) {
    super(problem);
    this.segments = segment === '' ? [] : [segment];
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

function shapeError(key: string, expected: string, value: unknown): JsonShapeError {
  return new JsonShapeError(key, `expected ${expected}, got ${typeName(value)}`);
}

function within(error: unknown, segment: string): unknown {
  if (error instanceof JsonShapeError) error.segments.unshift(segment);
  return error;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a nested message; errors inside it are placed under `key`. */
export function inObject<T>(value: unknown, key: string, read: (object: JsonObject) => T): T {
  try {
    if (!isObject(value)) throw shapeError('', 'an object', value);
    return read(value);
  } catch (error) {
    throw within(error, key);
  }
}

/** Reads each message of a repeated field; errors inside one are placed under `key[index]`. */
export function eachObject(value: unknown, key: string, visit: (item: JsonObject, index: number) => void): void {
  if (!Array.isArray(value)) throw shapeError(key, 'an array', value);
  for (let index = 0; index < value.length; index++) {
    try {
      const item: unknown = value[index];
      if (!isObject(item)) throw shapeError('', 'an object', item);
      visit(item, index);
    } catch (error) {
      throw within(error, `${key}[${index}]`);
    }
  }
}

/** Reads each scalar of a repeated field. */
export function eachScalar<T>(value: unknown, key: string, read: (item: unknown, key: string) => T, into: T[]): void {
  if (!Array.isArray(value)) throw shapeError(key, 'an array', value);
  for (let index = 0; index < value.length; index++) into.push(read(value[index], `${key}[${index}]`));
}

/** A member by its lowerCamelCase or its proto name; `undefined` when absent or `null`. */
function member(object: JsonObject, camelName: string, protoName: string): unknown {
  return object[camelName] ?? object[protoName] ?? undefined;
}

export function string(value: unknown, key: string): string {
  if (typeof value !== 'string') throw shapeError(key, 'a string', value);
  return value;
}

export function boolean(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean') throw shapeError(key, 'true or false', value);
  return value;
}

const INTEGER = /^-?\d+$/;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A 64-bit integer, exactly when it arrives as a decimal string. One that arrives as a JSON number
 * above 2^53 was already rounded by `JSON.parse`, so OTLP/JSON senders write them as strings.
 */
function bigInteger(value: unknown, key: string, min: bigint, max: bigint): bigint {
  let result: bigint;
  if (typeof value === 'string' && INTEGER.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) result = BigInt(value);
  else throw shapeError(key, 'an integer (a decimal string or a number)', value);
  if (result < min || result > max) throw new JsonShapeError(key, `${result} is out of range`);
  return result;
}

/** An `int64` (intValue, asInt). */
export const int64 = (value: unknown, key: string): bigint => bigInteger(value, key, INT64_MIN, INT64_MAX);

/**
 * An `intValue`. The OpenTelemetry JS JSON serializer writes any integral number as one, even a double
 * beyond int64 such as 1e300, which its protobuf serializer sends as a double: so is it kept here.
 */
function intValue(value: unknown, key: string): bigint | number {
  if (typeof value === 'number' && Number.isInteger(value) && !isInt64Number(value)) return value;
  return int64(value, key);
}

/** A `fixed64` time in nanoseconds. */
export const unsigned64 = (value: unknown, key: string): bigint => bigInteger(value, key, 0n, UINT64_MAX);

/** A `uint64`/`fixed64` count, as a number: exact up to 2^53, which counts do not reach. */
export function count(value: unknown, key: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  return Number(bigInteger(value, key, 0n, UINT64_MAX));
}

function boundedInteger(value: unknown, key: string, min: number, max: number): number {
  const result = typeof value === 'string' && INTEGER.test(value) ? Number(value) : value;
  if (typeof result !== 'number' || !Number.isInteger(result)) throw shapeError(key, 'an integer', value);
  if (result < min || result > max) throw new JsonShapeError(key, `${result} is out of range`);
  return result;
}

/** A `uint32` or `fixed32` (dropped counts, flags). */
export const uint32 = (value: unknown, key: string): number => boundedInteger(value, key, 0, 0xffff_ffff);
/** An `int32` or `sint32` (scale, bucket offset). */
export const int32 = (value: unknown, key: string): number => boundedInteger(value, key, -0x8000_0000, 0x7fff_ffff);

const SPECIAL_DOUBLES: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A double: a number, or a string holding `NaN`, `Infinity`, `-Infinity` or a decimal number. */
export function double(value: unknown, key: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const special = SPECIAL_DOUBLES[value];
    if (special !== undefined) return special;
    if (DECIMAL.test(value)) return Number(value);
  }
  throw shapeError(key, 'a number', value);
}

/**
 * An enum, as its number or, leniently, its name. A name this version does not know reads as 0,
 * the UNSPECIFIED member, as an unknown number does when it is mapped.
 */
export function enumNumber(value: unknown, key: string, names: readonly string[]): number {
  if (typeof value === 'string' && !INTEGER.test(value)) {
    const index = names.indexOf(value);
    return index < 0 ? 0 : index;
  }
  return boundedInteger(value, key, -0x8000_0000, 0x7fff_ffff);
}

const HEX = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id. OTLP/JSON writes them in hex, unlike other bytes. Returns lowercase hex, which
 * the id checks in `assembly` then judge; a string that is not hex at all is kept for them to reject.
 */
export function hexId(value: unknown, key: string): string {
  const text = string(value, key);
  return HEX.test(text) ? text.toLowerCase() : text;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** A `bytes` value: base64, standard or URL-safe, as protobuf's JSON mapping accepts. */
export function bytes(value: unknown, key: string): Uint8Array {
  const text = string(value, key);
  if (!BASE64.test(text)) throw new JsonShapeError(key, 'expected base64');
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** An AnyValue; one with no value set is `null`. */
export function anyValue(value: unknown, depth: number): AttributeValue {
  if (depth > MAX_VALUE_DEPTH) throw new JsonShapeError('', `AnyValue nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (!isObject(value)) throw shapeError('', 'an object', value);
  let result: AttributeValue = null;
  for (const key in value) {
    const inner = value[key];
    if (inner === null) continue;
    switch (key) {
      case 'stringValue':
      case 'string_value':
        result = string(inner, key);
        break;
      case 'boolValue':
      case 'bool_value':
        result = boolean(inner, key);
        break;
      case 'intValue':
      case 'int_value':
        result = intValue(inner, key);
        break;
      case 'doubleValue':
      case 'double_value':
        result = double(inner, key);
        break;
      case 'arrayValue':
      case 'array_value':
        result = inObject(inner, key, (array) => {
          const values: AttributeValue[] = [];
          const list = array.values;
          if (list !== undefined && list !== null) {
            if (!Array.isArray(list)) throw shapeError('values', 'an array', list);
            for (let index = 0; index < list.length; index++) {
              try {
                values.push(anyValue(list[index], depth + 1));
              } catch (error) {
                throw within(error, `values[${index}]`);
              }
            }
          }
          return values;
        });
        break;
      case 'kvlistValue':
      case 'kvlist_value':
        result = inObject(inner, key, (list) => {
          const map: AttributeMap = {};
          if (list.values !== undefined && list.values !== null) attributes(list.values, 'values', map, depth + 1);
          return map;
        });
        break;
      case 'bytesValue':
      case 'bytes_value':
        result = bytes(inner, key);
        break;
      default:
        break;
    }
  }
  return result;
}

/** A repeated KeyValue field, added to `into`. */
export function attributes(value: unknown, key: string, into: AttributeMap, depth = 0): void {
  eachObject(value, key, (keyValue) => {
    let name = '';
    let attribute: AttributeValue = null;
    for (const field in keyValue) {
      const inner = keyValue[field];
      if (inner === null) continue;
      if (field === 'key') name = string(inner, field);
      else if (field === 'value') {
        try {
          attribute = anyValue(inner, depth);
        } catch (error) {
          throw within(error, field);
        }
      }
    }
    setAttribute(into, name, attribute);
  });
}

function readResource(value: unknown, key: string, resource: ResourceInfo): void {
  inObject(value, key, (object) => {
    for (const field in object) {
      const inner = object[field];
      if (inner === null) continue;
      if (field === 'attributes') attributes(inner, field, resource.attributes);
      else if (field === 'droppedAttributesCount' || field === 'dropped_attributes_count')
        resource.droppedAttributesCount = uint32(inner, field);
    }
  });
}

function readScope(value: unknown, key: string, scope: ScopeInfo): void {
  inObject(value, key, (object) => {
    for (const field in object) {
      const inner = object[field];
      if (inner === null) continue;
      switch (field) {
        case 'name':
          scope.name = string(inner, field);
          break;
        case 'version':
          scope.version = string(inner, field);
          break;
        case 'attributes':
          attributes(inner, field, scope.attributes);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          scope.droppedAttributesCount = uint32(inner, field);
          break;
        default:
          break;
      }
    }
  });
}

/** A repeated field's JSON name and proto name. */
type FieldNames = readonly [camelName: string, protoName: string];

/** How one signal's items are read from OTLP/JSON and turned into records. */
export interface JsonSignalDecoder<R> {
  signal: OtlpSignal;
  resourceGroups: FieldNames;
  scopeGroups: FieldNames;
  items: FieldNames;
  /**
   * Reads one item and adds its records to `collector`, or rejects what cannot become one, naming it by `location()`.
   */
  readItem(
    item: JsonObject,
    resource: ResourceInfo,
    scope: ScopeInfo,
    collector: RecordCollector<R>,
    location: () => string,
  ): void;
}

/**
 * Decodes an OTLP/JSON export request. Every Resource* and Scope* object gets one ResourceInfo or
 * ScopeInfo, shared by all of its records.
 */
export function decodeJsonRequest<R>(body: Uint8Array, decoder: JsonSignalDecoder<R>): DecodeResult<R> {
  const root = parseBody(body, decoder.signal);
  const collector = new RecordCollector<R>();
  const [resourceGroups, resourceGroupsProto] = decoder.resourceGroups;
  const [scopeGroups, scopeGroupsProto] = decoder.scopeGroups;
  const [items, itemsProto] = decoder.items;
  try {
    const groups = member(root, resourceGroups, resourceGroupsProto);
    if (groups === undefined) return collector.finish();
    eachObject(groups, resourceGroups, (group, groupIndex) => {
      const resource = newResource();
      const resourceValue = member(group, 'resource', 'resource');
      if (resourceValue !== undefined) readResource(resourceValue, 'resource', resource);
      const schemaUrl = member(group, 'schemaUrl', 'schema_url');
      if (schemaUrl !== undefined) resource.schemaUrl = string(schemaUrl, 'schemaUrl');
      const scopes = member(group, scopeGroups, scopeGroupsProto);
      if (scopes === undefined) return;
      eachObject(scopes, scopeGroups, (scopeGroup, scopeIndex) => {
        const scope = newScope();
        const scopeValue = member(scopeGroup, 'scope', 'scope');
        if (scopeValue !== undefined) readScope(scopeValue, 'scope', scope);
        const scopeSchemaUrl = member(scopeGroup, 'schemaUrl', 'schema_url');
        if (scopeSchemaUrl !== undefined) scope.schemaUrl = string(scopeSchemaUrl, 'schemaUrl');
        const list = member(scopeGroup, items, itemsProto);
        if (list === undefined) return;
        eachObject(list, items, (item, itemIndex) =>
          decoder.readItem(
            item,
            resource,
            scope,
            collector,
            () => `${resourceGroups}[${groupIndex}].${scopeGroups}[${scopeIndex}].${items}[${itemIndex}]`,
          ),
        );
      });
    });
  } catch (error) {
    if (error instanceof JsonShapeError)
      throw new OtlpDecodeError('json', decoder.signal, formatPath(error.segments), error.message);
    throw error;
  }
  return collector.finish();
}

function formatPath(segments: readonly string[]): string {
  return segments.join('.');
}

/**
 * The deepest nesting an OTLP/JSON request needs: twelve levels from the request to an attribute's
 * AnyValue (request, resourceSpans, ResourceSpans, scopeSpans, ScopeSpans, spans, Span, events,
 * Event, attributes, KeyValue, AnyValue), then four for each nested map (kvlistValue, values,
 * KeyValue, AnyValue), as deep as an AnyValue may nest.
 */
export const MAX_JSON_DEPTH = 12 + 4 * (MAX_VALUE_DEPTH + 1);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The offset of the first bracket that nests deeper than `limit`, or -1. A scan of the bytes,
 * strings skipped, in linear time and no memory: `JSON.parse` builds every level before the decoder
 * could skip it, and took 0.6–0.8 s for a 2 MB body nested a million levels deep.
 */
export function tooDeepAt(body: Uint8Array, limit: number): number {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (byte === QUOTE) {
      for (i++; i < body.length && body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return i;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return -1;
}

function parseBody(body: Uint8Array, signal: OtlpSignal): JsonObject {
  const deep = tooDeepAt(body, MAX_JSON_DEPTH);
  if (deep >= 0) {
    throw new OtlpDecodeError('json', signal, '', `nested deeper than ${MAX_JSON_DEPTH} levels at byte ${deep}`);
  }
  let text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError('json', signal, '', `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(root))
    throw new OtlpDecodeError('json', signal, '', `expected an object at the top level, got ${typeName(root)}`);
  return root;
}
