import { isInt64, jsonPointer } from './primitives';
import type { AttributeMap, AttributeValue } from './types';

/**
 * Hand-written checks for attribute values and maps. TypeBox checks a `Record` key by key against a
 * pattern, and each value against an eight-way union: that was two thirds of validating a span.
 * These walk a value once, and say where and why it is not an attribute value.
 */

/**
 * The deepest level of a value inside arrays and maps (an attribute itself is at level 0). DuckDB and
 * ClickHouse both stored and read values nested 5,000 levels deep; the JavaScript that encodes typed
 * JSON ran out of stack between 5,000 and 10,000. OTLP decoders refuse deeper values too.
 */
export const MAX_ATTRIBUTE_DEPTH = 64;

/** Where a value breaks the attribute model: a JSON-pointer path below it, and why. */
export interface AttributeProblem {
  path: string;
  message: string;
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const TOO_DEEP: AttributeProblem = { path: '', message: `is nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels` };

/** Why `value` is not an {@link AttributeValue}, or `null` when it is one. */
export function attributeValueProblem(value: unknown, depth = 0): AttributeProblem | null {
  if (depth > MAX_ATTRIBUTE_DEPTH) return TOO_DEEP;
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number':
      return null;
    case 'bigint':
      return isInt64(value) ? null : { path: '', message: 'is an int beyond 64 bits' };
    case 'object': {
      if (value === null || value instanceof Uint8Array) return null;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          const problem = attributeValueProblem(value[index], depth + 1);
          if (problem !== null) return { path: `/${index}${problem.path}`, message: problem.message };
        }
        return null;
      }
      if (isPlainObject(value)) return attributeMapProblem(value, depth + 1);
      // Absent when the prototype chain ends without Object.prototype, as in Object.create(Object.create(null)).
      const constructor = value.constructor as (abstract new (...args: never[]) => object) | undefined;
      return { path: '', message: `is a ${constructor?.name ?? 'object'}, not an attribute value` };
    }
    default:
      return {
        path: '',
        message:
          `is ${typeof value}, not an attribute value ` + '(string, boolean, bigint, number, Uint8Array, array or map)',
      };
  }
}

/** Why `map` is not an {@link AttributeMap}, or `null` when it is one. `depth` is that of its values. */
export function attributeMapProblem(map: unknown, depth = 0): AttributeProblem | null {
  if (map === null || typeof map !== 'object' || Array.isArray(map) || !isPlainObject(map)) {
    return { path: '', message: 'must be an attribute map (a plain object)' };
  }
  for (const key in map) {
    const problem = attributeValueProblem((map as Record<string, unknown>)[key], depth);
    if (problem !== null) return { path: `${jsonPointer(key)}${problem.path}`, message: problem.message };
  }
  return null;
}

export const isAttributeValue = (value: unknown): value is AttributeValue => attributeValueProblem(value) === null;
export const isAttributeMap = (value: unknown): value is AttributeMap => attributeMapProblem(value) === null;
