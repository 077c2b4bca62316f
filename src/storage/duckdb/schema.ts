import {
  COLUMNS,
  INPUT_PREVIEW_LENGTH,
  TABLE_NAMES,
  TIME_COLUMNS,
  TRACE_SUMMARY_COLUMNS,
  blankCell,
  modelColumn,
  type Cell,
  type Column,
  type ColumnType,
} from '../columns';
import { SIGNALS, type RecordOf, type Signal } from '../../records/types';
import { SPAN_PRECEDENCE_SQL } from '../precedence';
import { TRACE_PART_COLUMNS } from '../trace-parts';

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
  return physicalName(modelColumn(signal, name));
}

/**
 * The signal's table, with `columns` (by default the model's). Only a table with all of the model's
 * columns from the start has a virtual timestamp beside each time column: DuckDB cannot add one later.
 */
export function createTable(signal: Signal, columns = COLUMNS[signal] as Column<unknown>[]): string {
  return createTableOf(TABLE_NAMES[signal], columns, true);
}

function createTableOf(table: string, columns: readonly Column<unknown>[], timestamps: boolean): string {
  // A string list is NULL when empty (see the engine), so its column is nullable.
  const stored = columns.map(
    (column) =>
      `${physicalName(column)} ${DUCKDB_TYPES[column.type]}${column.nullable || column.type === 'string_list' ? '' : ' NOT NULL'}`,
  );
  if (!timestamps) return `CREATE TABLE IF NOT EXISTS ${table} (\n  ${stored.join(',\n  ')}\n)`;
  const virtual = columns
    .filter((column) => column.type === 'time')
    .map(
      (column) =>
        `${column.name} TIMESTAMP_NS GENERATED ALWAYS AS (make_timestamp_ns(${physicalName(column)})) VIRTUAL`,
    );
  return `CREATE TABLE IF NOT EXISTS ${table} (\n  ${[...stored, ...virtual].join(',\n  ')}\n)`;
}

/** A cell as a DuckDB SQL constant: only for the blanks of the model, never for user data. */
function constant(cell: Cell): string {
  if (typeof cell === 'string') return `'${cell.replace(/'/g, "''")}'`;
  return String(cell);
}

/**
 * Adds a model column to an older table. DuckDB cannot add a NOT NULL column, so the column is
 * nullable, with a DEFAULT that the rows already stored read: its blank (see {@link blankCell}). A
 * string list has none, since an empty one is stored as NULL.
 */
function addColumn(signal: Signal, column: Column<unknown>): string {
  const blank = column.type === 'string_list' ? null : blankCell(column);
  const type = DUCKDB_TYPES[column.type];
  const definition = `${physicalName(column)} ${type}${blank === null ? '' : ` DEFAULT ${constant(blank)}`}`;
  return `ALTER TABLE ${TABLE_NAMES[signal]} ADD COLUMN ${definition}`;
}

/** Every column of the database's tables, in each table's order. */
export const TABLE_COLUMNS_QUERY = `SELECT table_name, column_name FROM duckdb_columns()
WHERE schema_name = 'main' AND database_name = current_database() ORDER BY table_name, column_index`;

/** Column names by table, from the rows of {@link TABLE_COLUMNS_QUERY}. */
export type TableColumns = ReadonlyMap<string, readonly string[]>;

export function tableColumns(rows: readonly (readonly unknown[])[]): TableColumns {
  const tables = new Map<string, string[]>();
  for (const [table, column] of rows as [string, string][]) {
    let names = tables.get(table);
    if (!names) tables.set(table, (names = []));
    names.push(column);
  }
  return tables;
}

/**
 * The statements that add to each signal's table the model's columns that it lacks, as an older
 * table does. Nothing else of an existing table changes.
 */
export function addMissingColumns(existing: TableColumns): string[] {
  return SIGNALS.flatMap((signal) => {
    const names = new Set(existing.get(TABLE_NAMES[signal]));
    return (COLUMNS[signal] as Column<unknown>[])
      .filter((column) => !names.has(physicalName(column)))
      .map((column) => addColumn(signal, column));
  });
}

/** Each signal's model columns, in the order the Appender takes them. */
export type AppendOrder = { [S in Signal]: Column<RecordOf[S]>[] };

/**
 * The model's columns in each table's own order, which the Appender appends in: columns added to an
 * older table come at its end, not where the model lists them. Virtual columns take no value.
 */
export function appendOrder(existing: TableColumns): AppendOrder {
  const order = (signal: Signal): Column<unknown>[] => {
    const columns = COLUMNS[signal] as Column<unknown>[];
    const virtual = new Set(columns.filter((column) => column.type === 'time').map((column) => column.name));
    return (existing.get(TABLE_NAMES[signal]) ?? [])
      .filter((name) => !virtual.has(name))
      .map((name) => {
        const column = columns.find((candidate) => physicalName(candidate) === name);
        if (!column) {
          throw new Error(`${TABLE_NAMES[signal]} has a column ${name} that this version of otel-bridge does not know`);
        }
        return column;
      });
  };
  return {
    spans: order('spans'),
    logs: order('logs'),
    metrics: order('metrics'),
    scores: order('scores'),
    feedback: order('feedback'),
  };
}

