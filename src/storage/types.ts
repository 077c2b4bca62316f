import type {
  AttributeMap,
  AttributeValue,
  ContextFieldName,
  FeedbackRecord,
  LogLevel,
  LogRecord,
  MetricRecord,
  MetricType,
  ScoreRecord,
  ScoreSource,
  SpanRecord,
  SpanType,
  StatusCode,
} from '../records/types';

/**
 * How a store wants spans delivered, named as Mastra names them. Our stores take `insert-only` (each
 * span written once, when it ends) and `event-sourced` (a started span written as running, then again
 * when it ends; reads keep the better copy, see `precedence.ts`). The OpenTelemetry paths only ever
 * see finished spans; the Mastra exporter follows the store's preference.
 */
export type TracingStrategy = 'realtime' | 'batch-with-updates' | 'insert-only' | 'event-sourced';
/** How a store wants the other signals delivered: one write per export (`realtime`) or grouped (`batch`). */
export type SignalStrategy = 'realtime' | 'batch';

/** The strategy a store prefers for a signal, and every one it accepts. */
export interface StrategyHint<T extends string> {
  preferred: T;
  supported: readonly T[];
}

/** A point in time: nanoseconds since the epoch, or a `Date`. */
export type TimeBound = bigint | Date;

/** Filters that every list offers. A field left out does not filter. */
export type CommonFilter = {
  /** Inclusive lower bound on the record's time (a span's start). */
  from?: TimeBound;
  /** Exclusive upper bound on the record's time. */
  to?: TimeBound;
  serviceName?: string;
  traceId?: string;
} & { [K in ContextFieldName]?: string };

/** Which traces `listTraces` returns, by their root span. A field left out does not filter. */
export interface TraceFilter extends CommonFilter {
  spanType?: SpanType;
  /** The root span's name, exactly. */
  name?: string;
  /** Text anywhere in the root span's name, ignoring case. */
  nameContains?: string;
  statusCode?: StatusCode;
  /** Only traces whose root span has (`true`) or lacks (`false`) an error; see `anyError` for any span's. */
  hasError?: boolean;
  /** Traces whose root span carries every one of these tags. */
  tags?: string[];
  /**
   * Traces whose total cost (USD, `trace.cost`) is at least this. Needs every matching trace resolved,
   * as ordering by cost does: see {@link TraceListArgs.orderBy}.
   */
  minCost?: number;
  /**
   * Only traces with (`true`) or without (`false`) an error in any of their spans (`trace.errorCount`), where
   * `hasError` reads the root span alone. Needs every matching trace resolved, as `minCost` does.
   */
  anyError?: boolean;
}

/** Which log records `listLogs` returns. A field left out does not filter. */
export interface LogFilter extends CommonFilter {
  /** One level, or any of several. */
  level?: LogLevel | LogLevel[];
  /** This level and everything more severe. */
  minLevel?: LogLevel;
  /** Case-insensitive substring of the message. */
  search?: string;
  spanId?: string;
}

/** Which metric data points `listMetrics` returns. A field left out does not filter. */
export interface MetricFilter extends CommonFilter {
  name?: string | string[];
  type?: MetricType;
  /** Points whose attributes hold each of these keys with exactly this typed value. */
  attributes?: AttributeMap;
}

/** Which scores `listScores` returns. A field left out does not filter. */
export interface ScoreFilter extends CommonFilter {
  scorerId?: string;
  scorerName?: string;
  source?: ScoreSource;
  spanId?: string;
}

/** Which feedback `listFeedback` returns. A field left out does not filter. */
export interface FeedbackFilter extends CommonFilter {
  feedbackType?: string;
  source?: string;
  spanId?: string;
}

/** Which page to read. Pages count from 0; `perPage` is at most {@link MAX_PER_PAGE}. */
export interface PageRequest {
  page?: number;
  perPage?: number;
  /** By time; newest first unless `asc`. */
  order?: 'asc' | 'desc';
}

/** Records per page when a {@link PageRequest} leaves out `perPage`. */
export const DEFAULT_PER_PAGE = 50;
/** Most records one page may hold; a larger `perPage` is an `InvalidQueryError`. */
export const MAX_PER_PAGE = 1000;
/**
 * Highest page a {@link PageRequest} may ask for: a read fetches up to `(page + 1) * perPage + 1` rows, and that
 * bound must stay a safe integer, or an engine that binds it as a JS number (chdb) refuses the query.
 */
export const MAX_PAGE = Math.floor((Number.MAX_SAFE_INTEGER - 1) / MAX_PER_PAGE) - 1;

/**
 * Lists count what they match up to {@link TOTAL_CAP}: beyond it a count would read everything stored, so `total`
 * is the cap and `totalExact` is `false` ("10,000+"). `hasMore` is always exact.
 */
export const TOTAL_CAP = 10_000;

