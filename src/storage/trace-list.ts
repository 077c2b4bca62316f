import type { SpanRecord } from '../records/types';
import { StoreBase, compareAscending, type PageOf, type ResolvedPage } from './base';
import { COLUMNS, modelColumn, type Column } from './columns';
import { InvalidQueryError } from './errors';
import type { Predicate } from './filters';
import {
  TRACE_PART_HEAD_ROW_COLUMNS,
  TRACE_PART_PICK_COLUMNS,
  TRACE_PART_SUM_COLUMNS,
  betterHead,
  byTrace,
  partTotals,
  summarizeSpans,
  type TotalsSpan,
  type TracePart,
} from './trace-parts';
import { TOTAL_CAP, type TraceOrderBy, type TraceSummary, type TraceTotals } from './types';

/**
 * A trace list's request, checked: the predicates on the head span, the page, the order, and the filters on a
 * trace's totals (the cost floor, an error in any span).
 */
export interface TraceListQuery {
  predicates: readonly Predicate[];
  page: ResolvedPage;
  orderBy: TraceOrderBy;
  minCost: number | null;
  anyError: boolean | null;
}

/** Whether a trace's totals pass the query's filters on them. */
export function totalsMatch({ minCost, anyError }: TraceListQuery, totals: TraceTotals): boolean {
  if (minCost !== null && (totals.cost ?? -Infinity) < minCost) return false;
  return anyError === null || totals.errorCount > 0 === anyError;
}

/** The filter on totals that needs every matching trace resolved, if any: named in the error when too many match. */
export function totalsFilterOf({ minCost, anyError }: TraceListQuery): string | null {
  return minCost !== null ? 'minCost' : anyError !== null ? 'anyError' : null;
}

/** One page of traces, with the list's total (exact, or {@link TOTAL_CAP} and marked capped) and `hasMore`. */
/** A page of a trace list, as every list's page is. */
export type TraceListPage = PageOf<TraceSummary>;

/**
 * A candidate trace, resolved from all of its parts: the part that heads it (its key: trace id, `written`, start),
 * and how many parts it has and the bounds of their spans' starts (what its totals read).
 */
export interface CandidateTrace extends OrderedTrace {
  head: TracePart;
  partCount: number;
  firstStart: bigint;
  lastStart: bigint;
}

/** Which of a round's sure traces to return, in page order; `null` returns them all. */
export type CandidateSlice = { offset: number; count: number } | null;

/** One round of candidates, as {@link TracePartsStore.readCandidates} reads it. */
export interface CandidateRound {
  /** The capped count of matching parts, when it was asked for. */
  matching: number | null;
  /** Whether the round read every matching part (fewer than its limit matched). */
  complete: boolean;
  /** How many traces the round is sure of: headed by a candidate that starts strictly before the last candidate. */
  sure: number;
  /** The slice of the sure traces asked for, in page order. */
  traces: CandidateTrace[];
  /** Whether each trace's head holds its part's whole row ({@link TRACE_PART_HEAD_ROW_COLUMNS}), or its key only. */
  headRows: boolean;
}

const candidateField = (name: string, key: 'partCount' | 'firstStart' | 'lastStart', type: 'uint32' | 'time') =>
  ({
    name,
    type,
    nullable: false,
    lowCardinality: false,
    get: (trace) => trace[key],
    set: (trace, cell) => {
      (trace as unknown as Record<string, unknown>)[key] = cell;
    },
  }) satisfies Column<CandidateTrace>;

/**
 * A resolved candidate trace's row: its part count and start bounds, then its head part's row
 * ({@link TRACE_PART_HEAD_ROW_COLUMNS}; only the key's columns when the round does not read the heads).
 */
export const CANDIDATE_TRACE_COLUMNS: Column<CandidateTrace>[] = [
  candidateField('trace_part_count', 'partCount', 'uint32'),
  candidateField('trace_first_start', 'firstStart', 'time'),
  candidateField('trace_last_start', 'lastStart', 'time'),
  ...TRACE_PART_HEAD_ROW_COLUMNS.map((column): Column<CandidateTrace> => ({
    ...column,
    get: (trace) => column.get(trace.head),
    set: (trace, cell) => column.set((trace.head ??= {} as TracePart), cell),
  })),
];

