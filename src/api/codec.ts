import { Kind, type Static, type TSchema } from '@sinclair/typebox';
import { OtelBridgeError } from '../errors';
import { jsonPointer } from '../records/primitives';
import {
  ATTRIBUTE_MAP_KIND,
  ATTRIBUTE_VALUE_KIND,
  BIGINT_RANGE_KINDS,
  DOUBLE_KIND,
  FeedbackRecordSchema,
  LogRecordSchema,
  MetricRecordSchema,
  ScoreRecordSchema,
  SpanRecordSchema,
} from '../records/schemas';
import type { AttributeMap, AttributeValue, RecordOf, Signal } from '../records/types';
import { encodeTypedMap, encodeTypedValue, reviveTypedValue } from '../storage/typed-json';

/**
 * The JSON form of records, for the HTTP API, the CLI's `--json` and the viewer. Lossless:
 *
 * - int64 fields and nanosecond times (`bigint`) are decimal strings: `"1700000000123456789"`; on
 *   input a JSON number is taken too, if it is a safe integer (within ±2^53), since a larger one
 *   was already rounded by the sender's JSON parser;
 * - doubles are JSON numbers; those that JSON cannot write are the strings `"NaN"`, `"Infinity"`,
 *   `"-Infinity"` and `"-0"`;
 * - attribute maps (`attributes`, `metadata`, `resource.attributes`, …) and attribute values
 *   (`input`, `output`, a log's `body`) are typed JSON (see `storage/typed-json.ts`): a plain integer
 *   is an int, `{"$double":2}` a double without a fraction, `{"$int":"…"}` an int beyond ±2^53,
 *   `{"$bytes":"…"}` base64 bytes, `{"$map":{…}}` a nested map; so the int `200`, the double `200`
 *   (`{"$double":200}`) and the string `"200"` stay apart;
 * - everything else (strings, booleans, `null`, counts, arrays, objects) is plain JSON.
 *
 * The codec is derived from the record schemas in `records/schemas.ts`, so a field added there is
 * encoded by these rules without a change here.
 */

/** A problem with one value of a JSON document, by JSON-pointer path. */
export interface CodecIssue {
  path: string;
  message: string;
}

/** A value has a field, or a kind, that its schema does not describe: a programming error. */
export class CodecError extends OtelBridgeError {
  constructor(message: string) {
    super('CODEC', message);
  }
}

/** Encodes values of one schema to JSON text, and reads them back from parsed JSON. */
export interface Codec<T> {
  /** The JSON text of a value. Throws {@link CodecError} on a field that the schema lacks. */
  stringify(value: T): string;
  /**
   * A value from what `JSON.parse` returned, with every problem found: a JSON type that the field
   * cannot hold, malformed typed JSON, an unknown field. Missing fields are left out, and checking
   * ranges and patterns is left to the record validation; so `value` is typed only when `issues` is
   * empty and it was validated.
   */
  parse(json: unknown): { value: T; issues: CodecIssue[] };
}

