import { definedOnly } from '../../options';
import { jsonPointer } from '../../records/primitives';
import type { RecordOf, Signal, SpanRecord } from '../../records/types';
import {
  candidatePage,
  identityOf,
  listOperation,
  toMetricSeries,
  type PageOf,
  type RecordSignal,
  type ResolvedPage,
  type StoreStrategies,
} from '../base';
import {
  COLUMNS,
  IDENTITY_COLUMNS,
  TABLE_NAMES,
  TIME_COLUMNS,
  type Cell,
  type Column,
  type ColumnType,
} from '../columns';
import { aggregateRows, spendRows, type EngineNumbers } from '../engine-rows';
import { diskOutage, type StorageFailureReason } from '../errors';
import type { Predicate, CopyPredicates } from '../filters';
import { SPAN_PRECEDENCE_SQL } from '../precedence';
import { PRICED_COLUMN, SPEND_SUMS, spendGroupColumn, toSpendResult } from '../spend';
import type { MetricAggregateQuery, MetricAggregateResult, SpendQuery, SpendResult } from '../types';
import {
  CANDIDATE_TRACE_COLUMNS,
  TracePartsStore,
  candidateTrace,
  type CandidateRound,
  type CandidateSlice,
} from '../trace-list';
import {
  TRACE_PART_COLUMNS,
  TRACE_PART_HEAD_ROW_COLUMNS,
  TRACE_PART_KEY_COLUMNS,
  TRACE_PART_PICK_COLUMNS,
  traceParts,
  type TracePart,
} from '../trace-parts';
import type { RetentionDays } from '../retention';
import { EngineClient } from './engine-client';
import type { TableRows } from './engine';
import {
  SCHEMA_STATEMENTS,
  TABLE_COLUMNS_QUERY,
  TRACE_PARTS,
  TRACE_PARTS_SCHEMA,
  addMissingColumns,
  appendOrder,
  physicalColumn,
  selectList,
  tableColumns,
  traceHashSql,
  type AppendOrder,
} from './schema';
import { Params, type SqlValue, where } from './query';
import { RetentionJob } from './retention';
import type { RetentionStats } from '../retention';

/**
 * The trace ids bound as `$1`, and their hashes, as a relation to join: `list_contains($1, trace_id)` scans the
 * list for every row of the table (7.6 s for 20k ids over 401k parts), a join hashes the ids once (55 ms).
 */
const TRACE_ID_LIST = `(SELECT trace_id, ${traceHashSql('trace_id')} AS trace_hash FROM unnest($1::VARCHAR[]) AS ids(trace_id))`;

/**
 * The order that picks a trace's head among its parts, least first, as `betterHead` (`trace-parts.ts`) decides: a
 * root first; of roots the higher precedence, then the later written; of others the earlier start, then the higher
 * precedence, then the later written.
 */
const PART_HEAD_ORDER = `(NOT has_root, CASE WHEN has_root THEN 0 ELSE start_time_unix_nano END, -head_rank::INTEGER,
  -written)`;

/** Every option is optional; {@link DUCKDB_DEFAULTS} says what one left out means. */
export interface DuckDBStoreOptions {
  /** A database file (relative to the working directory), or `:memory:`. */
  path?: string;
  /**
   * Write-ahead-log size that triggers a checkpoint. Commits are durable in the log either way; a
   * larger threshold checkpoints less often (DuckDB's own 16MB halves append speed) but keeps more
   * appended data in memory until then. The default, 16MB, was chosen under the former 64MB `memoryLimit`: a checkpoint
   * holds a buffer per column of each table it writes, and at 128MB one ran out of memory near 314k spans and
   * invalidated the database; with the trace-parts table beside the spans, 32MB failed at 112k spans and 16MB
   * loaded 300k (5-span traces in 2,000-span batches).
   */
  checkpointThreshold?: string;
  /** DuckDB's worker threads. Default: DuckDB's own choice, the number of cores. */
  threads?: number;
  /**
   * DuckDB's own memory budget (its buffer pool; beyond it, it spills to disk): less than DuckDB's
   * 80% of the machine, so that a long-running process stays bounded. 96MB, not 64MB: with the trace
   * parts table, a checkpoint of retention's deletes beside ingest ran out of 64MB, which is fatal to
   * a DuckDB database.
   */
  memoryLimit?: string;
  /**
   * Open an existing file for reading only (DuckDB's `READ_ONLY` access mode): nothing is created
   * or written, and other read-only processes may open the same file; a writer may not. Default
   * `false`.
   */
  readOnly?: boolean;
  /**
   * Days to keep each signal (as ClickHouse's `retentionDays`): older rows are deleted on a
   * schedule, and the file stops growing. A signal left out is kept forever. See `retention.ts`.
   */
  retentionDays?: RetentionDays;
  /** MiB of live data to stay under: past it, the oldest records across signals are deleted. A file only. */
  maxSizeMb?: number;
  /** How often retention and the size cap run. Default 5 minutes. */
  retentionIntervalMs?: number;
}