/** A candidate trace as decoded from {@link CANDIDATE_TRACE_COLUMNS}, with its order key filled in from its head. */
export function candidateTrace(decoded: CandidateTrace): CandidateTrace {
  decoded.traceId = decoded.head.head.traceId;
  decoded.start = decoded.head.head.startTimeUnixNano;
  return decoded;
}

/**
 * A round resolved in JS, for an engine that reads the candidates (parts decoded with their key columns only, in
 * page order) and every part of their traces (of {@link TRACE_PART_PICK_COLUMNS}): each trace headed by the best of
 * its parts ({@link betterHead}) is kept when that head is a candidate, so that the filter applies to the true head.
 */
export function resolveCandidates(
  keys: readonly TracePart[],
  parts: readonly TracePart[],
  order: 'asc' | 'desc',
  limit: number,
  slice: CandidateSlice,
): Omit<CandidateRound, 'matching' | 'headRows'> {
  const candidates = new Set(keys.map(partKey));
  const complete = keys.length < limit;
  const cutoff = complete ? null : keys[keys.length - 1]!.head.startTimeUnixNano;
  const later = (a: bigint, b: bigint) => (order === 'desc' ? a > b : a < b);
  const sure: CandidateTrace[] = [];
  for (const [traceId, ofTrace] of byTrace(parts, (part) => part.head.traceId)) {
    const head = ofTrace.reduce((best, part) => (betterHead(asCandidate(part), asCandidate(best)) ? part : best));
    const start = head.head.startTimeUnixNano;
    if (!candidates.has(partKey(head)) || (cutoff !== null && !later(start, cutoff))) continue;
    const [firstStart, lastStart] = bounds(ofTrace);
    sure.push({ traceId, start, head, partCount: ofTrace.length, firstStart, lastStart });
  }
  sure.sort(traceOrder(order, 'startTime'));
  const traces = slice === null ? sure : sure.slice(slice.offset, slice.offset + slice.count);
  return { complete, sure: sure.length, traces };
}

/** How many candidate parts the first round of an unbounded list reads, at least. */
const FIRST_ROUND = 256;

/** The error of a list that needs every matching trace resolved, over more than {@link TOTAL_CAP} of them. */
export function unboundedListError(what: string): InvalidQueryError {
  return new InvalidQueryError(
    `${what} needs every matching trace, and more than ${TOTAL_CAP} match: narrow the time range (from, to) or the filter`,
  );
}

/** The span columns that {@link summarizeSpans} reads to recount a trace's totals. */
const TOTALS_SPAN_COLUMNS: Column<SpanRecord>[] = [
  'trace_id',
  'span_id',
  'parent_span_id',
  'running',
  'origin',
  'start_time',
  'end_time',
  'error',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'total_cost',
  'usage_includes_children',
].map((name) => modelColumn('spans', name) as Column<SpanRecord>);

const partKey = (part: TracePart): string => `${part.head.traceId}:${part.written}`;

const asCandidate = (part: TracePart) => ({
  hasRoot: part.hasRoot,
  rank: part.headRank,
  start: part.head.startTimeUnixNano,
  written: part.written,
});

/**
 * A store that lists traces from trace parts (`trace-parts.ts`) with the one shared resolver below; the engine
 * supplies the SQL of its narrow reads. DuckDB and ClickHouse extend it; the memory store computes the same
 * from its spans.
 */
export abstract class TracePartsStore<Connection = unknown> extends StoreBase<Connection> {
  /**
   * Every part of these traces (no other filter, any order), as rows of `columns`:
   * `SELECT <columns> FROM parts WHERE trace_hash IN (<hashes>) AND trace_id IN (<ids>)`.
   */
  protected abstract queryTraceParts(
    traceIds: readonly string[],
    columns: readonly Column<TracePart>[],
  ): Promise<unknown[][]>;
  /**
   * The stored spans (every copy) of these traces that start in `[from, to]`, as rows of `columns`, in the order
   * written where the engine can tell: `SELECT <columns> FROM spans WHERE trace_id IN (<ids>)
   * AND start_time BETWEEN <from> AND <to>`.
   */
  protected abstract querySpans(
    traceIds: readonly string[],
    from: bigint,
    to: bigint,
    columns: readonly Column<SpanRecord>[],
  ): Promise<unknown[][]>;

