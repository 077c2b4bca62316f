import { ConfigurationError } from '../../errors';
import { SIGNALS, type Signal } from '../../records/types';
import {
  COLUMNS,
  IDENTITY_COLUMNS,
  INPUT_PREVIEW_LENGTH,
  TIME_COLUMNS,
  TRACE_SUMMARY_COLUMNS,
  blankCell,
  type Column,
  type ColumnType,
} from '../columns';
import { SPAN_PRECEDENCE_SQL } from '../precedence';
import { checkRetentionDays, type RetentionDays } from '../retention';
import { TRACE_PART_COLUMNS, TRACE_PART_HEAD_ROW_COLUMNS } from '../trace-parts';

/**
 * The ClickHouse schema, generated from the shared column model (`COLUMNS`).
 *
 * Layout, per table:
 * - `PARTITION BY toDate32(<time>)`: retention drops whole days (`TTL … ttl_only_drop_parts = 1`),
 *   and a time range reads only its days. `toDate32`, unlike `toDate`, covers all of DateTime64(9)
 *   without wrapping (toDate ends in 2149), so pruning stays correct for any storable time.
 * - `ORDER BY (<dimensions>, <time>, <identity>)`: the low-cardinality dimensions that lists filter on
 *   come first, then time, so a time range alone still prunes granules (generic exclusion search over
 *   the few dimension values); the identity comes last, as ReplacingMergeTree needs.
 * - Times are `DateTime64(9, 'UTC')` with `CODEC(Delta, ZSTD(1))`; every other column is `ZSTD(1)`;
 *   dimension columns are `LowCardinality`.
 * - Skip indexes: `bloom_filter` on trace ids and on the context ids that lists filter on, on the keys
 *   and the values of `attributes_map`, and an `ngrambf_v1` on `lowerUTF8(message)` for the
 *   case-insensitive substring search of logs (n-grams, unlike tokens, also serve partial words).
 * - Trace lookup: `<spans>_trace_ranges`, filled by a materialized view, maps a trace id to the
 *   time range of its spans' starts (as the Collector's `otel_traces_trace_id_ts` does). `getTrace`
 *   reads that range through the side table's primary key, then reads only those days and granules
 *   of the span table. Ordering the span table by trace id instead would make every trace list, the
 *   most common read, scan the whole table.
 * - Trace lists: `<spans>_trace_parts` (see {@link ClickHouseSchema.createTraceParts}), one row per trace per
 *   written batch, ordered by the head's start, which lists read instead of the spans (`trace-list.ts`).
 *
 * Duplicates: every table is a ReplacingMergeTree whose sorting key ends with the row's identity
 * (spans: trace and span id; scores and feedback: their id; logs and metrics, which have no id: a
 * 64-bit hash of the whole row, `row_hash`, computed by the server). Reads use `FINAL` (getTrace
 * drops repeated span ids itself), so a row written twice shows once even before a background merge
 * collapses the copies; in a cluster the sharding key is a function of the row, so both copies land
 * on the same shard. Each insert also carries a deterministic `insert_deduplication_token` (a hash of
 * the batch), so ClickHouse drops a retried batch at insert time, within its deduplication window,
 * and the copy costs no storage.
 *
 * Span copies (`precedence.ts`): the span table's version column is `span_precedence`, so of the
 * copies that share a sorting key (a running and a finished copy of a Mastra span) a merge or FINAL
 * keeps the preferred one. Copies that differ in their start time or service (an OpenTelemetry and a
 * Mastra copy of one span) never share a key, so reads choose among them with the same rule.
 *
 * Typed attributes: `attributes` keeps the typed JSON (reads return it exactly); `attributes_map`
 * is materialized from it by the server, each value being that value's JSON text, so an attribute
 * filter compares whole JSON values (the int `200` is not the string `"200"`) and can use the bloom
 * filters.
 */