/** What an option of {@link DuckDBStoreOptions} left out means. */
export const DUCKDB_DEFAULTS = {
  path: 'otel-bridge.duckdb',
  checkpointThreshold: '16MB',
  memoryLimit: '96MB',
} as const satisfies DuckDBStoreOptions;

/**
 * DuckDB's allocator (jemalloc) keeps what its tasks freed, outside `memoryLimit`, until a task's
 * peak passes a threshold (DuckDB's default 128MB), and without its background thread purges only
 * when a thread allocates again: resident memory stayed 200-300 MiB above the buffer pool in a
 * loaded `serve`. Both settings bound what the process holds beside the pool.
 */
const ALLOCATOR_SETTINGS = { allocator_flush_threshold: '16MB', allocator_background_threads: 'true' };

/** The parts of a batch of spans (`trace-parts.ts`), as rows of the parts table. */
function tracePartRows(spans: readonly SpanRecord[], written: bigint): TableRows {
  const parts = traceParts(spans, written);
  return {
    table: TRACE_PARTS,
    types: TRACE_PART_COLUMNS.map((column) => column.type),
    columns: TRACE_PART_COLUMNS.map((column) => parts.map((part) => column.get(part))),
    rowCount: parts.length,
  };
}

/** DuckDB hands back BIGINT as bigint and DOUBLE as number. */
const NUMBERS: EngineNumbers = { bucket: (value) => value as bigint, double: (value) => value as number };

/** DuckDB's failures that may pass when retried: write conflicts, locks, I/O pressure. */
const RETRYABLE = /Conflict|\block|IO Error|interrupted/i;
/**
 * Its memory budget exhausted (by appends, or reads beside them): the same write passes once memory
 * frees. An insert that failed this way leaves its connection rolled back or replaced (`engine.ts`),
 * so "transaction is aborted" can only be the last words of such a failure.
 */
const OUT_OF_MEMORY = /Out of Memory|could not allocate|failed to allocate|Current transaction is aborted/i;
/** After a fatal error DuckDB refuses everything until the file is reopened, which the engine does. */
const INVALIDATED = /database has been invalidated/i;

/**
 * A subquery of the rows that `select` reads, one per identity of the signal: the first in
 * `preference` order, or whichever copy comes first. A record written twice reads once.
 */
const once = (signal: Signal, select: string, preference?: string): string =>
  `(${select} QUALIFY row_number() OVER (PARTITION BY ${IDENTITY_COLUMNS[signal].join(', ')}${preference === undefined ? '' : ` ORDER BY ${preference}`}) = 1)`;

/** An open database: the engine, the order in which its tables take columns, and the last parts' write sequence. */
interface OpenDatabase {
  engine: EngineClient;
  appendColumns: AppendOrder;
  written: bigint;
}

/**
 * The embedded store: one DuckDB file (or memory) for all five signals, and the default of
 * {@link DefaultExporter} and `otel-bridge serve`. {@link DUCKDB_DEFAULTS} says what an option left out means.
 *
 * DuckDB itself runs in a worker thread (`engine.ts`), so that appending, which is synchronous,
 * never blocks the event loop: this thread encodes records into columns and decodes rows, the
 * worker appends and queries. Each batch is one transaction through DuckDB's Appender, on a
 * connection per signal: all or nothing, and the signals write in parallel. One process at a time
 * may open a file to write; others may open it with `readOnly`.
 *
 * @example
 * ```ts
 * const store = new DuckDBStore({ path: 'telemetry.duckdb', memoryLimit: '256MB' });
 * const exporter = new DefaultExporter({ storage: store });
 * // … later, or in another process once the writer has closed it:
 * const reader = new DuckDBStore({ path: 'telemetry.duckdb', readOnly: true });
 * await reader.init();
 * const { traces } = await reader.listTraces({ filter: { hasError: true }, perPage: 20 });
 * const trace = await reader.getTrace(traces[0]!.traceId);
 * await reader.close();
 * ```
 */