  /**
   * One round of candidates, in as few statements as the engine can: the capped count of matching parts when
   * `countLimit` is set (first round only); the first `limit` matching parts in page order (the candidates); their
   * traces resolved from all of their parts, each kept when its head is a candidate that starts strictly before the
   * last candidate (every candidate, when fewer than `limit` match); and of those sure traces, `slice` in page order.
   * {@link resolveCandidates} does it in JS.
   */
  protected abstract readCandidates(
    predicates: readonly Predicate[],
    order: 'asc' | 'desc',
    limit: number,
    countLimit: number | null,
    slice: CandidateSlice,
  ): Promise<CandidateRound>;

  /**
   * The rows of {@link TRACE_PART_HEAD_ROW_COLUMNS} of these head parts (identified by trace id and `written`; their
   * head's start given too). Other parts of their traces may come along: the resolver keeps the heads.
   */
  protected queryTraceHeads(heads: readonly TracePart[]): Promise<unknown[][]> {
    return this.queryTraceParts([...new Set(heads.map((part) => part.head.traceId))], TRACE_PART_HEAD_ROW_COLUMNS);
  }

  private async parts(traceIds: readonly string[], columns: readonly Column<TracePart>[]): Promise<TracePart[]> {
    if (traceIds.length === 0) return [];
    const rows = await this.queryTraceParts(traceIds, columns);
    return rows.map((row) => this.decode(columns, row));
  }

  /** The trace's spans, read within the start times its parts record (time-ordered storage skips the rest). */
  protected async queryTraceSpans(traceId: string): Promise<SpanRecord[]> {
    const parts = await this.parts([traceId], TRACE_PART_PICK_COLUMNS);
    if (parts.length === 0) return [];
    const [from, to] = bounds(parts);
    const rows = await this.querySpans([traceId], from, to, COLUMNS.spans);
    return rows.map((row) => this.decode(COLUMNS.spans, row));
  }

  /**
   * Exact totals of these traces. A trace of one part has them in it (in `sums`, by trace id, or read here); one of
   * several may hold a span in more than one of them (a retried batch, a running copy and its finished one), so its
   * spans are recounted, in one read bounded by the parts' start times.
   */
  private async totals(
    traces: readonly CandidateTrace[],
    sums?: ReadonlyMap<string, TracePart>,
  ): Promise<Map<string, TraceTotals>> {
    const totals = new Map<string, TraceTotals>();
    const single = traces.filter((trace) => trace.partCount === 1);
    const split = traces.filter((trace) => trace.partCount > 1);
    const unread = single.filter((trace) => !sums?.has(trace.traceId)).map((trace) => trace.traceId);
    const read = await this.parts(unread, TRACE_PART_SUM_COLUMNS);
    const partOf = new Map([...(sums ?? []), ...read.map((part) => [part.head.traceId, part] as const)]);
    for (const trace of single) {
      const part = partOf.get(trace.traceId);
      if (part) totals.set(trace.traceId, partTotals([part]));
    }
    if (split.length === 0) return totals;
    const [from, to] = bounds(split);
    const rows = await this.querySpans(
      split.map((trace) => trace.traceId),
      from,
      to,
      TOTALS_SPAN_COLUMNS,
    );
    const spans = rows.map((row) => this.decode(TOTALS_SPAN_COLUMNS, row) as TotalsSpan);
    for (const [traceId, group] of byTrace(spans, (span) => span.traceId)) {
      totals.set(traceId, summarizeSpans(group).totals);
    }
    return totals;
  }

