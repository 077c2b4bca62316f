import { definedOnly } from '../../options';
import { jsonPointer } from '../../records/primitives';
import type { RecordOf, Signal, SpanRecord } from '../../records/types';
import {
  StoreBase,
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
  INPUT_PREVIEW_LENGTH,
  TABLE_NAMES,
  TIME_COLUMNS,
  TRACE_SUMMARY_COLUMNS,
  type Cell,
  type Column,
  type ColumnType,
} from '../columns';
import { diskOutage, type StorageFailureReason } from '../errors';
import type { Predicate, TraceListPredicates } from '../filters';
import { SPAN_PRECEDENCE_SQL } from '../precedence';
import { PRICED_COLUMN, SPEND_SUMS, spendGroupColumn, toSpendResult } from '../spend';
import type { MetricAggregateQuery, MetricAggregateResult, SpendQuery, SpendResult, TraceSummary } from '../types';
import type { RetentionDays } from '../retention';
import { EngineClient } from './engine-client';
import type { TableRows } from './engine';
import {
  SCHEMA_STATEMENTS,
  TABLE_COLUMNS_QUERY,
  TRACE_RANGES,
  TRACE_RANGES_BACKFILL,
  addMissingColumns,
  appendOrder,
  physicalColumn,
  selectList,
  tableColumns,
  type AppendOrder,
} from './schema';
import { Params, type SqlValue, where } from './query';
import { RetentionJob } from './retention';
import type { RetentionStats } from '../retention';

/** Every option is optional; {@link DUCKDB_DEFAULTS} says what one left out means. */
export interface DuckDBStoreOptions {
  /** A database file (relative to the working directory), or `:memory:`. */
  path?: string;
  /**
   * Write-ahead-log size that triggers a checkpoint. Commits are durable in the log either way; a
   * larger threshold checkpoints less often (DuckDB's own 16MB halves append speed) but keeps more
   * appended data in memory until then.
   */
  checkpointThreshold?: string;
  /** DuckDB's worker threads. Default: DuckDB's own choice, the number of cores. */
  threads?: number;
  /**
   * DuckDB's own memory budget (its buffer pool; beyond it, it spills to disk): less than DuckDB's
   * 80% of the machine, so that a long-running process stays bounded.
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

export const DUCKDB_DEFAULTS = {
  path: 'otel-bridge.duckdb',
  checkpointThreshold: '128MB',
  memoryLimit: '64MB',
} as const satisfies DuckDBStoreOptions;

/** One row per trace of a batch: the earliest and latest span start. */
function traceRanges(spans: readonly SpanRecord[]): TableRows {
  const ranges = new Map<string, [bigint, bigint]>();
  for (const span of spans) {
    const range = ranges.get(span.traceId);
    if (!range) ranges.set(span.traceId, [span.startTimeUnixNano, span.startTimeUnixNano]);
    else if (span.startTimeUnixNano < range[0]) range[0] = span.startTimeUnixNano;
    else if (span.startTimeUnixNano > range[1]) range[1] = span.startTimeUnixNano;
  }
  return {
    table: TRACE_RANGES,
    types: ['string', 'int64', 'int64'],
    columns: [
      [...ranges.keys()],
      [...ranges.values()].map((range) => range[0]),
      [...ranges.values()].map((range) => range[1]),
    ],
    rowCount: ranges.size,
  };
}

const INPUT_PREVIEW = `CASE WHEN json_type(input) = 'VARCHAR' THEN left(json_extract_string(input, '$'), ${INPUT_PREVIEW_LENGTH})
  ELSE left(CAST(input AS VARCHAR), ${INPUT_PREVIEW_LENGTH}) END`;

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

/** An open database: the engine, and the order in which its tables take columns. */
interface OpenDatabase {
  engine: EngineClient;
  appendColumns: AppendOrder;
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
export class DuckDBStore extends StoreBase<OpenDatabase> {
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
        backfills: readOnly ? [] : [TRACE_RANGES_BACKFILL],
      });
      const run = (sql: string) => engine.call({ op: 'query', sql, params: [] }) as Promise<unknown[][]>;
      let existing = tableColumns(await run(TABLE_COLUMNS_QUERY));
      const additions = addMissingColumns(existing);
      for (const statement of additions) await run(statement);
      if (additions.length > 0) existing = tableColumns(await run(TABLE_COLUMNS_QUERY));
      if (!readOnly) this.retention.start();
      return { engine, appendColumns: appendOrder(existing) };
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
    const { engine, appendColumns } = this.connected();
    const columns = appendColumns[signal];
    // Columns travel to the worker far cheaper than rows: one array each instead of one per record.
    const rows: TableRows = {
      table: TABLE_NAMES[signal],
      types: columns.map((column) => column.type),
      columns: columns.map((column) => records.map((record) => column.get(record))),
      rowCount: records.length,
    };
    const companions = signal === 'spans' ? [traceRanges(records as readonly SpanRecord[])] : [];
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