export class DuckDBStore extends TracePartsStore<OpenDatabase> {
  readonly kind = 'duckdb';
  readonly path: string;
  /** A started span is worth storing at once: reads keep its finished copy once that arrives. */
  protected readonly strategies: StoreStrategies = {
    tracing: { preferred: 'event-sourced', supported: ['insert-only', 'event-sourced'] },
    signals: { preferred: 'batch', supported: ['batch', 'realtime'] },
  };
  private readonly options: DuckDBStoreOptions & { [K in keyof typeof DUCKDB_DEFAULTS]: string };
  private readonly retention: RetentionJob;

  constructor(options: DuckDBStoreOptions = {}) {
    super();
    this.options = { ...DUCKDB_DEFAULTS, ...definedOnly(options) };
    this.path = this.options.path;
    const { retentionDays, maxSizeMb, retentionIntervalMs: intervalMs } = options;
    this.retention = new RetentionJob(
      { path: this.path, retentionDays, maxSizeMb, intervalMs, now: () => this.retentionClock() },
      (sql, params) => this.read('retention', sql, params),
    );
  }

  /** The time retention measures ages against; a seam for tests that age data without waiting days. */
  protected retentionClock(): number {
    return Date.now();
  }

  /** What retention and the size cap have deleted, and the last run's failure if it failed. */
  get retentionStats(): RetentionStats {
    return this.retention.stats;
  }

  /** Runs retention and the size cap now, after any run under way. A failure shows in {@link retentionStats}. */
  enforceRetention(): Promise<void> {
    return this.retention.runNow();
  }

  /**
   * Opens the file, creates what is missing of the schema, and adds to an older table the columns
   * it lacks (see {@link addMissingColumns}): the rows already stored read those columns' blanks.
   */
  protected async connect(): Promise<OpenDatabase> {
    const config: Record<string, string> = {
      checkpoint_threshold: this.options.checkpointThreshold,
      memory_limit: this.options.memoryLimit,
      ...ALLOCATOR_SETTINGS,
    };
    if (this.options.threads !== undefined) config.threads = String(this.options.threads);
    const readOnly = this.options.readOnly === true;
    if (readOnly) config.access_mode = 'READ_ONLY';
    const engine = new EngineClient();
    try {
      await engine.call({
        op: 'open',
        path: this.path,
        config,
        statements: readOnly ? [] : SCHEMA_STATEMENTS,
      });
      const run = (sql: string) => engine.call({ op: 'query', sql, params: [] }) as Promise<unknown[][]>;
      let existing = tableColumns(await run(TABLE_COLUMNS_QUERY));
      const additions = addMissingColumns(existing);
      for (const statement of additions) await run(statement);
      if (additions.length > 0) existing = tableColumns(await run(TABLE_COLUMNS_QUERY));
      // A file from before the parts table: its parts are built from its spans, once their columns are complete.
      if (!readOnly && !existing.has(TRACE_PARTS)) for (const statement of TRACE_PARTS_SCHEMA) await run(statement);
      const [[written]] = (await run(`SELECT coalesce(max(written), 0) FROM ${TRACE_PARTS}`)) as [[bigint]];
      if (!readOnly) this.retention.start();
      return { engine, appendColumns: appendOrder(existing), written };
    } catch (error) {
      engine.release();
      throw error;
    }
  }

  protected async disconnect({ engine }: OpenDatabase): Promise<void> {
    await this.retention.stop();
    try {
      await engine.call({ op: 'close' });
    } finally {
      engine.release();
    }
  }

  async ping(): Promise<void> {
    await this.read('ping', 'SELECT 1', []);
  }