  /**
   * The shared, exact trace list. It reads the newest (or oldest) matching parts and keeps the traces it is sure of
   * ({@link readCandidates}): every trace whose head starts strictly before the last candidate's start has its head
   * among the candidates. It widens the candidates until the page (and one more, for `hasMore`) is sure, or, while
   * at most {@link TOTAL_CAP} parts match, until all are read, for an exact total. Ordering by cost or duration, and
   * the filters on totals (`minCost`, `anyError`), resolve every matching trace (at most {@link TOTAL_CAP}). Then it
   * reads the page's heads and totals.
   */
  protected async queryTraceList(query: TraceListQuery): Promise<TraceListPage> {
    const { predicates, page, orderBy } = query;
    const totalsFilter = totalsFilterOf(query);
    const needsAll = orderBy !== 'startTime' || totalsFilter !== null;
    const wanted = page.offset + page.perPage + 1;
    const slice = needsAll ? null : { offset: page.offset, count: page.perPage };
    let limit = Math.max(2 * wanted, FIRST_ROUND);
    let matching: number | null = null;
    let round: CandidateRound;
    for (;;) {
      round = await this.readCandidates(predicates, page.order, limit, matching === null ? TOTAL_CAP + 1 : null, slice);
      matching ??= round.matching!;
      if (matching > TOTAL_CAP && needsAll) throw unboundedListError(totalsFilter ?? `orderBy ${orderBy}`);
      if (round.complete || (!needsAll && round.sure >= wanted && matching > TOTAL_CAP)) break;
      limit = Math.max(4 * limit, matching <= TOTAL_CAP ? matching + 1 : 0);
    }
    let sure = round.sure;
    let shown = round.traces;
    let totals: Map<string, TraceTotals> | null = null;
    if (needsAll) {
      totals = await this.totals(shown);
      for (const trace of shown) trace.totals = totals.get(trace.traceId)!;
      shown = shown.filter((trace) => totalsMatch(query, trace.totals!));
      sure = shown.length;
      shown = shown.sort(traceOrder(page.order, orderBy)).slice(page.offset, page.offset + page.perPage);
    }
    const headParts = round.headRows
      ? shown.map((trace) => trace.head)
      : shown.length === 0
        ? []
        : (await this.queryTraceHeads(shown.map((trace) => trace.head))).map((row) =>
            this.decode(TRACE_PART_HEAD_ROW_COLUMNS, row),
          );
    const heads = new Map(headParts.map((part) => [partKey(part), part]));
    const sums = new Map([...heads.values()].map((part) => [part.head.traceId, part]));
    const shownTotals = totals ?? (await this.totals(shown, sums));
    // A head removed between the reads (by retention) leaves its trace out of the page.
    const items = shown.flatMap((trace): TraceSummary[] => {
      const part = heads.get(partKey(trace.head));
      if (!part) return [];
      const head = part.head as unknown as Omit<TraceSummary, 'inputPreview' | 'hasRoot' | 'trace'>;
      const summary = { ...head, inputPreview: part.inputPreview, hasRoot: part.hasRoot };
      return [{ ...summary, trace: shownTotals.get(trace.traceId) ?? partTotals([part]) }];
    });
    const bounded = matching <= TOTAL_CAP;
    return {
      items,
      total: bounded ? sure : TOTAL_CAP,
      totalExact: bounded,
      hasMore: sure > page.offset + page.perPage,
    };
  }
}

/** What a trace list orders traces by: the head's start and trace id, and for `cost` or `duration` the totals. */
export interface OrderedTrace {
  traceId: string;
  start: bigint;
  totals?: TraceTotals;
}

/**
 * The order of a trace list: by the head's start in `order`, then trace id; for `cost` and `duration` by that
 * figure first (in `order`, a trace without a cost last).
 */
export function traceOrder(order: 'asc' | 'desc', orderBy: TraceOrderBy): (a: OrderedTrace, b: OrderedTrace) => number {
  const byStart = (a: OrderedTrace, b: OrderedTrace) =>
    (order === 'desc' ? -1 : 1) * compareAscending(a.start, b.start) || compareAscending(a.traceId, b.traceId);
  if (orderBy === 'startTime') return byStart;
  const figure = (trace: OrderedTrace): number | null =>
    orderBy === 'cost' ? trace.totals!.cost : Number(trace.totals!.durationNano);
  return (a, b) => compareFigures(figure(a), figure(b), order) || byStart(a, b);
}

/** The earliest first start and the latest last start of some parts (or resolved traces). */
function bounds(parts: readonly { firstStart: bigint; lastStart: bigint }[]): [bigint, bigint] {
  let [from, to] = [parts[0]!.firstStart, parts[0]!.lastStart];
  for (const part of parts) {
    if (part.firstStart < from) from = part.firstStart;
    if (part.lastStart > to) to = part.lastStart;
  }
  return [from, to];
}

/** Orders figures (cost, duration) by `order`; a trace without one comes last either way. */
function compareFigures(a: number | null, b: number | null, order: 'asc' | 'desc'): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return order === 'desc' ? b - a : a - b;
}
