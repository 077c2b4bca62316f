import { CONTEXT_FIELDS, LOG_LEVELS, type AttributeValue, type LogLevel, type Signal } from '../records/types';
import { TIME_COLUMNS, snakeCase } from './columns';
import { InvalidQueryError } from './errors';
import type {
  CommonFilter,
  SpendFilter,
  FeedbackFilter,
  LogFilter,
  MetricFilter,
  ScoreFilter,
  TimeBound,
  TimeRange,
  TraceFilter,
} from './types';

/**
 * Neutral filter predicates: what each field of a list filter means, written once, over the
 * columns of the shared row model (`columns.ts`, by name). A store renders them in its own
 * dialect (SQL for DuckDB and ClickHouse) or evaluates them on its rows (the memory store); every
 * store's renderer is a mapped type over {@link Predicate}, so a new kind fails to compile until
 * each store handles it.
 */
export type Predicate =
  /** The column holds exactly this string. */
  | { op: 'equals'; column: string; value: string }
  /** The boolean column holds this value. */
  | { op: 'flag'; column: string; value: boolean }
  /** The column holds one of these strings; an empty list matches nothing. */
  | { op: 'in'; column: string; values: readonly string[] }
  /** The string-list column holds every one of these strings (never empty). */
  | { op: 'hasAll'; column: string; values: readonly string[] }
  /** The text column contains this text, ignoring case. */
  | { op: 'containsIgnoreCase'; column: string; text: string }
  /** The typed-JSON map column holds `key` with exactly this typed value: the int 200 is not "200". */
  | { op: 'attributeEquals'; column: string; key: string; value: AttributeValue }
  /** The time column (nanoseconds) is at least `from` and before `to`; at least one bound is set. */
  | { op: 'timeRange'; column: string; from: bigint | null; to: bigint | null }
  | { op: 'isNull'; column: string }
  | { op: 'isNotNull'; column: string }
  /** At least one of these predicates holds (never empty). */
  | { op: 'anyOf'; predicates: readonly Predicate[] };

export type PredicateOp = Predicate['op'];
/** The predicates on one column: every kind but the combination of others. */
export type ColumnPredicate = Exclude<Predicate, { op: 'anyOf' }>;
export type ColumnPredicateOp = ColumnPredicate['op'];
export type PredicateOf<Op extends ColumnPredicateOp> = Extract<ColumnPredicate, { op: Op }>;

/**
 * The SQL condition that every predicate holds, in any engine's dialect: `renderColumn` writes one
 * column predicate, `anyOf` becomes an OR of its predicates (`falseLiteral` when it has none), and
 * the list an AND. Empty when there are no predicates.
 */
export function renderConjunction(
  predicates: readonly Predicate[],
  renderColumn: (predicate: ColumnPredicate) => string,
  falseLiteral: string,
): string {
  const render = (predicate: Predicate): string =>
    predicate.op === 'anyOf'
      ? `(${predicate.predicates.map(render).join(' OR ') || falseLiteral})`
      : renderColumn(predicate);
  return predicates.map(render).join(' AND ');
}

/** The filter type of each signal's list. */
export interface FilterOf {
  spans: TraceFilter;
  logs: LogFilter;
  metrics: MetricFilter;
  scores: ScoreFilter;
  feedback: FeedbackFilter;
}

/** Nanoseconds since the epoch for a filter bound. */
export function toUnixNano(bound: TimeBound): bigint {
  if (typeof bound === 'bigint') return bound;
  const ms = bound.getTime();
  if (Number.isNaN(ms)) throw new InvalidQueryError('time bound is an invalid Date');
  return BigInt(ms) * 1_000_000n;
}

/** The levels a log filter admits, or `null` for all of them. */
export function admittedLevels(filter: LogFilter): LogLevel[] | null {
  let levels: LogLevel[] | null = filter.level === undefined ? null : [filter.level].flat();
  if (filter.minLevel !== undefined) {
    const floor = LOG_LEVELS.indexOf(filter.minLevel);
    if (floor < 0) throw new InvalidQueryError(`unknown minLevel ${String(filter.minLevel)}`);
    const severe = LOG_LEVELS.slice(floor);
    levels = levels ? levels.filter((level) => severe.includes(level)) : [...severe];
  }
  for (const level of levels ?? []) {
    if (!LOG_LEVELS.includes(level)) throw new InvalidQueryError(`unknown level ${String(level)}`);
  }
  return levels;
}

/** Predicates in the making; a field left out of the filter adds none. */
class Predicates {
  readonly list: Predicate[] = [];

  add(predicate: Predicate): this {
    this.list.push(predicate);
    return this;
  }

  equals(column: string, value: string | undefined): this {
    return value === undefined ? this : this.add({ op: 'equals', column, value });
  }

  in(column: string, values: readonly string[] | null | undefined): this {
    return values == null ? this : this.add({ op: 'in', column, values });
  }
}

