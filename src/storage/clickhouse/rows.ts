import { INT64_MAX, formatUnixNano } from '../../records/primitives';
import type { Cell, Column, ColumnType } from '../columns';

/**
 * How model rows travel to ClickHouse and back.
 *
 * Writes use TabSeparated; through chdb only text formats work. Measured through chdb on 2 cores,
 * with 10k-row batches of 2.8 KB span rows and encoding included, TabSeparated made about 10.7k
 * rows/s and JSONCompactEachRow 11.2k: the same within run-to-run noise, since most of the time goes
 * to the shared typed-JSON cell encoding and to the engine's parsing. TabSeparated keeps the body 6%
 * smaller (the JSON columns' quotes need no escaping), which counts over HTTP. Every cell is written
 * as the text that ClickHouse parses back to the same value: int64s as digits, doubles in their
 * shortest round-trip form with `nan`, `inf` and `-0` spelled out, times as DateTime64 strings.
 *
 * Reads use JSONCompactEachRow with 64-bit integers quoted and non-finite doubles as strings, so
 * nothing passes through a lossy JavaScript number; times are selected as integer nanoseconds.
 */

/** A value that the engine cannot store, such as a time beyond DateTime64(9). */
export class UnstorableValueError extends RangeError {}

/**
 * Nanoseconds since the epoch as DateTime64(9) text, whose last nanosecond is the int64 maximum. A
 * bare number would not do: recent ClickHouse versions read it as seconds.
 */
function formatTime(nano: bigint): string {
  if (nano < 0n || nano > INT64_MAX) throw new UnstorableValueError(`time ${nano} ns is outside DateTime64(9)`);
  return formatUnixNano(nano);
}

function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return Object.is(value, -0) ? '-0' : String(value);
}

function formatUnsigned(value: number): string {
  // String() would write 1e+21 for large integral doubles; ClickHouse wants digits.
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_SPECIALS = /[\\\t\n\r\0]/g;
const QUOTED_SPECIALS = /[\\\t\n\r\0']/g;
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  "'": "\\'",
};
const escapeOne = (special: string): string => ESCAPES[special]!;

/** A string as a TabSeparated field. Most strings have nothing to escape, and the test is cheap. */
function escapeField(text: string): string {
  return TSV_SPECIAL.test(text) ? text.replace(TSV_SPECIALS, escapeOne) : text;
}

/** A string as a quoted element of an array field. */
function quoteElement(text: string): string {
  return `'${text.replace(QUOTED_SPECIALS, escapeOne)}'`;
}

type Encoder = (cell: Cell) => string;

const ENCODERS: Record<ColumnType, Encoder> = {
  string: (cell) => escapeField(cell as string),
  json: (cell) => escapeField(cell as string),
  time: (cell) => formatTime(cell as bigint),
  int64: (cell) => String(cell),
  int32: (cell) => String(cell),
  uint8: (cell) => String(cell),
  uint32: (cell) => String(cell),
  uint64: (cell) => formatUnsigned(cell as number),
  float64: (cell) => formatDouble(cell as number),
  bool: (cell) => (cell ? 'true' : 'false'),
  string_list: (cell) => `[${(cell as string[]).map(quoteElement).join(',')}]`,
  float64_list: (cell) => `[${(cell as number[]).map(formatDouble).join(',')}]`,
  uint64_list: (cell) => `[${(cell as number[]).map(formatUnsigned).join(',')}]`,
};

const NULL_FIELD = '\\N';

/** Encodes records as TabSeparated rows, one field per column in the order of `columns`. */
export function toTabSeparated<R>(columns: readonly Column<R>[], records: readonly R[]): string {
  const encoders = columns.map((column) => {
    const encode = ENCODERS[column.type];
    return column.nullable ? (cell: Cell) => (cell === null ? NULL_FIELD : encode(cell)) : encode;
  });
  let body = '';
  for (const record of records) {
    let line = encoders[0]!(columns[0]!.get(record));
    for (let i = 1; i < columns.length; i++) line += '\t' + encoders[i]!(columns[i]!.get(record));
    body += line + '\n';
  }
  return body;
}

/** The SQL that selects columns in their canonical form: times as integer nanoseconds. */
export function selectList(columns: readonly Column<never>[]): string {
  return columns
    .map((column) => (column.type === 'time' ? `toUnixTimestamp64Nano(${column.name})` : column.name))
    .join(', ');
}

/** The output settings that {@link toCell} relies on. */
export const EXACT_JSON_OUTPUT = {
  output_format_json_quote_64bit_integers: 1,
  output_format_json_quote_denormals: 1,
} as const;

/** A Float64 from JSON output, where non-finite values come as strings. */
export function readDouble(value: unknown): number {
  if (typeof value === 'number') return value;
  switch (value) {
    case 'inf':
    case '+inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    default:
      return Number(value);
  }
}

/**
 * Converts a JSON output value of a column, selected with {@link selectList}, into the canonical cell
 * of its type (see `columns.ts`).
 */
export function toCell(type: ColumnType, value: unknown): Cell {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'time':
    case 'int64':
      return BigInt(value as string);
    case 'uint64':
      return Number(value);
    case 'uint64_list':
      return (value as string[]).map(Number);
    case 'float64':
      return readDouble(value);
    case 'float64_list':
      return (value as unknown[]).map(readDouble);
    default:
      return value as Cell;
  }
}
