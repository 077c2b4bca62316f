import type { RecordOf, Signal, SpanRecord } from '../../records/types';
import { StoreBase, toMetricSeries, toUnixNano, type PageOf, type ResolvedPage } from '../base';
import {
  COLUMNS,
  INPUT_PREVIEW_LENGTH,
  TRACE_SUMMARY_COLUMNS,
  decodeRow,
  type Cell,
  type Column,
  type ColumnType,
} from '../columns';
import { StorageError, StoreClosedError } from '../errors';
import { SPAN_PRECEDENCE_SQL } from '../precedence';
import type {
  FeedbackFilter,
  LogFilter,
  MetricAggregateQuery,
  MetricAggregateResult,
  MetricDescriptor,
  MetricFilter,
  ScoreFilter,
  SignalStrategy,
  StrategyHint,
  TimeRange,
  TraceFilter,
  TraceSummary,
  TracingStrategy,
} from '../types';
import { EngineClient } from './engine-client';
import type { TableRows } from './engine';
import { SCHEMA_STATEMENTS, TABLES, TRACE_RANGES, TRACE_RANGES_BACKFILL, physicalName } from './schema';
import {
  Where,
  type SqlValue,
  commonWhere,
  feedbackWhere,
  jsonPointer,
  logWhere,
  metricWhere,
  scoreWhere,
  traceWhere,
} from './query';

export interface DuckDBStoreOptions {
  /** A database file, or `:memory:`. Default: `otel-bridge.duckdb` in the working directory. */
  path?: string;
  /**
   * Write-ahead-log size that triggers a checkpoint. Commits are durable in the log either way; a
   * larger threshold checkpoints less often (DuckDB's own 16MB halves append speed) but keeps more
   * appended data in memory until then. Default `128MB`.
   */
  checkpointThreshold?: string;
  /** DuckDB's worker threads. Default: DuckDB's own choice, the number of cores. */
  threads?: number;
  /**
   * DuckDB's own memory budget (its buffer pool; beyond it, it spills to disk). Default `64MB`,
   * instead of DuckDB's 80% of the machine, so that a long-running process stays bounded.
   */
  memoryLimit?: string;
  /**
   * Open an existing file for reading only (DuckDB's `READ_ONLY` access mode): nothing is created
   * or written, and other read-only processes may open the same file; a writer may not. Default
   * `false`.
   */
  readOnly?: boolean;
}

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

/** Converts what DuckDB returns into the canonical cell of the column's type. */
function toCell(type: ColumnType, value: unknown): Cell {
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

const INPUT_PREVIEW = `CASE WHEN json_type(input) = 'VARCHAR' THEN left(json_extract_string(input, '$'), ${INPUT_PREVIEW_LENGTH})
  ELSE left(CAST(input AS VARCHAR), ${INPUT_PREVIEW_LENGTH}) END`;

const RETRYABLE = /Conflict|lock|Out of Memory|IO Error|interrupted/i;

function storageError(operation: string, error: unknown): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError({ store: 'duckdb', operation, retryable: RETRYABLE.test(message), message, cause: error });
}

/**
 * The embedded store: one DuckDB file (or memory) for all five signals.
 *
 * DuckDB itself runs in a worker thread (`engine.ts`), so that appending, which is synchronous,
 * never blocks the event loop: this thread encodes records into columns and decodes rows, the
 * worker appends and queries. Each batch is one transaction through DuckDB's Appender, on a
 * connection per signal: all or nothing, and the signals write in parallel.
 */
export class DuckDBStore extends StoreBase {
  readonly kind = 'duckdb';
  readonly path: string;
  private readonly options: DuckDBStoreOptions;
  private engine: EngineClient | null = null;
  private opening: Promise<void> | null = null;

  constructor(options: DuckDBStoreOptions = {}) {
    super();
    this.options = options;
    this.path = options.path ?? 'otel-bridge.duckdb';
  }

  /** A started span is worth storing at once: reads keep its finished copy once that arrives. */
  get tracingStrategy(): StrategyHint<TracingStrategy> {
    return { preferred: 'event-sourced', supported: ['insert-only', 'event-sourced'] };
  }
  get logsStrategy(): StrategyHint<SignalStrategy> {
    return { preferred: 'batch', supported: ['batch', 'realtime'] };
  }
  get metricsStrategy(): StrategyHint<SignalStrategy> {
    return { preferred: 'batch', supported: ['batch', 'realtime'] };
  }
  get scoresStrategy(): StrategyHint<SignalStrategy> {
    return { preferred: 'batch', supported: ['batch', 'realtime'] };
  }
  get feedbackStrategy(): StrategyHint<SignalStrategy> {
    return { preferred: 'batch', supported: ['batch', 'realtime'] };
  }