/** The time-range predicate of a signal's records, none when neither bound is set. */
export function rangePredicates(signal: Signal, range: TimeRange): Predicate[] {
  if (range.from === undefined && range.to === undefined) return [];
  return [
    {
      op: 'timeRange',
      column: TIME_COLUMNS[signal],
      from: range.from === undefined ? null : toUnixNano(range.from),
      to: range.to === undefined ? null : toUnixNano(range.to),
    },
  ];
}

function common(signal: Signal, filter: CommonFilter): Predicates {
  const predicates = new Predicates();
  for (const predicate of rangePredicates(signal, filter)) predicates.add(predicate);
  predicates.equals('service_name', filter.serviceName).equals('trace_id', filter.traceId);
  for (const field of CONTEXT_FIELDS) predicates.equals(snakeCase(field), filter[field]);
  return predicates;
}

/**
 * A trace list's predicates, on its head span (the root, or the earliest span of a trace without one): rendered
 * against the trace parts (`trace-parts.ts`), whose head columns carry the span columns' names.
 */
function traces(filter: TraceFilter): Predicate[] {
  const predicates = common('spans', filter);
  predicates.equals('span_type', filter.spanType).equals('name', filter.name).equals('status_code', filter.statusCode);
  if (filter.nameContains !== undefined) {
    predicates.add({ op: 'containsIgnoreCase', column: 'name', text: filter.nameContains });
  }
  if (filter.hasError !== undefined) predicates.add({ op: filter.hasError ? 'isNotNull' : 'isNull', column: 'error' });
  if (filter.tags !== undefined && filter.tags.length > 0) {
    predicates.add({ op: 'hasAll', column: 'tags', values: [...filter.tags] });
  }
  return predicates.list;
}

/**
 * Predicates split where a store chooses each span's preferred copy (`precedence.ts`): `copies` narrow the copies
 * before the choice, so that a bounded read reads only its part of the table; `chosen` apply to the chosen copy.
 */
export interface CopyPredicates {
  copies: Predicate[];
  chosen: Predicate[];
}

/**
 * A model call, as spend counts them: a span with tokens or with a cost (a reported cost may come
 * without tokens). A call whose model has no price has tokens and no cost, and is counted as unpriced.
 */
export const MODEL_CALL: Predicate = {
  op: 'anyOf',
  predicates: [
    { op: 'isNotNull', column: 'total_tokens' },
    { op: 'isNotNull', column: 'total_cost' },
  ],
};

/**
 * Decision 8: the spans whose tokens and cost totals add up. A model span that repeats the usage of
 * the model calls below it (AI SDK's `ai.generateText` over its `doGenerate` steps, Mastra's
 * `model_generation` over its `model_step`s) is left out, so that no call counts twice.
 */
export const COUNTED_USAGE: Predicate = { op: 'flag', column: 'usage_includes_children', value: false };

/**
 * A spend aggregate's predicates, split (see {@link CopyPredicates}): the
 * time range and being a model call narrow the copies of each span before the preferred one is
 * chosen; the rest, decision 8 included, apply to the chosen copy.
 */
export function spendPredicates(filter: SpendFilter): CopyPredicates {
  const chosen = common('spans', { ...filter, from: undefined, to: undefined })
    .equals('model', filter.model)
    .equals('provider', filter.provider)
    .add(COUNTED_USAGE);
  return { copies: [...rangePredicates('spans', filter), MODEL_CALL], chosen: chosen.list };
}

function logs(filter: LogFilter): Predicate[] {
  const predicates = common('logs', filter).equals('span_id', filter.spanId).in('level', admittedLevels(filter));
  if (filter.search !== undefined) predicates.add({ op: 'containsIgnoreCase', column: 'message', text: filter.search });
  return predicates.list;
}

function metrics(filter: MetricFilter): Predicate[] {
  const predicates = common('metrics', filter).equals('type', filter.type);
  if (filter.name !== undefined) predicates.in('name', [filter.name].flat());
  for (const [key, value] of Object.entries(filter.attributes ?? {})) {
    predicates.add({ op: 'attributeEquals', column: 'attributes', key, value });
  }
  return predicates.list;
}

function scores(filter: ScoreFilter): Predicate[] {
  return common('scores', filter)
    .equals('scorer_id', filter.scorerId)
    .equals('scorer_name', filter.scorerName)
    .equals('source', filter.source)
    .equals('span_id', filter.spanId).list;
}

function feedback(filter: FeedbackFilter): Predicate[] {
  return common('feedback', filter)
    .equals('feedback_type', filter.feedbackType)
    .equals('source', filter.source)
    .equals('span_id', filter.spanId).list;
}

/** The predicates of each signal's filter: what every store applies to a list. */
export const FILTERS: { [S in Signal]: (filter: FilterOf[S]) => Predicate[] } = {
  spans: traces,
  logs,
  metrics,
  scores,
  feedback,
};