/**
 * Where a page stands: the records matching the filter in all, this page's number and size, and whether more follow.
 */
export interface Pagination {
  /** How many records (traces) match; {@link TOTAL_CAP} when there are more, then `totalExact` is `false`. */
  total: number;
  totalExact: boolean;
  page: number;
  perPage: number;
  hasMore: boolean;
}

/** The argument of every list: a filter of that signal, and which page to read. */
export interface ListArgs<F> extends PageRequest {
  filter?: F;
}

/** What a trace list can sort by: the head span's start (the default), the trace's total cost, or its duration. */
export const TRACE_ORDER_BYS = ['startTime', 'cost', 'duration'] as const;
/** One of {@link TRACE_ORDER_BYS}. */
export type TraceOrderBy = (typeof TRACE_ORDER_BYS)[number];

/** A trace list's page, filter and order: `listTraces`'s arguments. */
export interface TraceListArgs extends ListArgs<TraceFilter> {
  /**
   * `startTime` (the default) of the trace's head span; `cost` or `duration` of the whole trace, which needs every
   * matching trace resolved: allowed while at most {@link TOTAL_CAP} traces match (narrow the time range or the
   * filter otherwise), as is `filter.minCost`. Ties by start time, then trace id.
   */
  orderBy?: TraceOrderBy;
}

/**
 * The figures of a whole trace, each span counted once (its preferred copy, `precedence.ts`). Token and cost sums
 * skip spans whose usage includes their children's (decision 8), and are `null` when no span has one.
 */
export interface TraceTotals {
  /** The earliest start and the latest end of its spans. */
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  durationNano: bigint;
  spanCount: number;
  /** Spans with an error. */
  errorCount: number;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  /** USD. */
  cost: number | null;
}

/**
 * A trace in a list: its head span without payloads (the root span, or while no root was received the
 * earliest span), the head's input preview, and the whole trace's totals.
 */
export type TraceSummary = Omit<
  SpanRecord,
  'input' | 'output' | 'attributes' | 'events' | 'links' | 'metadata' | 'resource' | 'scope'
> & {
  /** The first 100 characters of the head's input, as text. */
  inputPreview: string | null;
  /** Whether the head is the root span; `false` for a trace listed by its earliest span. */
  hasRoot: boolean;
  trace: TraceTotals;
};

/** One trace with all its spans, as `getTrace` returns it. */
export interface Trace {
  traceId: string;
  /** Ordered by start time; each span names its parent in `parentSpanId`. */
  spans: SpanRecord[];
}

/** How `aggregateMetrics` combines the points of a time bucket. */
export const METRIC_AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count'] as const;
/** One of {@link METRIC_AGGREGATIONS}. */
export type MetricAggregation = (typeof METRIC_AGGREGATIONS)[number];

/** The point fields an aggregate can read: `value` of gauges and sums, the rest of histograms and summaries. */
export const METRIC_AGGREGATE_FIELDS = ['value', 'sum', 'count', 'min', 'max'] as const;

/** One metric over time: its points in buckets of `bucketSizeNano`, aggregated, in one series per group. */
export interface MetricAggregateQuery {
  name: string;
  aggregation: MetricAggregation;
  /** Width of a time bucket, in nanoseconds. Buckets are aligned to the epoch. */
  bucketSizeNano: bigint;
  /**
   * The point field to aggregate: `value` for gauges and sums (the default); `sum`, `count`, `min` or
   * `max` for histograms and summaries.
   */
  field?: (typeof METRIC_AGGREGATE_FIELDS)[number];
  /** Attribute keys to split series by. */
  groupBy?: string[];
  filter?: Omit<MetricFilter, 'name'>;
}

/** One group's aggregated values, by bucket start. */
export interface MetricSeries {
  /** The typed value of each `groupBy` key in this series; `null` where a point lacked the key. */
  group: Record<string, AttributeValue>;
  points: { timeUnixNano: bigint; value: number }[];
}

/** What `aggregateMetrics` returns: one series per group (one in all without `groupBy`). */
export interface MetricAggregateResult {
  series: MetricSeries[];
}

/** What a spend aggregate can split its series by, and the span field each names. */
export const SPEND_GROUP_BYS = ['service', 'model', 'provider', 'user', 'session', 'agent'] as const;
/** One of {@link SPEND_GROUP_BYS}. */
export type SpendGroupBy = (typeof SPEND_GROUP_BYS)[number];

/** The model calls a spend aggregate counts: in a bounded time range, and on the calls' own fields. */
export type SpendFilter = Omit<CommonFilter, 'from' | 'to'> & {
  /** Inclusive start of the range (a call's start). Required: spend is read over a bounded range. */
  from: TimeBound;
  /** Exclusive end of the range. Required. */
  to: TimeBound;
  model?: string;
  provider?: string;
};

/** Most buckets a spend aggregate spans: a wider range needs wider buckets. */
export const MAX_SPEND_BUCKETS = 10_000;