  /** Memory exhaustion, the operating system's disk outages, an invalidated instance (reopened on the next call), and contention. */
  protected override failureReason(error: unknown): StorageFailureReason {
    const message = error instanceof Error ? error.message : String(error);
    if (OUT_OF_MEMORY.test(message)) return 'overload';
    return diskOutage(message) ?? (INVALIDATED.test(message) || RETRYABLE.test(message) ? 'unavailable' : 'refused');
  }

  /** Converts what DuckDB returns into the canonical cell of the column's type. */
  protected toCell(type: ColumnType, value: unknown): Cell {
    if (value === null || value === undefined) return type === 'string_list' ? [] : null;
    switch (type) {
      case 'uint64':
        return Number(value);
      case 'float64_list':
      case 'uint64_list':
        return JSON.parse(value as string) as number[];
      case 'int64':
        return typeof value === 'bigint' ? value : BigInt(value as number);
      default:
        return value as Cell;
    }
  }

  protected async insert<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void> {
    const database = this.connected();
    const { engine, appendColumns } = database;
    const columns = appendColumns[signal];
    // Columns travel to the worker far cheaper than rows: one array each instead of one per record.
    const rows: TableRows = {
      table: TABLE_NAMES[signal],
      types: columns.map((column) => column.type),
      columns: columns.map((column) => records.map((record) => column.get(record))),
      rowCount: records.length,
    };
    const companions = signal === 'spans' ? [tracePartRows(records as readonly SpanRecord[], ++database.written)] : [];
    try {
      await engine.call({ op: 'insert', table: TABLE_NAMES[signal], rows, with: companions });
    } catch (error) {
      throw this.storageError(`insert ${signal}`, error);
    }
  }

  private async read(operation: string, sql: string, params: SqlValue[]): Promise<unknown[][]> {
    const { engine } = this.connected();
    try {
      return (await engine.call({ op: 'query', sql, params })) as unknown[][];
    } catch (error) {
      throw this.storageError(operation, error);
    }
  }

