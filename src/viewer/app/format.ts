import type { AttributeValue } from '../../records/types';

/**
 * Formatting for the viewer, without the DOM: times to the nanosecond, durations, and typed
 * attribute values whose type stays visible (the int `200`, the double `200.0`, the string `"200"`).
 */

const NANOS_PER_MS = 1_000_000n;

/** RFC 3339 in UTC with all nine fractional digits: `2026-01-02T03:04:05.123456789Z`. */
export function isoNanos(unixNano: bigint): string {
  const seconds = unixNano / 1_000_000_000n;
  const fraction = unixNano % 1_000_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 19)}.${fraction.toString().padStart(9, '0')}Z`;
}

/** A local date and time to the millisecond, for lists. */
export function localTime(unixNano: bigint): string {
  const date = new Date(Number(unixNano / NANOS_PER_MS));
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  );
}

/** A duration with a unit that keeps three or four significant digits: `850 ns`, `12.3 µs`, `1.500 s`. */
export function duration(nanos: bigint | number): string {
  const ns = Number(nanos);
  if (ns < 1_000) return `${ns} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 3 : 1)} ms`;
  if (ns < 60_000_000_000) return `${(ns / 1_000_000_000).toFixed(3)} s`;
  const minutes = Math.floor(ns / 60_000_000_000);
  return `${minutes} min ${((ns - minutes * 60_000_000_000) / 1_000_000_000).toFixed(1)} s`;
}

/** The type of a typed value, as a badge shows it. */
export type ValueType = 'string' | 'int' | 'double' | 'bool' | 'bytes' | 'null' | 'array' | 'map';

export function valueType(value: AttributeValue): ValueType {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    default:
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return 'bytes';
      return Array.isArray(value) ? 'array' : 'map';
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * A scalar as its type writes it: strings quoted, doubles always with a decimal point or exponent,
 * ints bare, bytes as hex. Arrays and maps as compact typed text.
 */
export function typedText(value: AttributeValue): string {
  switch (valueType(value)) {
    case 'string':
      return JSON.stringify(value);
    case 'int':
      return (value as bigint).toString();
    case 'bool':
      return value ? 'true' : 'false';
    case 'double': {
      const number = value as number;
      if (Object.is(number, -0)) return '-0.0';
      const text = String(number);
      return Number.isFinite(number) && !/[.e]/.test(text) ? `${text}.0` : text;
    }
    case 'bytes':
      return `0x${hex(value as Uint8Array)}`;
    case 'null':
      return 'null';
    case 'array':
      return `[${(value as AttributeValue[]).map(typedText).join(', ')}]`;
    case 'map':
      return `{${Object.entries(value as Record<string, AttributeValue>)
        .map(([key, inner]) => `${JSON.stringify(key)}: ${typedText(inner)}`)
        .join(', ')}}`;
  }
}

/** A value as plain JSON for a foldable tree: ints become numbers where exact, bytes hex. */
export function plainJson(value: AttributeValue): unknown {
  switch (valueType(value)) {
    case 'int': {
      const int = value as bigint;
      return int >= BigInt(Number.MIN_SAFE_INTEGER) && int <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(int)
        : String(int);
    }
    case 'bytes':
      return `0x${hex(value as Uint8Array)}`;
    case 'array':
      return (value as AttributeValue[]).map(plainJson);
    case 'map':
      return Object.fromEntries(
        Object.entries(value as Record<string, AttributeValue>).map(([key, inner]) => [key, plainJson(inner)]),
      );
    default:
      return value;
  }
}

/** Parses a string that holds a JSON object or array (as GenAI attributes often do); anything else as it is. */
export function unwrapJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (!(trimmed.startsWith('{') && trimmed.endsWith('}')) && !(trimmed.startsWith('[') && trimmed.endsWith(']')))
    return value;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return value;
  }
}

/** Token counts as `12 in · 30 out · 42 total`, leaving out what is unknown. */
export function tokens(input: number | null, output: number | null, total: number | null): string {
  const parts: string[] = [];
  if (input !== null) parts.push(`${input} in`);
  if (output !== null) parts.push(`${output} out`);
  if (total !== null) parts.push(`${total} total`);
  return parts.join(' · ');
}