  /** Finds the trace's start-time range through the ranges index, then reads only those span rows. */
  protected async queryTraceSpans(traceId: string): Promise<SpanRecord[]> {
    const [[from, to]] = (await this.read(
      'getTrace',
      `SELECT min(min_start_unix_nano), max(max_start_unix_nano) FROM ${TRACE_RANGES} WHERE trace_id = $1`,
      [traceId],
    )) as [[bigint | null, bigint | null]];
    if (from === null || to === null) return [];
    const rows = await this.read(
      'getTrace',
      `SELECT ${selectList(COLUMNS.spans)} FROM ${TABLE_NAMES.spans} WHERE start_time_unix_nano BETWEEN $2 AND $3 AND trace_id = $1 ORDER BY rowid`,
      [traceId, from, to],
    );
    return rows.map((row) => this.decode(COLUMNS.spans, row));
  }

  /**
   * The total count and one page of `source`: a table or subquery that already applies the
   * predicates bound in `params`.
   */
  private async page(
    operation: string,
    source: string,
    select: string,
    order: string,
    params: Params,
    page: ResolvedPage,
  ): Promise<{ total: number; rows: unknown[][] }> {
    const [[total]] = (await this.read(operation, `SELECT count(*) FROM ${source}`, params.values)) as [[bigint]];
    const rows = await this.read(
      operation,
      `SELECT ${select} FROM ${source} ORDER BY ${order} LIMIT ${page.perPage} OFFSET ${page.offset}`,
      params.values,
    );
    return { total: Number(total), rows };
  }

  /**
   * Root spans, one copy each, the preferred one (`precedence.ts`; of equal ones the last appended,
   * the highest rowid), and the rest of the filter applied to that copy.
   */
  protected async queryTraces(predicates: TraceListPredicates, page: ResolvedPage): Promise<PageOf<TraceSummary>> {
    const params = new Params();
    const copies = once(
      'spans',
      `SELECT * FROM ${TABLE_NAMES.spans} ${where('spans', predicates.copies, params)}`,
      `${SPAN_PRECEDENCE_SQL} DESC, rowid DESC`,
    );
    const roots = `(SELECT ${selectList(TRACE_SUMMARY_COLUMNS)}, ${INPUT_PREVIEW} AS input_preview FROM ${copies} ${where('spans', predicates.chosen, params)})`;
    const order = `start_time_unix_nano ${page.order}, trace_id`;
    const { total, rows } = await this.page('listTraces', roots, '*', order, params, page);
    return { total, items: rows.map((row) => this.decodeSummary(row)) };
  }

  protected async queryRecords<S extends RecordSignal>(
    signal: S,
    predicates: readonly Predicate[],
    page: ResolvedPage,
  ): Promise<PageOf<RecordOf[S]>> {
    const params = new Params();
    const matching = `${TABLE_NAMES[signal]} ${where(signal, predicates, params)}`;
    const source = IDENTITY_COLUMNS[signal].length === 0 ? matching : once(signal, `SELECT * FROM ${matching}`);
    const columns = COLUMNS[signal] as Column<RecordOf[S]>[];
    const order = `${physicalColumn(signal, TIME_COLUMNS[signal])} ${page.order}`;
    const { total, rows } = await this.page(listOperation(signal), source, selectList(columns), order, params, page);
    return { total, items: rows.map((row) => this.decode(columns, row)) };
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
    return toMetricSeries(
      groupBy,
      rows.map((row) => ({
        bucket: row[0] as bigint,
        groups: row.slice(1, 1 + groupBy.length) as (string | null)[],
        value: row[1 + groupBy.length] as number | null,
      })),
    );
  }

  /** Model calls, one copy each as trace lists choose it, summed per bucket and group. */
  protected async querySpend(query: SpendQuery, predicates: TraceListPredicates): Promise<SpendResult> {
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
    return toSpendResult(
      query,
      rows.map((row) => ({
        bucket: row[0] as bigint,
        group: row[1] as string | null,
        calls: Number(row[2]),
        pricedCalls: Number(row[3]),
        sums: row.slice(4) as (number | null)[],
      })),
    );
  }
}