  /**
   * A round in one statement, resolved in SQL as {@link resolveCandidates} does in JS: only the page's traces (with
   * their heads' rows) and the counts come back (converting and sending rows costs more than the query: 20k rows
   * took 300-800 ms). The candidates are materialized once; their traces' parts are found by a join on the 4-byte hash alone and read by
   * rowid (the join reads one narrow column of every part; the rowids' range, as the candidates are near each other
   * in time, bounds the scan of the rest), and a part of another trace that shares a hash drops out at the join on
   * the candidates' keys. Each statement is a round trip to the worker and a scan set up.
   */
  protected async readCandidates(
    predicates: readonly Predicate[],
    order: 'asc' | 'desc',
    limit: number,
    countLimit: number | null,
    slice: CandidateSlice,
  ): Promise<CandidateRound> {
    const params = new Params();
    const filter = where('spans', predicates, params);
    const keys = selectList(TRACE_PART_KEY_COLUMNS);
    const pageOrder = `start_time_unix_nano ${order}, trace_id`;
    const nulls = (count: number) => Array.from({ length: count }, () => 'NULL').join(', ');
    const width = CANDIDATE_TRACE_COLUMNS.length;
    const inSlice =
      slice === null ? '' : `WHERE position > ${slice.offset} AND position <= ${slice.offset + slice.count}`;
    // A page's heads come with it, read by the rowids of the slice; a list that needs every trace reads its page's.
    const headRows = slice !== null;
    const head = TRACE_PART_HEAD_ROW_COLUMNS.map((column) => {
      const name = selectList([column]);
      return headRows ? `heads.${name}` : TRACE_PART_KEY_COLUMNS.includes(column) ? name : 'NULL';
    });
    const heads = headRows
      ? `JOIN (SELECT rowid AS part_row, ${selectList(TRACE_PART_HEAD_ROW_COLUMNS)} FROM ${TRACE_PARTS}
           WHERE rowid IN (SELECT part_row FROM shown)) AS heads USING (part_row)`
      : '';
    const rows = await this.read(
      'listTraces',
      `WITH candidates AS MATERIALIZED (
         SELECT ${keys}, trace_hash, rowid AS part_row FROM ${TRACE_PARTS} ${filter}
         ORDER BY ${pageOrder}, written DESC LIMIT ${limit}),
       round AS (SELECT count(*) AS candidates, ${order === 'desc' ? 'min' : 'max'}(start_time_unix_nano) AS cutoff
         FROM candidates),
       parts AS (SELECT ${selectList(TRACE_PART_PICK_COLUMNS)} FROM ${TRACE_PARTS}
         WHERE rowid IN (SELECT rowid FROM ${TRACE_PARTS} SEMI JOIN candidates USING (trace_hash))),
       traces AS (SELECT trace_id, arg_min(written, ${PART_HEAD_ORDER}) AS written,
           count(*)::UINTEGER AS trace_part_count, min(first_start_unix_nano) AS trace_first_start_unix_nano,
           max(last_start_unix_nano) AS trace_last_start_unix_nano
         FROM parts GROUP BY trace_id),
       sure AS (SELECT *, row_number() OVER (ORDER BY ${pageOrder}) AS position
         FROM traces JOIN candidates USING (trace_id, written), round
         WHERE round.candidates < ${limit} OR start_time_unix_nano ${order === 'desc' ? '>' : '<'} round.cutoff),
       shown AS MATERIALIZED (SELECT * FROM sure ${inSlice})
       SELECT 'trace', position, ${selectList(CANDIDATE_TRACE_COLUMNS.slice(0, 3))}, ${head.join(', ')} FROM shown ${heads}
       UNION ALL SELECT 'sure', count(*), NULL, (SELECT candidates FROM round), ${nulls(width - 2)} FROM sure`,
      params.values,
    );
    const of = (kind: string) => rows.filter((row) => row[0] === kind);
    const [[, sure, , candidates]] = of('sure') as [[string, bigint, null, bigint]];
    const complete = Number(candidates) < limit;
    // A round that read every matching part has counted them; a separate count spares a sparse filter (a user's
    // traces) a second scan of its column over every part, which a count folded into the round always made.
    let matching: number | null = null;
    if (countLimit !== null && complete) matching = Number(candidates);
    else if (countLimit !== null) {
      const counted = `SELECT count(*) FROM (SELECT 1 FROM ${TRACE_PARTS} ${filter} LIMIT ${countLimit})`;
      const [[count]] = (await this.read('listTraces', counted, params.values)) as [[bigint]];
      matching = Number(count);
    }
    return {
      matching,
      complete,
      sure: Number(sure),
      traces: of('trace')
        .sort((a, b) => Number(a[1]) - Number(b[1]))
        .map((row) => candidateTrace(this.decode(CANDIDATE_TRACE_COLUMNS, row.slice(2)))),
      headRows,
    };
  }

  /**
   * The join on the 4-byte hash reads two narrow columns of every part; the other columns are read by rowid, of the
   * parts it keeps only (a join's scan cannot skip them: the wide columns of a page's heads took 100-200 ms so).
   */
  protected queryTraceParts(traceIds: readonly string[], columns: readonly Column<TracePart>[]) {
    return this.read(
      'listTraces',
      `SELECT ${selectList(columns)} FROM ${TRACE_PARTS} WHERE rowid IN
         (SELECT rowid FROM ${TRACE_PARTS} SEMI JOIN ${TRACE_ID_LIST} USING (trace_hash, trace_id))`,
      [[...traceIds]],
    );
  }

  /** Time-ordered rows let DuckDB's zone maps skip all but the row groups of the time range. */
  protected querySpans(traceIds: readonly string[], from: bigint, to: bigint, columns: readonly Column<SpanRecord>[]) {
    return this.read(
      'getTrace',
      `SELECT ${selectList(columns)} FROM ${TABLE_NAMES.spans} SEMI JOIN ${TRACE_ID_LIST} USING (trace_id)
       WHERE start_time_unix_nano BETWEEN $2 AND $3 ORDER BY rowid`,
      [[...traceIds], from, to],
    );
  }