/** Database, table and cluster names: plain identifiers, so that they can be written into SQL. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** Returns `name`, or throws a {@link ConfigurationError} when it is not a safe identifier. */
export function checkIdentifier(what: string, name: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new ConfigurationError(
      `ClickHouse ${what} must be a letter or underscore followed by up to 99 letters, digits or underscores, ` +
        `got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

const BASE_TYPES: Record<ColumnType, string> = {
  string: 'String',
  json: 'String',
  time: "DateTime64(9, 'UTC')",
  int64: 'Int64',
  int32: 'Int32',
  uint8: 'UInt8',
  uint32: 'UInt32',
  uint64: 'UInt64',
  float64: 'Float64',
  bool: 'Bool',
  string_list: 'Array(String)',
  float64_list: 'Array(Float64)',
  uint64_list: 'Array(UInt64)',
};

const LIST_TYPES: ReadonlySet<ColumnType> = new Set(['string_list', 'float64_list', 'uint64_list']);

/** The ClickHouse type of a model column. An array cannot be `Nullable`, so a nullable list is a one-type `Variant`. */
export function clickhouseType(column: Column<unknown>): string {
  let type = BASE_TYPES[column.type];
  if (column.nullable) type = LIST_TYPES.has(column.type) ? `Variant(${type})` : `Nullable(${type})`;
  return column.lowCardinality ? `LowCardinality(${type})` : type;
}

/** A SQL string literal of a constant. Only for text that the code itself defines, never for user data. */
function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A column's DEFAULT: for a non-nullable JSON column, or one with its own blank, what rows stored
 * before the column was added read (see {@link blankCell}); ClickHouse's type defaults (zero, `''`,
 * an empty array, `NULL`) already are the blank of the rest.
 */
function defaultClause(column: Column<unknown>): string {
  if (column.nullable || (column.type !== 'json' && column.blank === undefined)) return '';
  const blank = blankCell(column);
  return ` DEFAULT ${typeof blank === 'string' ? literal(blank) : String(blank)}`;
}

/** A column as the DDL declares it. */
interface ColumnDefinition {
  name: string;
  sql: string;
}

function columnDefinition(column: Column<unknown>): ColumnDefinition {
  const codec = column.type === 'time' ? 'Delta, ZSTD(1)' : 'ZSTD(1)';
  return { name: column.name, sql: `${column.name} ${clickhouseType(column)}${defaultClause(column)} CODEC(${codec})` };
}

/** The model's columns of a signal, typed loosely for schema generation. */
export function modelColumns(signal: Signal): Column<unknown>[] {
  return COLUMNS[signal] as Column<unknown>[];
}

/** The string map that the server materialises from `attributes`, for attribute filters and groups. */
export const ATTRIBUTES_MAP = 'attributes_map';
const ROW_HASH = 'row_hash';
/** A span copy's precedence (`precedence.ts`): the span table's ReplacingMergeTree version. */
export const SPAN_PRECEDENCE = 'span_precedence';

/** Where a table keeps the time of a row, and how rows are ordered, identified and sharded. */
interface TableLayout {
  /** Low-cardinality columns that lead the sorting key. */
  dimensions: string[];
  /** The ReplacingMergeTree version: of rows with one sorting key, the highest stays (the last written on ties). */
  version: string | null;
  /** A function of columns that a retried row repeats exactly, so that the copy lands on the same shard. */
  shardingKey: string;
  /** Columns with a `bloom_filter` skip index. */
  bloomFiltered: string[];
  /** Whether the table has `attributes_map` (materialized from `attributes`) with its indexes. */
  attributeMap: boolean;
  /** Whether the table has an n-gram index for searching `message`. */
  messageSearch: boolean;
}

const CONTEXT_IDS = ['run_id', 'session_id', 'thread_id', 'user_id'];

const LAYOUTS: Record<Signal, TableLayout> = {
  spans: {
    dimensions: ['service_name'],
    version: SPAN_PRECEDENCE,
    shardingKey: 'cityHash64(trace_id)',
    bloomFiltered: ['trace_id', ...CONTEXT_IDS],
    attributeMap: true,
    messageSearch: false,
  },
  logs: {
    dimensions: ['service_name', 'level'],
    version: null,
    shardingKey: 'cityHash64(time, message)',
    bloomFiltered: ['trace_id', ...CONTEXT_IDS],
    attributeMap: true,
    messageSearch: true,
  },
  metrics: {
    dimensions: ['service_name', 'name'],
    version: null,
    shardingKey: 'cityHash64(name, time, attributes)',
    bloomFiltered: ['trace_id'],
    attributeMap: true,
    messageSearch: false,
  },
  scores: {
    dimensions: ['scorer_id'],
    version: null,
    shardingKey: 'cityHash64(score_id)',
    bloomFiltered: ['trace_id'],
    attributeMap: false,
    messageSearch: false,
  },
  feedback: {
    dimensions: ['feedback_type'],
    version: null,
    shardingKey: 'cityHash64(feedback_id)',
    bloomFiltered: ['trace_id'],
    attributeMap: false,
    messageSearch: false,
  },
};

/**
 * The columns that identify a row of a signal: the model's identity, or for logs and metrics, which
 * have none, a hash of the whole row. They end the sorting key, and order rows of equal times.
 */
export function identityColumns(signal: Signal): readonly string[] {
  const identity = IDENTITY_COLUMNS[signal];
  return identity.length > 0 ? identity : [ROW_HASH];
}

/** Columns that ClickHouse derives from the model's columns; never inserted. */
function derivedColumns(signal: Signal): ColumnDefinition[] {
  const { attributeMap } = LAYOUTS[signal];
  const derived: ColumnDefinition[] = [];
  if (attributeMap) {
    const type = 'Map(LowCardinality(String), String)';
    derived.push({
      name: ATTRIBUTES_MAP,
      sql:
        `${ATTRIBUTES_MAP} ${type} MATERIALIZED CAST(JSONExtractKeysAndValuesRaw(attributes), '${type}') ` +
        `CODEC(ZSTD(1))`,
    });
  }
  if (signal === 'spans') {
    derived.push({
      name: SPAN_PRECEDENCE,
      sql: `${SPAN_PRECEDENCE} UInt8 MATERIALIZED ${SPAN_PRECEDENCE_SQL} CODEC(ZSTD(1))`,
    });
  }
  if (identityColumns(signal).includes(ROW_HASH)) {
    const all = modelColumns(signal).map((column) => column.name);
    derived.push({
      name: ROW_HASH,
      sql: `${ROW_HASH} UInt64 MATERIALIZED cityHash64(tuple(${all.join(', ')})) CODEC(ZSTD(1))`,
    });
  }
  return derived;
}

/** Every column of a signal's table, model columns first. */
function columnDefinitions(signal: Signal): ColumnDefinition[] {
  return [...modelColumns(signal).map(columnDefinition), ...derivedColumns(signal)];
}

function indexDefinitions(signal: Signal): string[] {
  const layout = LAYOUTS[signal];
  const indexes = layout.bloomFiltered.map(
    (column) =>
      `INDEX idx_${column} ${column} TYPE bloom_filter(${column === 'trace_id' ? '0.001' : '0.01'}) GRANULARITY 1`,
  );
  if (layout.attributeMap) {
    indexes.push(
      `INDEX idx_attribute_keys mapKeys(${ATTRIBUTES_MAP}) TYPE bloom_filter(0.01) GRANULARITY 1`,
      `INDEX idx_attribute_values mapValues(${ATTRIBUTES_MAP}) TYPE bloom_filter(0.01) GRANULARITY 1`,
    );
  }
  if (layout.messageSearch)
    indexes.push('INDEX idx_message lowerUTF8(message) TYPE ngrambf_v1(3, 32768, 2, 0) GRANULARITY 1');
  return indexes;
}

/** A column as JSON output gives it to `toCell`: 64-bit numbers and doubles as text, times as nanoseconds. */
function jsonCell(column: Column<unknown>): string {
  if (column.type === 'time') return `toString(toUnixTimestamp64Nano(${column.name}))`;
  if (column.type === 'int64' || column.type === 'uint64' || column.type === 'float64')
    return `toString(${column.name})`;
  return column.name;
}

/**
 * A trace part's head row packed in one column: the values of `TRACE_PART_HEAD_ROW_COLUMNS` as one
 * JSONCompactEachRow array, materialized by the server. A page reads its heads scattered through the table (a
 * user's traces over a week): each column read there decompresses a block per head, so one column instead of
 * the ~50 of a head row made 50 scattered heads ~8x cheaper on chdb (2M spans: ~50 ms against 390-700 ms).
 */
export const HEAD_ROW = 'head_row';
const HEAD_ROW_DEFINITION = `${HEAD_ROW} String MATERIALIZED formatRowNoNewline('JSONCompactEachRow', ${(
  TRACE_PART_HEAD_ROW_COLUMNS as Column<unknown>[]
)
  .map(jsonCell)
  .join(', ')}) CODEC(ZSTD(1))`;

/** A string input as the string itself, anything else as its typed JSON; cut as `inputPreview` cuts it. */
const INPUT_PREVIEW =
  "leftUTF8(if(JSONType(input) = 'String', JSONExtractString(input), input), " + `${INPUT_PREVIEW_LENGTH})`;

/** `traceHash` of `trace_id`: its last 8 hex digits as a UInt32. */
const TRACE_HASH_SQL = 'reinterpretAsUInt32(reverse(unhex(right(trace_id, 8))))';

/** Options that shape the schema. */
export interface SchemaOptions {
  database: string;
  /** Table name per signal. */
  tables: Record<Signal, string>;
  /** A cluster name: ON CLUSTER DDL, Replicated engines and Distributed tables. `null` for one server. */
  cluster: string | null;
  /** Retention per signal, in days; a signal left out is kept forever. */
  retentionDays: RetentionDays;
}

/**
 * The names and the DDL of one store configuration. With a cluster, each signal has a local
 * Replicated table on every node (under the plain name) and a Distributed table
 * (`<name>_distributed`) that reads and writes go through.
 */
export class ClickHouseSchema {
  readonly database: string;
  /**
   * How a read filters by a subquery over the same tables: in a cluster `GLOBAL IN`, so the subquery runs once,
   * over every shard, and its set goes to the shards (ClickHouse refuses a Distributed subquery in each shard).
   */
  readonly inSubquery: 'IN' | 'GLOBAL IN';
  private readonly tables: Record<Signal, string>;
  private readonly cluster: string | null;
  private readonly retentionDays: RetentionDays;

  constructor(options: SchemaOptions) {
    this.database = checkIdentifier('database name', options.database);
    this.cluster = options.cluster === null ? null : checkIdentifier('cluster name', options.cluster);
    this.inSubquery = this.cluster ? 'GLOBAL IN' : 'IN';
    this.tables = { ...options.tables };
    for (const signal of SIGNALS) checkIdentifier(`table name for ${signal}`, this.tables[signal]);
    this.retentionDays = checkRetentionDays('ClickHouse', options.retentionDays);
  }

  /** The local table of a signal, unqualified: what `system.columns` lists. */
  localName(signal: Signal): string {
    return this.tables[signal];
  }

  /** The table that reads and writes of a signal use, qualified with the database. */
  table(signal: Signal): string {
    return this.qualified(this.cluster ? `${this.tables[signal]}_distributed` : this.tables[signal]);
  }

  /** The trace-id → time-range side table that reads use, qualified. */
  traceRangesTable(): string {
    return this.qualified(this.cluster ? `${this.traceRangesName()}_distributed` : this.traceRangesName());
  }

  /** The tables that hold a signal's columns: the local table, and the Distributed one in a cluster. */
  columnHolders(signal: Signal): string[] {
    const local = this.tables[signal];
    return this.cluster ? [local, `${local}_distributed`] : [local];
  }

  createDatabase(): string {
    return `CREATE DATABASE IF NOT EXISTS ${this.database}${this.onCluster()}`;
  }

  /** The signal's table, with its Distributed twin in a cluster. */
  createTable(signal: Signal): string[] {
    const layout = LAYOUTS[signal];
    const time = TIME_COLUMNS[signal];
    const body = [...columnDefinitions(signal).map((column) => column.sql), ...indexDefinitions(signal)];
    const local = this.tables[signal];
    const settings = ['ttl_only_drop_parts = 1'];
    // A plain MergeTree keeps no insert hashes unless asked to; Replicated tables keep them in Keeper.
    if (!this.cluster) settings.push('non_replicated_deduplication_window = 1000');
    const statements = [
      `CREATE TABLE IF NOT EXISTS ${this.qualified(local)}${this.onCluster()} (\n  ${body.join(',\n  ')}\n)
ENGINE = ${this.engine('ReplacingMergeTree', layout.version)}
PARTITION BY toDate32(${time})
ORDER BY (${[...layout.dimensions, time, ...identityColumns(signal)].join(', ')})${this.ttl(signal, time)}
SETTINGS ${settings.join(', ')}`,
    ];
    if (this.cluster) statements.push(this.distributed(local, layout.shardingKey));
    return statements;
  }

  /**
   * The side table for trace lookups and the materialized view that fills it. The view sees each
   * insert block of the local span table, so the table gets a min and a max per trace per block,
   * which AggregatingMergeTree folds into one row per trace and day as parts merge.
   */
  createTraceRanges(): string[] {
    const name = this.traceRangesName();
    const time = "DateTime64(9, 'UTC')";
    const statements = [
      `CREATE TABLE IF NOT EXISTS ${this.qualified(name)}${this.onCluster()} (
  trace_id String CODEC(ZSTD(1)),
  start_min SimpleAggregateFunction(min, ${time}) CODEC(Delta, ZSTD(1)),
  start_max SimpleAggregateFunction(max, ${time}) CODEC(Delta, ZSTD(1))
)
ENGINE = ${this.engine('AggregatingMergeTree')}
PARTITION BY toDate32(start_min)
ORDER BY trace_id${this.ttl('spans', 'start_max')}
SETTINGS ttl_only_drop_parts = 1`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${this.qualified(`${name}_mv`)}${this.onCluster()} TO ${this.qualified(name)} AS
SELECT trace_id, min(start_time) AS start_min, max(start_time) AS start_max
FROM ${this.qualified(this.tables.spans)} GROUP BY trace_id`,
    ];
    if (this.cluster) statements.push(this.distributed(name, 'cityHash64(trace_id)'));
    return statements;
  }

  /** Fills the side table from the spans already stored, for a span table older than its side table. */
  backfillTraceRanges(): string {
    return `INSERT INTO ${this.traceRangesTable()} (trace_id, start_min, start_max)
SELECT trace_id, min(start_time), max(start_time) FROM ${this.table('spans')} GROUP BY trace_id`;
  }

  /** The days that hold spans, for {@link backfillTraceParts}. */
  spanDays(): string {
    return `SELECT DISTINCT toDate32(start_time) FROM ${this.table('spans')}`;
  }

  /**
   * Fills the trace parts of one day's spans (`{day:Date32}`) stored before the parts table existed: one part per
   * trace, headed as `traceParts` heads a batch (the root by precedence, else the earliest span), summed over each
   * span's preferred copy. A day at a time bounds the memory; a trace that spans midnight gets a part per day,
   * which lists resolve as they do parts of two batches.
   */
  backfillTraceParts(): string {
    const spans = this.table('spans');
    const day = `toDate32(start_time) = {day:Date32}`;
    const light = TRACE_SUMMARY_COLUMNS.map((column) => column.name);
    const head = [...light, INPUT_PREVIEW, SPAN_PRECEDENCE];
    const counted = ['input_tokens', 'output_tokens', 'total_tokens', 'total_cost'];
    const copy = ['start_time', 'end_time', 'error IS NOT NULL', ...counted, 'NOT usage_includes_children'];
    const fromHead: Record<string, string> = {
      ...Object.fromEntries(light.map((name, i) => [name, `head.${i + 1}`])),
      input_preview: `head.${light.length + 1}`,
      head_rank: `head.${light.length + 2}`,
      has_root: `head.${light.indexOf('parent_span_id') + 1} IS NULL`,
      trace_hash: TRACE_HASH_SQL,
      written: '0',
    };
    const sumOf = (i: number) => `sumIf(copy.${4 + i}, copy.${copy.length})`;
    const fromSums: Record<string, string> = {
      first_start: 'min(copy.1)',
      last_start: 'max(copy.1)',
      last_end: 'max(copy.2)',
      span_count: 'count()',
      error_count: 'countIf(copy.3)',
      trace_input_tokens: sumOf(0),
      trace_output_tokens: sumOf(1),
      trace_total_tokens: sumOf(2),
      trace_cost: sumOf(3),
    };
    const columns = TRACE_PART_COLUMNS.map((column) => column.name);
    const missing = columns.filter((name) => !(name in fromHead) && !(name in fromSums));
    if (missing.length > 0) throw new Error(`no backfill for the trace part columns ${missing.join(', ')}`);
    return `INSERT INTO ${this.tracePartsTable()} (${columns.join(', ')})
SELECT ${columns.map((name) => (name in fromSums ? name : fromHead[name])).join(', ')}
FROM (
  SELECT trace_id, argMax(tuple(${head.join(', ')}),
    (parent_span_id IS NULL, if(parent_span_id IS NULL, 0, -toUnixTimestamp64Nano(start_time)), ${SPAN_PRECEDENCE})) AS head
  FROM ${spans} WHERE ${day} GROUP BY trace_id
) AS heads
INNER JOIN (
  SELECT trace_id, ${Object.entries(fromSums)
    .map(([name, sum]) => `${sum} AS ${name}`)
    .join(', ')}
  FROM (
    SELECT trace_id, argMax(tuple(${copy.join(', ')}), ${SPAN_PRECEDENCE}) AS copy
    FROM ${spans} WHERE ${day} GROUP BY trace_id, span_id
  ) GROUP BY trace_id
) AS sums USING (trace_id)`;
  }

  /** The side table's local name, unqualified. */
  traceRangesName(): string {
    return `${this.tables.spans}_trace_ranges`;
  }

  /** The trace parts table (`trace-parts.ts`), unqualified: `<spans>_trace_parts`. */
  tracePartsName(): string {
    return `${this.tables.spans}_trace_parts`;
  }

  /** The trace parts table that reads and writes use, qualified. */
  tracePartsTable(): string {
    return this.qualified(this.cluster ? `${this.tracePartsName()}_distributed` : this.tracePartsName());
  }

  /**
   * The trace parts table: one row per trace per written span batch (`trace-parts.ts`), written by the store
   * after the batch's spans. Ordered by the head's start then the trace id, so that a list's newest (or a time
   * window's) candidates are the first rows read in order; bloom filters on the trace hash serve the lookups of
   * a trace's parts, and on the context ids the filters; the spans' retention. A plain MergeTree: a part written
   * twice (a retried batch past the deduplication window) is a second part of its trace, which lists resolve.
   */
  createTraceParts(): string[] {
    const name = this.tracePartsName();
    const columns = (TRACE_PART_COLUMNS as Column<unknown>[]).map((column) => columnDefinition(column).sql);
    // A lookup asks for the hashes of up to hundreds of candidate traces at once: at a false-positive rate of 0.001
    // a fifth of the granules passed for 256 of them (2M spans on chdb), at 0.0001 one in sixteen, for 10% more index.
    const indexes = ['trace_hash', ...CONTEXT_IDS].map(
      (column) =>
        `INDEX idx_${column} ${column} TYPE bloom_filter(${column === 'trace_hash' ? '0.0001' : '0.01'}) GRANULARITY 1`,
    );
    const settings = ['ttl_only_drop_parts = 1'];
    if (!this.cluster) settings.push('non_replicated_deduplication_window = 1000');
    const statements = [
      `CREATE TABLE IF NOT EXISTS ${this.qualified(name)}${this.onCluster()} (
  ${[...columns, HEAD_ROW_DEFINITION, ...indexes].join(',\n  ')}
)
ENGINE = ${this.engine('MergeTree')}
PARTITION BY toDate32(start_time)
ORDER BY (start_time, trace_id)${this.ttl('spans', 'start_time')}
SETTINGS ${settings.join(', ')}`,
    ];
    if (this.cluster) statements.push(this.distributed(name, 'cityHash64(trace_id)'));
    return statements;
  }

  /**
   * Adds the model's columns that `existing` lacks to one of the signal's tables (see
   * {@link columnHolders}). Rows already stored read the column's default: `NULL`, zero, `''`, an
   * empty array, or for JSON columns the encoding of an empty value. Nothing else about an existing
   * table changes: not its engine, keys, partitioning, TTL, indexes or column types.
   */
  addMissingColumns(signal: Signal, table: string, existing: ReadonlySet<string>): string | null {
    const additions = columnDefinitions(signal)
      .filter((column) => !existing.has(column.name))
      .map((column) => `ADD COLUMN IF NOT EXISTS ${column.sql}`);
    if (additions.length === 0) return null;
    return `ALTER TABLE ${this.qualified(table)}${this.onCluster()} ${additions.join(', ')}`;
  }

  private qualified(table: string): string {
    return `${this.database}.${table}`;
  }

  private onCluster(): string {
    return this.cluster ? ` ON CLUSTER ${this.cluster}` : '';
  }

  private engine(
    family: 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree',
    version: string | null = null,
  ): string {
    const args = this.cluster ? ["'/clickhouse/tables/{shard}/{database}/{table}'", "'{replica}'"] : [];
    if (version !== null) args.push(version);
    const name = this.cluster ? `Replicated${family}` : family;
    return args.length === 0 ? name : `${name}(${args.join(', ')})`;
  }

  private ttl(signal: Signal, column: string): string {
    const days = this.retentionDays[signal];
    // On the DateTime64 itself: toDateTime would wrap times after 2106 into the past, and expire them.
    return days === undefined ? '' : `\nTTL ${column} + INTERVAL ${days} DAY`;
  }

  private distributed(local: string, shardingKey: string): string {
    return `CREATE TABLE IF NOT EXISTS ${this.qualified(`${local}_distributed`)}${this.onCluster()} AS ${this.qualified(local)}
ENGINE = Distributed(${this.cluster}, ${this.database}, ${local}, ${shardingKey})`;
  }
}