/** The trace parts (`trace-parts.ts`): one row per trace per written batch, appended in the batch's transaction. */
export const TRACE_PARTS = 'otel_trace_parts';

/** `traceHash` (`trace-parts.ts`) of a trace id column, in SQL. */
export const traceHashSql = (traceId: string): string => `('0x' || right(${traceId}, 8))::UINTEGER`;

/** The preview of the input, as `inputPreview` in `columns.ts` computes it. */
const INPUT_PREVIEW = `CASE WHEN json_type(input) = 'VARCHAR' THEN left(json_extract_string(input, '$'), ${INPUT_PREVIEW_LENGTH})
  ELSE left(CAST(input AS VARCHAR), ${INPUT_PREVIEW_LENGTH}) END`;

/**
 * The schema, as idempotent statements. Rows arrive roughly in time order, so DuckDB's per-row-group
 * min/max indexes serve time ranges, getTrace's included; ART indexes serve the point lookups by
 * trace id in the small tables. The trace ranges table of earlier versions is dropped with its ART
 * index: an ART index cannot be paged out, and outgrew the 64MB default memory at ~0.8M traces.
 */
export const SCHEMA_STATEMENTS: string[] = [
  ...SIGNALS.map((signal) => createTable(signal)),
  'DROP INDEX IF EXISTS otel_trace_ranges_trace_id',
  'DROP TABLE IF EXISTS otel_trace_ranges',
  `CREATE INDEX IF NOT EXISTS otel_scores_trace_id ON ${TABLE_NAMES.scores} (trace_id)`,
  `CREATE INDEX IF NOT EXISTS otel_feedback_trace_id ON ${TABLE_NAMES.feedback} (trace_id)`,
];

/**
 * A table whose rows age out: deleted by `timeColumn` (nanoseconds) under `signal`'s retention and
 * by the size cap (`retention.ts`). A side table's rows are not records, and are not counted.
 */
export interface RetainedTable {
  table: string;
  timeColumn: string;
  signal: Signal;
  holdsRecords: boolean;
}

/** Every table that grows with the data: the signals' own, and the side tables kept per trace. */
export const RETAINED_TABLES: readonly RetainedTable[] = [
  ...SIGNALS.map((signal) => ({
    table: TABLE_NAMES[signal],
    timeColumn: physicalColumn(signal, TIME_COLUMNS[signal]),
    signal,
    holdsRecords: true,
  })),
  // A part goes once the latest span it covers has: deleting by its earliest would hide spans still stored.
  { table: TRACE_PARTS, timeColumn: 'last_start_unix_nano', signal: 'spans', holdsRecords: false },
];

/** A sum over the spans whose usage is their own (decision 8). */
const countedSum = (column: string): string => `sum(${column}) FILTER (WHERE NOT usage_includes_children)`;

/**
 * The parts table, and the parts of the spans stored before it existed (run where it does not): one part per
 * trace, from every span's preferred copy (`precedence.ts`, of equals the last appended), headed as `traceParts`
 * heads a batch's.
 */
export const TRACE_PARTS_SCHEMA: string[] = [
  createTableOf(TRACE_PARTS, TRACE_PART_COLUMNS as Column<unknown>[], false),
  `INSERT INTO ${TRACE_PARTS} (${selectList(TRACE_PART_COLUMNS)})
WITH copies AS (
  SELECT *, ${SPAN_PRECEDENCE_SQL} AS head_rank, rowid AS appended FROM ${TABLE_NAMES.spans}
  QUALIFY row_number() OVER (PARTITION BY trace_id, span_id ORDER BY head_rank DESC, appended DESC) = 1
), heads AS (
  SELECT * FROM copies
  QUALIFY row_number() OVER (PARTITION BY trace_id ORDER BY parent_span_id IS NULL DESC,
    CASE WHEN parent_span_id IS NULL THEN 0 ELSE start_time_unix_nano END, head_rank DESC, appended DESC) = 1
), sums AS (
  SELECT trace_id, min(start_time_unix_nano) AS first_start, max(start_time_unix_nano) AS last_start,
    max(end_time_unix_nano) AS last_end, count(*) AS span_count, count(error) AS error_count,
    ${countedSum('input_tokens')} AS input_sum, ${countedSum('output_tokens')} AS output_sum,
    ${countedSum('total_tokens')} AS total_sum, ${countedSum('total_cost')} AS cost_sum
  FROM copies GROUP BY trace_id
)
SELECT ${TRACE_SUMMARY_COLUMNS.map((column) => `heads.${physicalName(column as Column<unknown>)}`).join(', ')},
  ${INPUT_PREVIEW}, ${traceHashSql('trace_id')}, 0, heads.parent_span_id IS NULL, head_rank,
  first_start, last_start, last_end, span_count, error_count, input_sum, output_sum, total_sum, cost_sum
FROM heads JOIN sums USING (trace_id)`,
];