  init(): Promise<void> {
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = null;
      throw storageError('init', error);
    });
    return this.opening;
  }

  private async open(): Promise<void> {
    const config: Record<string, string> = {
      checkpoint_threshold: this.options.checkpointThreshold ?? '128MB',
      memory_limit: this.options.memoryLimit ?? '64MB',
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
    } catch (error) {
      engine.release();
      throw error;
    }
    this.engine = engine;
  }

  async close(): Promise<void> {
    const opening = this.opening;
    if (!opening) return;
    await opening.catch(() => undefined);
    const engine = this.engine;
    this.engine = null;
    this.opening = null;
    if (!engine) return;
    try {
      await engine.call({ op: 'close' });
    } finally {
      engine.release();
    }
  }

  async ping(): Promise<void> {
    await this.read('ping', 'SELECT 1', []);
  }

  private active(): EngineClient {
    if (!this.engine) throw new StoreClosedError('duckdb');
    return this.engine;
  }

  protected async insert<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void> {
    const engine = this.active();
    const columns = COLUMNS[signal] as Column<RecordOf[S]>[];
    // Columns travel to the worker far cheaper than rows: one array each instead of one per record.
    const rows: TableRows = {
      table: TABLES[signal],
      types: columns.map((column) => column.type),
      columns: columns.map((column) => records.map((record) => column.get(record))),
      rowCount: records.length,
    };
    const companions = signal === 'spans' ? [traceRanges(records as readonly SpanRecord[])] : [];
    try {
      await engine.call({ op: 'insert', table: TABLES[signal], rows, with: companions });
    } catch (error) {
      throw storageError(`insert ${signal}`, error);
    }
  }

  private async read(operation: string, sql: string, params: SqlValue[]): Promise<unknown[][]> {
    const engine = this.active();
    try {
      return (await engine.call({ op: 'query', sql, params })) as unknown[][];
    } catch (error) {
      throw storageError(operation, error);
    }
  }

  private decode<R>(columns: readonly Column<R>[], row: readonly unknown[]): R {
    return decodeRow(
      columns,
      columns.map((column, i) => toCell(column.type, row[i])),
    );
  }

  private async page<R>(
    operation: string,
    columns: readonly Column<R>[],
    from: string,
    where: Where,
    timeColumn: string,
    page: ResolvedPage,
  ): Promise<PageOf<R>> {
    const list = columns.map((column) => physicalName(column as Column<unknown>)).join(', ');
    const [[total]] = (await this.read(operation, `SELECT count(*) FROM ${from} ${where.sql}`, where.params)) as [
      [bigint],
    ];
    const rows = await this.read(
      operation,
      `SELECT ${list} FROM ${from} ${where.sql} ORDER BY ${timeColumn} ${page.order} LIMIT ${page.perPage} OFFSET ${page.offset}`,
      where.params,
    );
    return { total: Number(total), items: rows.map((row) => this.decode(columns, row)) };
  }

  /** Finds the trace's start-time range through the ranges index, then reads only those span rows. */
  protected async queryTraceSpans(traceId: string): Promise<SpanRecord[]> {
    const [[from, to]] = (await this.read(
      'getTrace',
      `SELECT min(min_start_unix_nano), max(max_start_unix_nano) FROM ${TRACE_RANGES} WHERE trace_id = $1`,
      [traceId],
    )) as [[bigint | null, bigint | null]];
    if (from === null || to === null) return [];
    const list = COLUMNS.spans.map((column) => physicalName(column as Column<unknown>)).join(', ');
    const rows = await this.read(
      'getTrace',
      `SELECT ${list} FROM ${TABLES.spans} WHERE start_time_unix_nano BETWEEN $2 AND $3 AND trace_id = $1 ORDER BY rowid`,
      [traceId, from, to],
    );
    return rows.map((row) => this.decode(COLUMNS.spans, row));
  }

  /**
   * Root spans, one copy each, the preferred one (`precedence.ts`; of equal ones the last appended,
   * the highest rowid), and the filter applied to that copy. The time bounds also apply before the
   * choice, so that a bounded list reads only its row groups.
   */
  protected async queryTraces(filter: TraceFilter, page: ResolvedPage): Promise<PageOf<TraceSummary>> {
    const where = traceWhere(filter);
    const bounds = ['parent_span_id IS NULL'];
    if (filter.from !== undefined) bounds.push(`start_time_unix_nano >= ${where.bind(toUnixNano(filter.from))}`);
    if (filter.to !== undefined) bounds.push(`start_time_unix_nano < ${where.bind(toUnixNano(filter.to))}`);
    const list = TRACE_SUMMARY_COLUMNS.map((column) => physicalName(column as Column<unknown>)).join(', ');
    const copies = `(SELECT * FROM ${TABLES.spans} WHERE ${bounds.join(' AND ')}
      QUALIFY row_number() OVER (PARTITION BY trace_id, span_id ORDER BY ${SPAN_PRECEDENCE_SQL} DESC, rowid DESC) = 1)`;
    const roots = `(SELECT ${list}, ${INPUT_PREVIEW} AS input_preview FROM ${copies} ${where.sql})`;
    const [[total]] = (await this.read('listTraces', `SELECT count(*) FROM ${roots}`, where.params)) as [[bigint]];
    const rows = await this.read(
      'listTraces',
      `SELECT * FROM ${roots} ORDER BY start_time_unix_nano ${page.order}, trace_id LIMIT ${page.perPage} OFFSET ${page.offset}`,
      where.params,
    );
    const items = rows.map((row) => {
      const summary = this.decode(TRACE_SUMMARY_COLUMNS, row) as unknown as TraceSummary;
      summary.inputPreview = (row[TRACE_SUMMARY_COLUMNS.length] as string | null) ?? null;
      return summary;
    });
    return { total: Number(total), items };
  }

  protected queryLogs(filter: LogFilter, page: ResolvedPage): Promise<PageOf<RecordOf['logs']>> {
    return this.page('listLogs', COLUMNS.logs, TABLES.logs, logWhere(filter), 'time_unix_nano', page);
  }

  protected queryMetrics(filter: MetricFilter, page: ResolvedPage): Promise<PageOf<RecordOf['metrics']>> {
    return this.page('listMetrics', COLUMNS.metrics, TABLES.metrics, metricWhere(filter), 'time_unix_nano', page);
  }

  protected queryScores(filter: ScoreFilter, page: ResolvedPage): Promise<PageOf<RecordOf['scores']>> {
    const where = scoreWhere(filter);
    const unique = `(SELECT * FROM ${TABLES.scores} ${where.sql} QUALIFY row_number() OVER (PARTITION BY score_id) = 1)`;
    return this.pageWith('listScores', COLUMNS.scores, unique, where, page);
  }

  protected queryFeedback(filter: FeedbackFilter, page: ResolvedPage): Promise<PageOf<RecordOf['feedback']>> {
    const where = feedbackWhere(filter);
    const unique = `(SELECT * FROM ${TABLES.feedback} ${where.sql} QUALIFY row_number() OVER (PARTITION BY feedback_id) = 1)`;
    return this.pageWith('listFeedback', COLUMNS.feedback, unique, where, page);
  }

  protected async queryMetricAggregate(query: MetricAggregateQuery): Promise<MetricAggregateResult> {
    const where = metricWhere({ ...query.filter, name: query.name });
    const field = `"${query.field ?? 'value'}"`;
    const bucket = where.bind(query.bucketSizeNano);
    const groupBy = query.groupBy ?? [];
    const groups = groupBy.map(
      (key, i) => `json_extract(attributes, ${where.bind(jsonPointer(key))})::VARCHAR AS g${i}`,
    );
    const aggregate = query.aggregation === 'count' ? `count(${field})` : `${query.aggregation}(${field})`;
    const rows = await this.read(
      'aggregateMetrics',
      `SELECT (time_unix_nano // ${bucket}) * ${bucket} AS bucket, ${[...groups, `${aggregate}::DOUBLE AS value`].join(', ')}
       FROM ${TABLES.metrics} ${where.sql}
       GROUP BY ALL ORDER BY ${['bucket', ...groupBy.map((_, i) => `g${i}`)].join(', ')}`,
      where.params,
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

  protected async queryServices(range: TimeRange): Promise<string[]> {
    const where = commonWhere(range, 'time_unix_nano');
    const rows = await this.read(
      'listServices',
      `SELECT DISTINCT service_name FROM (
         SELECT service_name, start_time_unix_nano AS time_unix_nano FROM ${TABLES.spans}
         UNION ALL SELECT service_name, time_unix_nano FROM ${TABLES.logs}
         UNION ALL SELECT service_name, time_unix_nano FROM ${TABLES.metrics})
       ${where.sql} ORDER BY service_name`,
      where.params,
    );
    return rows.map(([name]) => name as string);
  }

  protected async queryMetricDescriptors(range: TimeRange): Promise<MetricDescriptor[]> {
    const where = commonWhere(range, 'time_unix_nano');
    const rows = await this.read(
      'listMetricDescriptors',
      `SELECT DISTINCT name, type, unit FROM ${TABLES.metrics} ${where.sql} ORDER BY name, type, unit`,
      where.params,
    );
    return rows.map(([name, type, unit]) => ({ name, type, unit }) as MetricDescriptor);
  }

  /** Pages over a subquery that already applies `where`, re-binding its parameters. */
  private pageWith<R>(
    operation: string,
    columns: readonly Column<R>[],
    subquery: string,
    where: Where,
    page: ResolvedPage,
  ): Promise<PageOf<R>> {
    const bound = new Where();
    bound.params.push(...where.params);
    return this.page(operation, columns, subquery, bound, 'time_unix_nano', page);
  }
}
