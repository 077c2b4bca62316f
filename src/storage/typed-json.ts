import type { AttributeMap, AttributeValue } from '../records/types';

/**
 * Typed JSON: how stores keep attribute values exact in a JSON column.
 *
 * The common values are plain JSON, so that SQL can filter on them directly:
 * strings, booleans, `null`, arrays, ints that fit in a double exactly (`200`), and doubles with a
 * fraction (`1.5`). The rest carry a one-key tag object:
 * - `{"$int":"9007199254740993"}`: an int64 beyond ±2^53;
 * - `{"$double":2}`, `{"$double":"NaN"}`, `{"$double":"-0"}`: a double with no fraction, or not finite;
 * - `{"$bytes":"AAEC"}`: bytes, base64;
 * - `{"$map":{…}}`: a nested map (the top level of an attribute map is a plain object).
 *
 * So a plain JSON number with no fraction is always an int, and one with a fraction is always a double.
 */

/** Node's `Buffer`, where there is one: the viewer decodes records with this file in the browser. */
interface NodeBytes extends Uint8Array {
  toString(encoding?: 'base64'): string;
}
const NodeBuffer = (
  globalThis as unknown as {
    Buffer?: {
      from(data: ArrayBufferLike, offset: number, length: number): NodeBytes;
      from(text: string, encoding: 'base64'): NodeBytes;
    };
  }
).Buffer;

/** Base64 of bytes: Buffer in Node (several times faster), `btoa` in a browser. */
function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Bytes of valid base64: Buffer in Node, `atob` in a browser. */
function fromBase64(text: string): Uint8Array {
  if (NodeBuffer) {
    const bytes = NodeBuffer.from(text, 'base64');
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

const keyCache = new Map<string, string>();
const KEY_CACHE_LIMIT = 10_000;

/** Attribute keys repeat across records, so their quoted forms are cached. */
function quotedKey(key: string): string {
  let quoted = keyCache.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key) + ':';
    if (keyCache.size < KEY_CACHE_LIMIT) keyCache.set(key, quoted);
  }
  return quoted;
}

function encodeDouble(value: number): string {
  if (Number.isFinite(value) && !Number.isInteger(value)) return JSON.stringify(value);
  if (Object.is(value, -0)) return '{"$double":"-0"}';
  return Number.isFinite(value) ? `{"$double":${value}}` : `{"$double":"${value}"}`;
}

function encodeValue(value: AttributeValue): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value >= -9007199254740991n && value <= 9007199254740991n ? String(value) : `{"$int":"${value}"}`;
    case 'number':
      return encodeDouble(value);
    default:
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return `{"$bytes":"${toBase64(value)}"}`;
      if (Array.isArray(value)) return `[${value.map(encodeValue).join(',')}]`;
      return `{"$map":${encodeTypedMap(value)}}`;
  }
}

/**
 * Encodes an attribute map as typed JSON; `substitute` may give the JSON of a top-level value instead.
 *
 * @example
 * ```ts
 * encodeTypedMap({ 'http.status_code': 200n, ratio: 1.5, retries: 2, tags: ['a'] });
 * // '{"http.status_code":200,"ratio":1.5,"retries":{"$double":2},"tags":["a"]}'
 * ```
 */
export function encodeTypedMap(map: AttributeMap, substitute?: (value: AttributeValue) => string | undefined): string {
  let out = '{';
  let first = true;
  for (const key in map) {
    const value = map[key]!;
    out += (first ? '' : ',') + quotedKey(key) + (substitute?.(value) ?? encodeValue(value));
    first = false;
  }
  return out + '}';
}

/**
 * Encodes one attribute value as typed JSON.
 *
 * @example
 * ```ts
 * encodeTypedValue(9007199254740993n); // '{"$int":"9007199254740993"}'
 * encodeTypedValue(new Uint8Array([0, 1, 2])); // '{"$bytes":"AAEC"}'
 * ```
 */
export function encodeTypedValue(value: AttributeValue): string {
  return encodeValue(value);
}

// Strict, because typed JSON also comes from clients (the HTTP API): BigInt() would take "0x1f" and
// " 7 ", Number() turns any text into NaN, and base64 decoding skips characters it does not know.
const DECIMAL_INT = /^-?\d+$/;
const SPECIAL_DOUBLES = new Map<unknown, number>([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeTagged(object: Record<string, unknown>): AttributeValue {
  const keys = Object.keys(object);
  if (keys.length === 1) {
    const tag = keys[0]!;
    const inner = object[tag];
    if (tag === '$int' && typeof inner === 'string' && DECIMAL_INT.test(inner)) return BigInt(inner);
    if (tag === '$double' && typeof inner === 'number') return inner;
    if (tag === '$double' && SPECIAL_DOUBLES.has(inner)) return SPECIAL_DOUBLES.get(inner)!;
    if (tag === '$bytes' && typeof inner === 'string' && BASE64.test(inner)) return fromBase64(inner);
    if (tag === '$map' && inner !== null && typeof inner === 'object' && !Array.isArray(inner))
      return reviveTypedMap(inner as Record<string, unknown>);
  }
  throw new TypeError(`not a typed JSON value: ${JSON.stringify(object)}`);
}

/** Decodes a typed JSON value that `JSON.parse` already read. */
export function reviveTypedValue(value: unknown): AttributeValue {
  switch (typeof value) {
    case 'number':
      if (!Number.isInteger(value)) return value;
      // JSON.parse has already rounded a plain integer beyond 2^53: it must come as {"$int":"…"}.
      if (!Number.isSafeInteger(value))
        throw new TypeError(`the integer ${value} is beyond ±2^53; write it as {"$int":"<decimal>"}`);
      return BigInt(value);
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(reviveTypedValue);
      return decodeTagged(value as Record<string, unknown>);
    default:
      return value as string | boolean;
  }
}

/** Decodes a typed JSON map that `JSON.parse` already read. */
export function reviveTypedMap(object: Record<string, unknown>): AttributeMap {
  const map: AttributeMap = {};
  for (const key in object) map[key] = reviveTypedValue(object[key]);
  return map;
}

/**
 * Decodes typed JSON made by {@link encodeTypedMap}; a tag it does not know is a `TypeError`.
 *
 * @example
 * ```ts
 * decodeTypedMap('{"status":200,"ratio":1.5,"retries":{"$double":2}}');
 * // { status: 200n, ratio: 1.5, retries: 2 }: ints as bigint, doubles as number
 * ```
 */
export function decodeTypedMap(json: string): AttributeMap {
  return reviveTypedMap(JSON.parse(json) as Record<string, unknown>);
}

/**
 * Decodes typed JSON made by {@link encodeTypedValue}.
 *
 * @example
 * ```ts
 * decodeTypedValue('{"$int":"9007199254740993"}'); // 9007199254740993n
 * ```
 */
export function decodeTypedValue(json: string): AttributeValue {
  return reviveTypedValue(JSON.parse(json));
}
