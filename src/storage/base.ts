import { SPAN_ID_PATTERN, TRACE_ID_PATTERN } from '../records/primitives';
import { assertValidRecords } from '../records/validate';
import type { RecordOf, Signal, SpanRecord } from '../records/types';
import type {
  FeedbackFilter,
  ListArgs,
  LogFilter,
  MetricAggregateQuery,
  MetricAggregateResult,
  MetricDescriptor,
  MetricFilter,
  MetricSeries,
  ObservabilityStore,
  Pagination,
  ScoreFilter,
  SignalStrategy,
  SpendQuery,
  SpendResult,
  StrategyHint,
  TimeRange,
  Trace,
  TraceListArgs,
  TraceSummary,
  TracingStrategy,
} from './types';
import {
  TOTAL_CAP,
  TRACE_ORDER_BYS,
  DEFAULT_PER_PAGE,
  MAX_PAGE,
  MAX_PER_PAGE,
  METRIC_AGGREGATE_FIELDS,
  METRIC_AGGREGATIONS,
} from './types';
import { IDENTITY_COLUMNS, decodeRow, modelColumn, type Cell, type Column, type ColumnType } from './columns';
import { InvalidQueryError, StorageError, StoreClosedError, type StorageFailureReason } from './errors';
import {
  FILTERS,
  rangePredicates,
  spendPredicates,
  type CopyPredicates,
  type FilterOf,
  type Predicate,
} from './filters';
import type { TraceListPage, TraceListQuery } from './trace-list';
import { decodeTypedValue } from './typed-json';
import { checkSpendQuery } from './spend';
import { preferredCopies } from './precedence';

/** A page request with its defaults applied and its bounds checked. */
export interface ResolvedPage {
  page: number;
  perPage: number;
  offset: number;
  order: 'asc' | 'desc';
}

/** A signal whose list returns whole records: every one but spans, whose list is of trace summaries. */
export type RecordSignal = Exclude<Signal, 'spans'>;

/** A list's operation name in errors: `listLogs`, `listScores`, … */
export function listOperation(signal: RecordSignal): string {
  return `list${signal[0]!.toUpperCase()}${signal.slice(1)}`;
}

/** What a store's query returns before the base class adds the pagination block. */
export interface PageOf<T> {
  items: T[];
  /** Exact, or {@link TOTAL_CAP} with `totalExact` false. */
  total: number;
  totalExact: boolean;
  hasMore: boolean;
}

/** The two reads of a list that scales with its page (see {@link candidatePage}). */
export interface CandidateReads<T> {
  /** The first `limit` matching records in page order, the last written first among equal times; copies included. */
  top(limit: number): Promise<T[]>;
  /** How many records match, counting at most `limit` rows; each identity once among them. */
  count(limit: number): Promise<number>;
  /** A record's identity, or `null` for a signal without one (logs, metrics), whose records read at least once. */
  identity: ((record: T) => string) | null;
}

/**
 * One page of a list, reading only what the page needs: the first records up to the page's end (and one more, for
 * `hasMore`), deduplicated among themselves, read again twice as many while copies shrink the page; and a count
 * capped at {@link TOTAL_CAP}. A copy of a record stored at another time than the first (a score rewritten later)
 * may show on another page.
 */
export async function candidatePage<T>(page: ResolvedPage, reads: CandidateReads<T>): Promise<PageOf<T>> {
  const wanted = page.offset + page.perPage + 1;
  const once = (rows: T[]) => (reads.identity === null ? rows : firstOfEach(rows, reads.identity));
  let limit = wanted;
  const [counted, first] = await Promise.all([reads.count(TOTAL_CAP + 1), reads.top(limit)]);
  let rows = first;
  let unique = once(rows);
  while (unique.length < wanted && rows.length === limit) {
    limit *= 2;
    rows = await reads.top(limit);
    unique = once(rows);
  }
  return {
    items: unique.slice(page.offset, page.offset + page.perPage),
    total: Math.min(counted, TOTAL_CAP),
    totalExact: counted <= TOTAL_CAP,
    hasMore: unique.length > page.offset + page.perPage,
  };
}

/** A record's identity from the signal's {@link IDENTITY_COLUMNS}, or `null` for a signal without one. */
export function identityOf<S extends RecordSignal>(signal: S): ((record: RecordOf[S]) => string) | null {
  const columns = IDENTITY_COLUMNS[signal].map((name) => modelColumn(signal, name));
  if (columns.length === 0) return null;
  return (record) => columns.map((column) => String(column.get(record))).join('\0');
}

