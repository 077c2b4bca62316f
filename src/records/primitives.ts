/**
 * The value domains that every layer checks against, defined once: the id formats, the int64
 * range, and JSON pointers into records.
 */

/** A trace id: 16 bytes as 32 lowercase hex digits. */
export const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/;
/** A span id: 8 bytes as 16 lowercase hex digits. */
export const SPAN_ID_PATTERN = /^[0-9a-f]{16}$/;

/** The int64 range, as OTLP's `int_value` holds it. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/**
 * The latest time both stores hold, in nanoseconds since the epoch. ClickHouse's `DateTime64(9)`
 * reaches the int64 maximum, but DuckDB's `TIMESTAMP_NS` (the virtual column beside each time) keeps
 * it for `infinity`.
 */
export const MAX_TIME_NANO = INT64_MAX - 1n;

export function isInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/**
 * Whether a JavaScript number is an integer that an int64 holds. As doubles the bounds are -2^63,
 * exactly, and 2^63: no double lies between INT64_MAX and 2^63 (`Number(INT64_MAX)` rounds up to
 * 2^63, which is beyond int64), so the upper test is strict.
 */
export function isInt64Number(value: number): boolean {
  return Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63;
}

/** The JSON pointer (RFC 6901) to a key of an object: `a/b` is `/a~1b`. */
export function jsonPointer(key: string): string {
  return `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/**
 * A time in nanoseconds since the epoch as UTC text with all nine digits,
 * `2023-11-14 22:13:20.123456789`: the form people read and ClickHouse's DateTime64(9) parses.
 */
export function formatUnixNano(nano: bigint): string {
  const seconds = nano / 1_000_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString();
  const fraction = String(nano - seconds * 1_000_000_000n).padStart(9, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}

/** `$0.000412` or `$12.30`: three significant digits below a dollar, cents above. */
export function formatCost(usd: number | null): string {
  if (usd === null) return '';
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(3)}`;
}
