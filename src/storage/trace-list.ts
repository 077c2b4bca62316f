import type { SpanRecord } from '../records/types';
import { StoreBase, compareAscending, type PageOf, type ResolvedPage } from './base';
import { COLUMNS, modelColumn, type Column } from './columns';
import { InvalidQueryError } from './errors';
import type { Predicate } from './filters';
import {
  TRACE_PART_HEAD_ROW_COLUMNS,
  TRACE_PART_KEY_COLUMNS,
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

/** A trace list's request, checked: the predicates on the head span, the page, the order and the cost floor. */
export interface TraceListQuery {
  predicates: readonly Predicate[];
  page: ResolvedPage;
  orderBy: TraceOrderBy;
  minCost: number | null;
}

/** One page of traces, with the list's total (exact, or {@link TOTAL_CAP} and marked capped) and `hasMore`. */
/** A page of a trace list, as every list's page is. */
export type TraceListPage = PageOf<TraceSummary>;

/** One round of candidates, as {@link TracePartsStore.readCandidates} reads it: raw rows, decoded by the resolver. */
export interface CandidateRound {
  /** The capped count of matching parts, when it was asked for. */
  matching: number | null;
  keys: unknown[][];
  parts: unknown[][];
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

/** A trace as the resolver knows it: its parts and the one that heads it. */
interface ResolvedTrace extends OrderedTrace {
  parts: TracePart[];
  head: TracePart;
}

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
   * `countLimit` is set (first round only), the first `limit` matching parts in page order (rows of
   * {@link TRACE_PART_KEY_COLUMNS}), and every part of their traces (rows of {@link TRACE_PART_PICK_COLUMNS}, in
   * any order).
   */
  protected abstract readCandidates(
    predicates: readonly Predicate[],
    order: 'asc' | 'desc',
    limit: number,
    countLimit: number | null,
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
    traces: readonly ResolvedTrace[],
    sums?: ReadonlyMap<string, TracePart>,
  ): Promise<Map<string, TraceTotals>> {
    const totals = new Map<string, TraceTotals>();
    const single = traces.filter((trace) => trace.parts.length === 1);
    const split = traces.filter((trace) => trace.parts.length > 1);
    const unread = single.filter((trace) => !sums?.has(trace.traceId)).map((trace) => trace.traceId);
    const read = await this.parts(unread, TRACE_PART_SUM_COLUMNS);
    const partOf = new Map([...(sums ?? []), ...read.map((part) => [part.head.traceId, part] as const)]);
    for (const trace of single) {
      const part = partOf.get(trace.traceId);
      if (part) totals.set(trace.traceId, partTotals([part]));
    }
    if (split.length === 0) return totals;
    const [from, to] = bounds(split.flatMap((trace) => trace.parts));
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
   * The traces whose true head is among `candidates`: each candidate's trace resolved from all of its `parts`, its
   * head the best of them ({@link betterHead}), so that the filter applies to the true head.
   */
  private resolve(candidates: readonly TracePart[], parts: readonly TracePart[]): ResolvedTrace[] {
    const keys = new Set(candidates.map(partKey));
    const resolved: ResolvedTrace[] = [];
    for (const [traceId, ofTrace] of byTrace(parts, (part) => part.head.traceId)) {
      const head = ofTrace.reduce((best, part) => (betterHead(asCandidate(part), asCandidate(best)) ? part : best));
      if (keys.has(partKey(head))) resolved.push({ traceId, start: head.head.startTimeUnixNano, parts: ofTrace, head });
    }
    return resolved;
  }

  /**
   * The shared, exact trace list. It reads the newest (or oldest) matching parts, resolves their traces, and keeps
   * those it is sure of: every trace whose head starts strictly before the last candidate's start has its head among
   * the candidates. It widens the candidates until the page (and one more, for `hasMore`) is sure; ordering by
   * cost or duration, and `minCost`, resolve every matching trace (at most {@link TOTAL_CAP}). Then it reads the
   * page's heads and totals only.
   */
  protected async queryTraceList(query: TraceListQuery): Promise<TraceListPage> {
    const { predicates, page, orderBy, minCost } = query;
    const needsAll = orderBy !== 'startTime' || minCost !== null;
    const wanted = page.offset + page.perPage + 1;
    const later = (a: bigint, b: bigint) => (page.order === 'desc' ? a > b : a < b);
    let limit = Math.max(2 * wanted, FIRST_ROUND);
    let matching: number | null = null;
    let sure: ResolvedTrace[];
    for (;;) {
      const round = await this.readCandidates(predicates, page.order, limit, matching === null ? TOTAL_CAP + 1 : null);
      matching ??= round.matching!;
      if (matching > TOTAL_CAP && needsAll)
        throw unboundedListError(minCost !== null ? 'minCost' : `orderBy ${orderBy}`);
      const candidates = round.keys.map((row) => this.decode(TRACE_PART_KEY_COLUMNS, row));
      const cutoff = candidates.length === limit ? candidates[candidates.length - 1]!.head.startTimeUnixNano : null;
      const next = Math.max(4 * limit, matching <= TOTAL_CAP ? matching + 1 : 0);
      if (cutoff !== null && needsAll) {
        limit = next;
        continue;
      }
      const parts = round.parts.map((row) => this.decode(TRACE_PART_PICK_COLUMNS, row));
      const resolved = this.resolve(candidates, parts);
      sure = cutoff === null ? resolved : resolved.filter((trace) => later(trace.start, cutoff));
      if (cutoff === null || (sure.length >= wanted && matching > TOTAL_CAP)) break;
      limit = next;
    }
    let totals: Map<string, TraceTotals> | null = null;
    if (needsAll) {
      totals = await this.totals(sure);
      for (const trace of sure) trace.totals = totals.get(trace.traceId)!;
      if (minCost !== null) sure = sure.filter((trace) => (trace.totals!.cost ?? -Infinity) >= minCost);
    }
    sure.sort(traceOrder(page.order, orderBy));
    const shown = sure.slice(page.offset, page.offset + page.perPage);
    const rows = shown.length === 0 ? [] : await this.queryTraceHeads(shown.map((trace) => trace.head));
    const heads = new Map(
      rows.map((row) => this.decode(TRACE_PART_HEAD_ROW_COLUMNS, row)).map((part) => [partKey(part), part]),
    );
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
      total: bounded ? sure.length : TOTAL_CAP,
      totalExact: bounded,
      hasMore: sure.length > page.offset + page.perPage,
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

/** The earliest first start and the latest last start of some parts. */
function bounds(parts: readonly TracePart[]): [bigint, bigint] {
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
