import { COLUMNS, type Column, type ColumnType } from '../columns';
import type { Signal } from '../../records/types';

/** Table names, one per signal. */
export const TABLES: Record<Signal, string> = {
  spans: 'otel_spans',
  logs: 'otel_logs',
  metrics: 'otel_metrics',
  scores: 'otel_scores',
  feedback: 'otel_feedback',
};

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
  float64_list: 'DOUBLE[]',
  uint64_list: 'UBIGINT[]',
};

/** The physical column name: time columns carry their unit. */
export function physicalName(column: Column<unknown>): string {
  return column.type === 'time' ? `${column.name}_unix_nano` : column.name;
}

function createTable(signal: Signal): string {
  const columns = COLUMNS[signal] as Column<unknown>[];
  // A string list is NULL when empty (see the engine), so its column is nullable.
  const stored = columns.map(
    (column) => `${physicalName(column)} ${DUCKDB_TYPES[column.type]}${column.nullable || column.type === 'string_list' ? '' : ' NOT NULL'}`,
  );
  const virtual = columns
    .filter((column) => column.type === 'time')
    .map((column) => `${column.name} TIMESTAMP_NS GENERATED ALWAYS AS (make_timestamp_ns(${physicalName(column)})) VIRTUAL`);
  return `CREATE TABLE IF NOT EXISTS ${TABLES[signal]} (\n  ${[...stored, ...virtual].join(',\n  ')}\n)`;
}

/**
 * The schema, as idempotent statements. Rows arrive roughly in time order, so DuckDB's per-row-group
 * min/max indexes already serve time ranges; ART indexes serve the point lookups by trace id.
 */
export const SCHEMA_STATEMENTS: string[] = [
  ...(Object.keys(TABLES) as Signal[]).map(createTable),
  `CREATE INDEX IF NOT EXISTS otel_spans_trace_id ON ${TABLES.spans} (trace_id)`,
  `CREATE INDEX IF NOT EXISTS otel_scores_trace_id ON ${TABLES.scores} (trace_id)`,
  `CREATE INDEX IF NOT EXISTS otel_feedback_trace_id ON ${TABLES.feedback} (trace_id)`,
];