/** The cost of model calls over time: bucketed, filtered, and optionally split into series by one field. */
export interface SpendQuery {
  /** Width of a time bucket, in nanoseconds. Buckets are aligned to the epoch. */
  bucketSizeNano: bigint;
  /** One series per value of this field; left out, one series of everything. */
  groupBy?: SpendGroupBy;
  filter: SpendFilter;
}

/**
 * The model calls that started in one bucket. Sums are `null` where no call had the value: a bucket
 * of unpriced calls has no cost, never a cost of zero.
 */
export interface SpendPoint {
  timeUnixNano: bigint;
  /** Model calls: spans with tokens or a cost, each counted once (decision 8). */
  calls: number;
  /** Calls whose model has no known price: counted here, and in none of the cost sums. */
  unpricedCalls: number;
  /** USD. */
  inputCost: number | null;
  outputCost: number | null;
  totalCost: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
}

/** One group's spend, by bucket. */
export interface SpendSeries {
  /** The value of the `groupBy` field in this series; `null` for calls without one, and when not grouped. */
  group: string | null;
  /** By time; a bucket without calls has no point. */
  points: SpendPoint[];
}

/** What `aggregateSpend` returns: its series, and the totals over the whole range. */
export interface SpendResult {
  groupBy: SpendGroupBy | null;
  /** Most expensive first; series without a known cost last. */
  series: SpendSeries[];
  /** Over the whole range and every series. */
  calls: number;
  unpricedCalls: number;
  totalCost: number | null;
}

/** A time range, for the reads of distinct values. */
export type TimeRange = Pick<CommonFilter, 'from' | 'to'>;

/** A metric that points were recorded for, as a picker lists it. */
export interface MetricDescriptor {
  name: string;
  type: MetricType;
  unit: string;
}

/**
 * The storage contract. DuckDB, ClickHouse and the memory store implement it; the exporters, the
 * receiver and the CLI only ever talk to it.
 *
 * Every write validates its records first and is all or nothing: an invalid record, or a failure
 * of the store, leaves nothing of the batch behind.
 */
export interface ObservabilityStore {
  /** `duckdb`, `clickhouse`, … */
  readonly kind: string;
  readonly tracingStrategy: StrategyHint<TracingStrategy>;
  readonly logsStrategy: StrategyHint<SignalStrategy>;
  readonly metricsStrategy: StrategyHint<SignalStrategy>;
  readonly scoresStrategy: StrategyHint<SignalStrategy>;
  readonly feedbackStrategy: StrategyHint<SignalStrategy>;

  /** Creates what is missing of the schema; safe to call again. */
  init(): Promise<void>;
  /** Releases connections and files. */
  close(): Promise<void>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;

  batchCreateSpans(args: { spans: readonly SpanRecord[] }): Promise<void>;
  batchCreateLogs(args: { logs: readonly LogRecord[] }): Promise<void>;
  batchRecordMetrics(args: { metrics: readonly MetricRecord[] }): Promise<void>;
  createScore(args: { score: ScoreRecord }): Promise<void>;
  batchCreateScores(args: { scores: readonly ScoreRecord[] }): Promise<void>;
  createFeedback(args: { feedback: FeedbackRecord }): Promise<void>;
  batchCreateFeedback(args: { feedback: readonly FeedbackRecord[] }): Promise<void>;

  /** The whole trace, or `null` when no span of it is stored. */
  getTrace(traceId: string): Promise<Trace | null>;
  /** One row per trace, by its head span (the root, or the earliest span of a trace without one), light. */
  listTraces(args?: TraceListArgs): Promise<{ pagination: Pagination; traces: TraceSummary[] }>;
  listLogs(args?: ListArgs<LogFilter>): Promise<{ pagination: Pagination; logs: LogRecord[] }>;
  listMetrics(args?: ListArgs<MetricFilter>): Promise<{ pagination: Pagination; metrics: MetricRecord[] }>;
  aggregateMetrics(query: MetricAggregateQuery): Promise<MetricAggregateResult>;
  /** Cost, tokens and model calls per time bucket, one series per group: what a spend chart shows. */
  aggregateSpend(query: SpendQuery): Promise<SpendResult>;
  listScores(args?: ListArgs<ScoreFilter>): Promise<{ pagination: Pagination; scores: ScoreRecord[] }>;
  listFeedback(args?: ListArgs<FeedbackFilter>): Promise<{ pagination: Pagination; feedback: FeedbackRecord[] }>;
  /** The service names that sent spans, logs or metrics (in `range`, by record time), sorted. */
  listServices(range?: TimeRange): Promise<string[]>;
  /** Each distinct metric name, type and unit that points were recorded for (in `range`), sorted. */
  listMetricDescriptors(range?: TimeRange): Promise<MetricDescriptor[]>;
}
