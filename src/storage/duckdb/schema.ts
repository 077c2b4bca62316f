import { COLUMNS, TABLE_NAMES, type Column, type ColumnType } from '../columns';
import type { Signal } from '../../records/types';

const DUCKDB_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  json: 'JSON',
  // Nanoseconds as BIGINT append about four times faster than TIMESTAMP_NS; a virtual column adds the timestamp.
  time: 'BIGINT',
  int64: 'BIGINT',
  int32: 'INTEGER',
  uint8: 'UTINYINT',
  uint32: 'UINTEGER',
  uint64: 'UBIGINT',
  float64: 'DOUBLE',
  bool: 'BOOLEAN',
  string_list: 'VARCHAR[]',
  // Number lists are JSON text: appending a LIST value takes DuckDB's generic, slow path.
  float64_list: 'JSON',
  uint64_list: 'JSON',
};

/** The physical column name: time columns carry their unit. */
export function physicalName(column: Column<unknown>): string {
  return column.type === 'time' ? `${column.name}_unix_nano` : column.name;
}

/** The SELECT list of columns, by their physical names. */
export function selectList(columns: readonly Column<never>[]): string {
  return columns.map((column) => physicalName(column as Column<unknown>)).join(', ');
}

/** The physical name of a signal's model column, given by its model name. */
export function physicalColumn(signal: Signal, name: string): string {
  const column = (COLUMNS[signal] as Column<unknown>[]).find((candidate) => candidate.name === name);
  if (!column) throw new Error(`the ${signal} model has no column ${name}`);
  return physicalName(column);
}

function createTable(signal: Signal): string {
  const columns = COLUMNS[signal] as Column<unknown>[];
  // A string list is NULL when empty (see the engine), so its column is nullable.
  const stored = columns.map(
    (column) =>
      `${physicalName(column)} ${DUCKDB_TYPES[column.type]}${column.nullable || column.type === 'string_list' ? '' : ' NOT NULL'}`,
  );
  const virtual = columns
    .filter((column) => column.type === 'time')
    .map(
      (column) =>
        `${column.name} TIMESTAMP_NS GENERATED ALWAYS AS (make_timestamp_ns(${physicalName(column)})) VIRTUAL`,
    );
  return `CREATE TABLE IF NOT EXISTS ${TABLE_NAMES[signal]} (\n  ${[...stored, ...virtual].join(',\n  ')}\n)`;
}

/**
 * Where each trace's spans start: one row per trace per written batch. An ART index on every span's
 * trace id cost a quarter of DuckDB's work per span; this table has a row per trace instead, and
 * getTrace uses it to read only the span rows in that time range.
 */
export const TRACE_RANGES = 'otel_trace_ranges';

/**
 * The schema, as idempotent statements. Rows arrive roughly in time order, so DuckDB's per-row-group
 * min/max indexes serve time ranges, getTrace's included; ART indexes serve the point lookups by
 * trace id in the small tables.
 */
export const SCHEMA_STATEMENTS: string[] = [
  ...(Object.keys(TABLE_NAMES) as Signal[]).map(createTable),
  `CREATE TABLE IF NOT EXISTS ${TRACE_RANGES} (trace_id VARCHAR NOT NULL, min_start_unix_nano BIGINT NOT NULL, max_start_unix_nano BIGINT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS ${TRACE_RANGES}_trace_id ON ${TRACE_RANGES} (trace_id)`,
  `CREATE INDEX IF NOT EXISTS otel_scores_trace_id ON ${TABLE_NAMES.scores} (trace_id)`,
  `CREATE INDEX IF NOT EXISTS otel_feedback_trace_id ON ${TABLE_NAMES.feedback} (trace_id)`,
];

/** Fills the trace ranges of spans stored before the ranges table existed. */
export const TRACE_RANGES_BACKFILL = {
  table: TRACE_RANGES,
  sql: `INSERT INTO ${TRACE_RANGES} SELECT trace_id, min(start_time_unix_nano), max(start_time_unix_nano) FROM ${TABLE_NAMES.spans} GROUP BY trace_id`,
};