  /** The page's first records by time (equal times in the order appended, or its reverse), and a capped count. */
  protected queryRecords<S extends RecordSignal>(
    signal: S,
    predicates: readonly Predicate[],
    page: ResolvedPage,
  ): Promise<PageOf<RecordOf[S]>> {
    const operation = listOperation(signal);
    const params = new Params();
    const matching = `FROM ${TABLE_NAMES[signal]} ${where(signal, predicates, params)}`;
    const columns = COLUMNS[signal] as Column<RecordOf[S]>[];
    const identity = IDENTITY_COLUMNS[signal];
    const counted = identity.length === 0 ? 'count(*)' : `count(DISTINCT (${identity.join(', ')}))`;
    return candidatePage(page, {
      top: async (limit) => {
        const rows = await this.read(
          operation,
          `SELECT ${selectList(columns)} ${matching}
           ORDER BY ${physicalColumn(signal, TIME_COLUMNS[signal])} ${page.order}, rowid ${page.order} LIMIT ${limit}`,
          params.values,
        );
        return rows.map((row) => this.decode(columns, row));
      },
      count: async (limit) => {
        const sql = `SELECT ${counted} FROM (SELECT ${identity.join(', ') || '1'} ${matching} LIMIT ${limit})`;
        const [[count]] = (await this.read(operation, sql, params.values)) as [[bigint]];
        return Number(count);
      },
      identity: identityOf(signal),
    });
  }

  protected queryDistinct(
    operation: string,
    signal: Signal,
    columns: readonly string[],
    predicates: readonly Predicate[],
  ): Promise<unknown[][]> {
    const params = new Params();
    const list = columns.map((column) => physicalColumn(signal, column)).join(', ');
    return this.read(
      operation,
      `SELECT DISTINCT ${list} FROM ${TABLE_NAMES[signal]} ${where(signal, predicates, params)}`,
      params.values,
    );
  }

  protected async queryMetricAggregate(
    query: MetricAggregateQuery,
    predicates: readonly Predicate[],
  ): Promise<MetricAggregateResult> {
    const params = new Params();
    const filter = where('metrics', predicates, params);
    const field = `"${query.field ?? 'value'}"`;
    const bucket = params.bind(query.bucketSizeNano);
    const groupBy = query.groupBy ?? [];
    const groups = groupBy.map(
      (key, i) => `json_extract(attributes, ${params.bind(jsonPointer(key))})::VARCHAR AS g${i}`,
    );
    const aggregate = query.aggregation === 'count' ? `count(${field})` : `${query.aggregation}(${field})`;
    const rows = await this.read(
      'aggregateMetrics',
      `SELECT (time_unix_nano // ${bucket}) * ${bucket} AS bucket, ${[...groups, `${aggregate}::DOUBLE AS value`].join(', ')}
       FROM ${TABLE_NAMES.metrics} ${filter}
       GROUP BY ALL ORDER BY ${['bucket', ...groupBy.map((_, i) => `g${i}`)].join(', ')}`,
      params.values,
    );
    return toMetricSeries(groupBy, aggregateRows(groupBy.length, rows, NUMBERS));
  }

  /** Model calls, one copy each as trace lists choose it, summed per bucket and group. */
  protected async querySpend(query: SpendQuery, predicates: CopyPredicates): Promise<SpendResult> {
    const params = new Params();
    const bucket = params.bind(query.bucketSizeNano);
    const calls = once(
      'spans',
      `SELECT * FROM ${TABLE_NAMES.spans} ${where('spans', predicates.copies, params)}`,
      `${SPAN_PRECEDENCE_SQL} DESC, rowid DESC`,
    );
    const column = spendGroupColumn(query);
    const group = column === null ? null : physicalColumn('spans', column);
    const keys = ['bucket', ...(group === null ? [] : [group])];
    const rows = await this.read(
      'aggregateSpend',
      `SELECT (${physicalColumn('spans', TIME_COLUMNS.spans)} // ${bucket}) * ${bucket} AS bucket,
         ${group === null ? 'NULL' : group}, count(*), count(${PRICED_COLUMN}),
         ${SPEND_SUMS.map(([, column]) => `fsum(${column})::DOUBLE`).join(', ')}
       FROM ${calls} ${where('spans', predicates.chosen, params)}
       GROUP BY ${keys.join(', ')} ORDER BY ${keys.join(', ')}`,
      params.values,
    );
    return toSpendResult(query, spendRows(rows, NUMBERS));
  }
}