interface Node {
  /** What this schema expects, for messages. */
  expected: string;
  encode(value: unknown): string;
  /** Whether a model value belongs to this schema: chooses the member of a union to encode with. */
  holds(value: unknown): boolean;
  /** Whether a JSON value has this schema's shape: chooses the member of a union to decode with. */
  reads(json: unknown): boolean;
  decode(json: unknown, path: string, issues: CodecIssue[]): unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** A node whose JSON is the value itself, checked by `typeof`. */
function plain(expected: string, type: 'string' | 'number' | 'boolean'): Node {
  const is = (value: unknown) => typeof value === type;
  return {
    expected,
    encode: (value) => JSON.stringify(value),
    holds: is,
    reads: is,
    decode(json, path, issues) {
      if (!is(json)) issues.push({ path, message: `must be ${expected}` });
      return json;
    },
  };
}

const SPECIAL_DOUBLES = new Map<unknown, number>([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
]);

const DOUBLE_EXPECTED = 'a number (or "NaN", "Infinity", "-Infinity", "-0")';
const DOUBLE: Node = {
  expected: DOUBLE_EXPECTED,
  encode(value) {
    const number = value as number;
    if (Object.is(number, -0)) return '"-0"';
    return Number.isFinite(number) ? String(number) : `"${number}"`;
  },
  holds: (value) => typeof value === 'number',
  reads: (json) => typeof json === 'number' || SPECIAL_DOUBLES.has(json),
  decode(json, path, issues) {
    if (typeof json === 'number') return json;
    if (SPECIAL_DOUBLES.has(json)) return SPECIAL_DOUBLES.get(json);
    issues.push({ path, message: `must be ${DOUBLE_EXPECTED}` });
    return json;
  },
};

const DECIMAL_INT = /^-?\d+$/;

const BIGINT_EXPECTED = 'a decimal string (an int64)';
const BIGINT: Node = {
  expected: BIGINT_EXPECTED,
  encode: (value) => `"${value as bigint}"`,
  holds: (value) => typeof value === 'bigint',
  reads: (json) => (typeof json === 'string' && DECIMAL_INT.test(json)) || Number.isSafeInteger(json),
  decode(json, path, issues) {
    if (typeof json === 'string' && DECIMAL_INT.test(json)) return BigInt(json);
    if (Number.isSafeInteger(json)) return BigInt(json as number);
    const message =
      typeof json === 'number' && Number.isInteger(json)
        ? 'is an integer beyond ±2^53, which a JSON number cannot hold exactly: send it as a decimal string'
        : `must be ${BIGINT_EXPECTED}`;
    issues.push({ path, message });
    return json;
  },
};

const NULL: Node = {
  expected: 'null',
  encode: () => 'null',
  holds: (value) => value === null,
  reads: (json) => json === null,
  decode(json, path, issues) {
    if (json !== null) issues.push({ path, message: 'must be null' });
    return json;
  },
};

/** A typed JSON value, or the reviver's reason why it is none, as an issue. */
function revived(json: unknown, path: string, issues: CodecIssue[]): unknown {
  try {
    return reviveTypedValue(json);
  } catch (error) {
    issues.push({ path, message: `is not typed JSON: ${error instanceof Error ? error.message : String(error)}` });
    return json;
  }
}

const ATTRIBUTE_VALUE: Node = {
  expected: 'a typed JSON value',
  encode: (value) => encodeTypedValue(value as AttributeValue),
  holds: () => true,
  reads: () => true,
  decode: revived,
};

const ATTRIBUTE_MAP: Node = {
  expected: 'an object (a typed JSON map)',
  encode: (value) => encodeTypedMap(value as AttributeMap),
  holds: isObject,
  reads: isObject,
  // Key by key, so that a problem is reported at its own key.
  decode(json, path, issues) {
    if (!isObject(json)) {
      issues.push({ path, message: 'must be an object (a typed JSON map)' });
      return json;
    }
    const map: Record<string, unknown> = {};
    for (const key in json) map[key] = revived(json[key], `${path}${jsonPointer(key)}`, issues);
    return map;
  },
};

function literal(value: string | number | boolean): Node {
  const text = JSON.stringify(value);
  return {
    expected: text,
    encode: () => text,
    holds: (candidate) => candidate === value,
    reads: (json) => json === value,
    decode(json, path, issues) {
      if (json !== value) issues.push({ path, message: `must be ${text}` });
      return json;
    },
  };
}

/** A union of literals reads "one of a, b, c"; any other "x or y". */
function union(members: Node[], ofLiterals: boolean): Node {
  const expected = ofLiterals
    ? `one of ${members.map((member) => member.expected).join(', ')}`
    : members.map((member) => member.expected).join(' or ');
  return {
    expected,
    encode(value) {
      const member = members.find((candidate) => candidate.holds(value));
      if (!member) throw new CodecError(`${String(value)} is not ${expected}`);
      return member.encode(value);
    },
    holds: (value) => members.some((member) => member.holds(value)),
    reads: (json) => members.some((member) => member.reads(json)),
    decode(json, path, issues) {
      const member = members.find((candidate) => candidate.reads(json));
      if (member) return member.decode(json, path, issues);
      issues.push({ path, message: `must be ${expected}` });
      return json;
    },
  };
}

function array(items: Node): Node {
  const expected = `a list, each ${items.expected}`;
  return {
    expected,
    encode: (value) => `[${(value as unknown[]).map((item) => items.encode(item)).join(',')}]`,
    holds: Array.isArray,
    reads: Array.isArray,
    decode(json, path, issues) {
      if (!Array.isArray(json)) {
        issues.push({ path, message: `must be ${expected}` });
        return json;
      }
      return json.map((item, index) => items.decode(item, `${path}/${index}`, issues));
    },
  };
}

function object(properties: Record<string, Node>): Node {
  const fields = new Map(Object.entries(properties).map(([key, node]) => [key, { node, quoted: JSON.stringify(key) }]));
  const names = [...fields.keys()].join(', ');
  return {
    expected: 'an object',
    // The value's own key order, so that a record reads as it was built; a key the schema lacks is
    // an error rather than a silent omission.
    encode(value) {
      let out = '{';
      const record = value as Record<string, unknown>;
      for (const key in record) {
        const field = record[key];
        if (field === undefined) continue;
        const known = fields.get(key);
        if (!known) throw new CodecError(`the field ${JSON.stringify(key)} is not in the schema (${names})`);
        out += `${out.length > 1 ? ',' : ''}${known.quoted}:${known.node.encode(field)}`;
      }
      return `${out}}`;
    },
    holds: isObject,
    reads: isObject,
    decode(json, path, issues) {
      if (!isObject(json)) {
        issues.push({ path, message: 'must be an object' });
        return json;
      }
      const decoded: Record<string, unknown> = {};
      for (const key in json) {
        const known = fields.get(key);
        if (known) decoded[key] = known.node.decode(json[key], `${path}${jsonPointer(key)}`, issues);
        else
          issues.push({ path: `${path}${jsonPointer(key)}`, message: `is not a known field; the fields are ${names}` });
      }
      return decoded;
    },
  };
}

const compiled = new WeakMap<TSchema, Node>();

function compile(schema: TSchema): Node {
  const known = compiled.get(schema);
  if (known) return known;
  const node = build(schema);
  compiled.set(schema, node);
  return node;
}

function build(schema: TSchema): Node {
  const kind = schema[Kind];
  switch (kind) {
    case 'String':
      return plain('a string', 'string');
    case 'Number':
      return plain('a number', 'number');
    case 'Integer':
      return plain('an integer', 'number');
    case 'Boolean':
      return plain('true or false', 'boolean');
    case 'Null':
      return NULL;
    case 'BigInt':
      return BIGINT;
    case DOUBLE_KIND:
      return DOUBLE;
    case ATTRIBUTE_VALUE_KIND:
      return ATTRIBUTE_VALUE;
    case ATTRIBUTE_MAP_KIND:
      return ATTRIBUTE_MAP;
    case 'Literal':
      return literal(schema.const as string | number | boolean);
    case 'Union': {
      const members = schema.anyOf as TSchema[];
      return union(
        members.map(compile),
        members.every((member) => member[Kind] === 'Literal'),
      );
    }
    case 'Array':
      return array(compile(schema.items as TSchema));
    case 'Object':
      return object(
        Object.fromEntries(
          Object.entries(schema.properties as Record<string, TSchema>).map(([key, property]) => [
            key,
            compile(property),
          ]),
        ),
      );
    default:
      if (BIGINT_RANGE_KINDS.has(kind)) return BIGINT;
      throw new CodecError(`the record codec has no rule for the schema kind ${kind}`);
  }
}

/**
 * The codec of a TypeBox schema made of the kinds records use.
 *
 * @example
 * ```ts
 * const codec = codecFor(ScoreRecordSchema);
 * const text = codec.stringify(score); // {"scoreId":"…","timeUnixNano":"1700000000123456789",…}
 * const { value, issues } = codec.parse(JSON.parse(text));
 * ```
 */
export function codecFor<S extends TSchema>(schema: S): Codec<Static<S>> {
  const node = compile(schema);
  return {
    stringify: (value) => node.encode(value),
    parse(json) {
      const issues: CodecIssue[] = [];
      const value = node.decode(json, '', issues) as Static<S>;
      return { value, issues };
    },
  };
}

/** The codec of each signal's records. */
export const RECORD_CODECS: { [S in Signal]: Codec<RecordOf[S]> } = {
  spans: codecFor(SpanRecordSchema),
  logs: codecFor(LogRecordSchema),
  metrics: codecFor(MetricRecordSchema),
  scores: codecFor(ScoreRecordSchema),
  feedback: codecFor(FeedbackRecordSchema),
};