function firstOfEach<T>(records: readonly T[], identity: (record: T) => string): T[] {
  const seen = new Set<string>();
  return records.filter((record) => {
    const key = identity(record);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Checks a trace list's order and its filters on totals; returns them, `null` for each one left out. */
function checkTraceList(args: TraceListArgs): { minCost: number | null; anyError: boolean | null } {
  if (args.orderBy !== undefined && !TRACE_ORDER_BYS.includes(args.orderBy)) {
    throw new InvalidQueryError(`orderBy must be ${TRACE_ORDER_BYS.join(', ')}; got ${String(args.orderBy)}`);
  }
  const { minCost, anyError } = args.filter ?? {};
  if (minCost !== undefined && (typeof minCost !== 'number' || !Number.isFinite(minCost) || minCost < 0)) {
    throw new InvalidQueryError(`minCost must be a number >= 0 (USD), got ${String(minCost)}`);
  }
  if (anyError !== undefined && typeof anyError !== 'boolean') {
    throw new InvalidQueryError(`anyError must be true or false, got ${String(anyError)}`);
  }
  return { minCost: minCost ?? null, anyError: anyError ?? null };
}

export function resolvePage(args: ListArgs<unknown>): ResolvedPage {
  const page = args.page ?? 0;
  const perPage = args.perPage ?? DEFAULT_PER_PAGE;
  if (!Number.isInteger(page) || page < 0 || page > MAX_PAGE)
    throw new InvalidQueryError(`page must be an integer from 0 to ${MAX_PAGE}, got ${page}`);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
    throw new InvalidQueryError(`perPage must be an integer from 1 to ${MAX_PER_PAGE}, got ${perPage}`);
  }
  const order = args.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    throw new InvalidQueryError(`order must be 'asc' or 'desc', got ${String(order)}`);
  return { page, perPage, offset: page * perPage, order };
}

export function checkTraceId(traceId: string): void {
  if (!TRACE_ID_PATTERN.test(traceId))
    throw new InvalidQueryError(`traceId must be 32 lowercase hex digits, got ${JSON.stringify(traceId)}`);
}

export function checkSpanId(spanId: string): void {
  if (!SPAN_ID_PATTERN.test(spanId))
    throw new InvalidQueryError(`spanId must be 16 lowercase hex digits, got ${JSON.stringify(spanId)}`);
}

function checkIds(filter: { traceId?: string; spanId?: string } | undefined): void {
  if (filter?.traceId !== undefined) checkTraceId(filter.traceId);
  if (filter?.spanId !== undefined) checkSpanId(filter.spanId);
}

/** Ascending order of two times or two texts (texts by UTF-16 code unit). */
export const compareAscending = <T extends bigint | string>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A trace as readers want it: each span once (the copy that {@link preferredCopies} keeps; `spans`
 * in the order they were written), ordered by start time; when start times tie (the JS SDK's are in
 * whole milliseconds), a parent before its children, then the span that ended first, then by span id.
 */
export function orderTrace(spans: readonly SpanRecord[]): SpanRecord[] {
  const unique = new Map<string, SpanRecord>();
  for (const span of preferredCopies(spans)) unique.set(span.spanId, span);
  const depths = new Map<string, number>();
  const depthOf = (span: SpanRecord, seen = new Set<string>()): number => {
    const known = depths.get(span.spanId);
    if (known !== undefined) return known;
    const parent = span.parentSpanId === null ? undefined : unique.get(span.parentSpanId);
    // A cycle can only come from corrupt ids; it must not hang the read.
    const depth = parent && !seen.has(parent.spanId) ? depthOf(parent, seen.add(span.spanId)) + 1 : 0;
    depths.set(span.spanId, depth);
    return depth;
  };
  return [...unique.values()].sort(
    (a, b) =>
      compareAscending(a.startTimeUnixNano, b.startTimeUnixNano) ||
      depthOf(a) - depthOf(b) ||
      compareAscending(a.endTimeUnixNano, b.endTimeUnixNano) ||
      (a.spanId < b.spanId ? -1 : 1),
  );
}

/** One row of a metric aggregate as an engine returns it. */
export interface AggregateRow {
  bucket: bigint;
  /** The typed JSON of each `groupBy` value, or `null` where the point lacked the key. */
  groups: (string | null)[];
  value: number | null;
}

/**
 * Gathers aggregate rows, ordered by bucket, into one series per distinct group, in the order the
 * groups first appear. A bucket whose aggregate is `null` (no values) adds no point.
 */
export function toMetricSeries(groupBy: readonly string[], rows: Iterable<AggregateRow>): MetricAggregateResult {
  const series = new Map<string, MetricSeries>();
  for (const row of rows) {
    const key = JSON.stringify(row.groups);
    let entry = series.get(key);
    if (!entry) {
      const group = Object.fromEntries(
        groupBy.map((name, i) => [name, row.groups[i] == null ? null : decodeTypedValue(row.groups[i])]),
      );
      entry = { group, points: [] };
      series.set(key, entry);
    }
    if (row.value !== null) entry.points.push({ timeUnixNano: row.bucket, value: row.value });
  }
  return { series: [...series.values()] };
}

function paginated<T>(page: ResolvedPage, result: PageOf<T>): { pagination: Pagination; items: T[] } {
  const { total, totalExact, hasMore, items } = result;
  return { pagination: { total, totalExact, page: page.page, perPage: page.perPage, hasMore }, items };
}

/** The strategies a store takes: `tracing` for spans, `signals` for logs, metrics, scores and feedback alike. */
export interface StoreStrategies {
  tracing: StrategyHint<TracingStrategy>;
  signals: StrategyHint<SignalStrategy>;
}

const copyHint = <T extends string>(hint: StrategyHint<T>): StrategyHint<T> => ({
  preferred: hint.preferred,
  supported: [...hint.supported],
});

/**
 * What every store shares: opening once and closing, strategy hints, validation before any write,
 * argument checks, filters as neutral predicates, pagination and row decoding. A store supplies
 * its connection (`connect`, `disconnect`), its cell decoding (`toCell`), and the `insert` and
 * `query*` methods for its engine.
 *
 * `Connection` is what `connect` opens: a client, an engine handle, the memory store's tables.
 */
export abstract class StoreBase<Connection = unknown> implements ObservabilityStore {
  abstract readonly kind: string;
  protected abstract readonly strategies: StoreStrategies;
  private connection: Connection | null = null;
  private opening: Promise<void> | null = null;

  get tracingStrategy(): StrategyHint<TracingStrategy> {
    return copyHint(this.strategies.tracing);
  }
  get logsStrategy(): StrategyHint<SignalStrategy> {
    return copyHint(this.strategies.signals);
  }
  get metricsStrategy(): StrategyHint<SignalStrategy> {
    return copyHint(this.strategies.signals);
  }
  get scoresStrategy(): StrategyHint<SignalStrategy> {
    return copyHint(this.strategies.signals);
  }
  get feedbackStrategy(): StrategyHint<SignalStrategy> {
    return copyHint(this.strategies.signals);
  }

  /** Opens the engine and creates what is missing of the schema; called once until `close`. */
  protected abstract connect(): Promise<Connection>;
  /** Releases what `connect` opened. */
  protected abstract disconnect(connection: Connection): Promise<void>;
  abstract ping(): Promise<void>;
  /** The canonical cell (see `columns.ts`) of a value of a column type, as the engine returned it. */
  protected abstract toCell(type: ColumnType, value: unknown): Cell;

  /**
   * Opens the store once, however often it is called; a failed attempt is forgotten, so the next
   * call tries again. Fails with a {@link StorageError}.
   */
  init(): Promise<void> {
    this.opening ??= this.connect().then(
      (connection) => {
        this.connection = connection;
      },
      (error: unknown) => {
        this.opening = null;
        throw this.storageError('init', error);
      },
    );
    return this.opening;
  }

  /** Waits for an `init` under way, then releases the connection; a no-op on a store that is not open. */
  async close(): Promise<void> {
    const opening = this.opening;
    if (!opening) return;
    await opening.catch(() => undefined);
    const connection = this.connection;
    this.connection = null;
    this.opening = null;
    if (connection !== null) await this.disconnect(connection);
  }

  /** The open connection; a {@link StoreClosedError} before `init` and after `close`. */
  protected connected(): Connection {
    if (this.connection === null) throw new StoreClosedError(this.kind);
    return this.connection;
  }

  /**
   * What a failure of the engine means: an outage that passes when retried (and which), or
   * `refused`, a call that fails the same way again. Every failure is refused unless a store says so.
   */
  protected failureReason(_error: unknown): StorageFailureReason {
    return 'refused';
  }

  /** Wraps a failure of the engine in a {@link StorageError} that keeps the engine's message and says why. */
  protected storageError(operation: string, error: unknown): StorageError {
    if (error instanceof StorageError) return error;
    const { message } = (error ?? {}) as { message?: unknown };
    const reason = this.failureReason(error);
    return new StorageError({
      store: this.kind,
      operation,
      retryable: reason !== 'refused',
      reason,
      message: typeof message === 'string' ? message : String(error),
      cause: error,
    });
  }

  /** A record from an engine row whose values are in the order of `columns`. */
  protected decode<R>(columns: readonly Column<R>[], row: readonly unknown[]): R {
    const cells: Cell[] = new Array<Cell>(columns.length);
    for (let i = 0; i < columns.length; i++) cells[i] = this.toCell(columns[i]!.type, row[i]);
    return decodeRow(columns, cells);
  }

  /** Writes a batch of valid records of one signal, all or nothing. */
  protected abstract insert<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void>;
  /** Every stored span of a trace, duplicates allowed, in the order they were written where the engine can tell. */
  protected abstract queryTraceSpans(traceId: string): Promise<SpanRecord[]>;
  /**
   * One page of traces, one row per trace by its head span: its root (of the root copies the one that
   * `precedence.ts` prefers, then the last written), or while it has none its earliest span. The predicates
   * apply to the head; totals count each span once. See `trace-list.ts`, which the SQL stores share.
   */
  protected abstract queryTraceList(query: TraceListQuery): Promise<TraceListPage>;
  /** One page of a signal's records that match every predicate; a record with an identity once. */
  protected abstract queryRecords<S extends RecordSignal>(
    signal: S,
    predicates: readonly Predicate[],
    page: ResolvedPage,
  ): Promise<PageOf<RecordOf[S]>>;
  /** The aggregate of the metric points that match every predicate (the query's name included). */
  protected abstract queryMetricAggregate(
    query: MetricAggregateQuery,
    predicates: readonly Predicate[],
  ): Promise<MetricAggregateResult>;
  /**
   * The spend aggregate over model calls, each span once: of its copies that match `copies`, the
   * preferred one (`precedence.ts`), if it matches `chosen`. The query is checked.
   */
  protected abstract querySpend(query: SpendQuery, predicates: CopyPredicates): Promise<SpendResult>;
  /**
   * The distinct values of `columns` in a signal's records that match every predicate, one row per
   * combination, in any order, the values as the engine returns them (see `toCell`).
   */
  protected abstract queryDistinct(
    operation: string,
    signal: Signal,
    columns: readonly string[],
    predicates: readonly Predicate[],
  ): Promise<unknown[][]>;

  /** {@link queryDistinct}'s rows as canonical cells. */
  private async distinct(
    operation: string,
    signal: Signal,
    columns: readonly string[],
    predicates: readonly Predicate[],
  ): Promise<Cell[][]> {
    const types = columns.map((name) => modelColumn(signal, name).type);
    const rows = await this.queryDistinct(operation, signal, columns, predicates);
    return rows.map((row) => row.map((value, i) => this.toCell(types[i]!, value)));
  }

  /** Validates, then inserts: every write method comes through here. */
  private async write<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void> {
    if (records.length === 0) return;
    assertValidRecords(signal, records);
    await this.insert(signal, records);
  }

  batchCreateSpans(args: { spans: readonly RecordOf['spans'][] }): Promise<void> {
    return this.write('spans', args.spans);
  }
  batchCreateLogs(args: { logs: readonly RecordOf['logs'][] }): Promise<void> {
    return this.write('logs', args.logs);
  }
  batchRecordMetrics(args: { metrics: readonly RecordOf['metrics'][] }): Promise<void> {
    return this.write('metrics', args.metrics);
  }
  createScore(args: { score: RecordOf['scores'] }): Promise<void> {
    return this.write('scores', [args.score]);
  }
  batchCreateScores(args: { scores: readonly RecordOf['scores'][] }): Promise<void> {
    return this.write('scores', args.scores);
  }
  createFeedback(args: { feedback: RecordOf['feedback'] }): Promise<void> {
    return this.write('feedback', [args.feedback]);
  }
  batchCreateFeedback(args: { feedback: readonly RecordOf['feedback'][] }): Promise<void> {
    return this.write('feedback', args.feedback);
  }

  async getTrace(traceId: string): Promise<Trace | null> {
    checkTraceId(traceId);
    const spans = await this.queryTraceSpans(traceId);
    return spans.length === 0 ? null : { traceId, spans: orderTrace(spans) };
  }

  async listTraces(args: TraceListArgs = {}): Promise<{ pagination: Pagination; traces: TraceSummary[] }> {
    const page = resolvePage(args);
    checkIds(args.filter);
    const totalsFilters = checkTraceList(args);
    const predicates = FILTERS.spans(args.filter ?? {});
    const query = { predicates, page, orderBy: args.orderBy ?? 'startTime', ...totalsFilters } as const;
    const { pagination, items } = paginated(page, await this.queryTraceList(query));
    return { pagination, traces: items };
  }

  /** Checks a list's arguments, and reads the page of records its filter's predicates select. */
  private async list<S extends RecordSignal>(signal: S, args: ListArgs<FilterOf[S]>) {
    const page = resolvePage(args);
    checkIds(args.filter);
    const predicates = FILTERS[signal](args.filter ?? {});
    return paginated(page, await this.queryRecords(signal, predicates, page));
  }

  async listLogs(args: ListArgs<LogFilter> = {}) {
    const { pagination, items } = await this.list('logs', args);
    return { pagination, logs: items };
  }

  async listMetrics(args: ListArgs<MetricFilter> = {}) {
    const { pagination, items } = await this.list('metrics', args);
    return { pagination, metrics: items };
  }

  async aggregateMetrics(query: MetricAggregateQuery): Promise<MetricAggregateResult> {
    if (typeof query.bucketSizeNano !== 'bigint' || query.bucketSizeNano <= 0n) {
      throw new InvalidQueryError('bucketSizeNano must be a positive bigint');
    }
    if (!METRIC_AGGREGATIONS.includes(query.aggregation)) {
      throw new InvalidQueryError(`aggregation must be sum, avg, min, max or count, got ${String(query.aggregation)}`);
    }
    if (query.field !== undefined && !METRIC_AGGREGATE_FIELDS.includes(query.field)) {
      throw new InvalidQueryError(`field must be value, sum, count, min or max, got ${String(query.field)}`);
    }
    checkIds(query.filter);
    return this.queryMetricAggregate(query, FILTERS.metrics({ ...query.filter, name: query.name }));
  }

  async aggregateSpend(query: SpendQuery): Promise<SpendResult> {
    checkSpendQuery(query);
    checkIds(query.filter);
    return this.querySpend(query, spendPredicates(query.filter));
  }

  async listScores(args: ListArgs<ScoreFilter> = {}) {
    const { pagination, items } = await this.list('scores', args);
    return { pagination, scores: items };
  }

  async listFeedback(args: ListArgs<FeedbackFilter> = {}) {
    const { pagination, items } = await this.list('feedback', args);
    return { pagination, feedback: items };
  }

  async listServices(range: TimeRange = {}): Promise<string[]> {
    const perSignal = await Promise.all(
      SERVICE_SIGNALS.map((signal) =>
        this.distinct('listServices', signal, ['service_name'], rangePredicates(signal, range)),
      ),
    );
    const names = new Set(perSignal.flat().map(([name]) => name as string));
    return [...names].sort(compareAscending);
  }

  async listMetricDescriptors(range: TimeRange = {}): Promise<MetricDescriptor[]> {
    const rows = await this.distinct(
      'listMetricDescriptors',
      'metrics',
      ['name', 'type', 'unit'],
      rangePredicates('metrics', range),
    );
    return rows
      .map(([name, type, unit]) => ({ name, type, unit }) as MetricDescriptor)
      .sort(
        (a, b) =>
          compareAscending(a.name, b.name) || compareAscending(a.type, b.type) || compareAscending(a.unit, b.unit),
      );
  }
}

/** The signals whose records name the service that sent them. */
const SERVICE_SIGNALS = ['spans', 'logs', 'metrics'] as const satisfies readonly Signal[];
