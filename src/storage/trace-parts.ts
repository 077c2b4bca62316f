import type { SpanRecord } from '../records/types';
import { TRACE_SUMMARY_COLUMNS, inputPreview, modelColumn, type Column, type ColumnType } from './columns';
import { preferredCopies, spanPrecedence } from './precedence';
import type { TraceTotals } from './types';

/**
 * Trace parts: one row per trace per written span batch, which trace lists read instead of the spans. A part
 * holds its head (the batch's root span of the trace, else its earliest span) under the span columns' own names,
 * so that the trace filters (`filters.ts`) render unchanged against it, and the batch's sums for the trace. A
 * list resolves each trace's true head and totals from all of its parts (`trace-list.ts`).
 */
export interface TracePart {
  /** The head's light fields (`TraceSummary` without its preview and totals). */
  head: SpanRecord;
  inputPreview: string | null;
  /** Whether the head is a root span. */
  hasRoot: boolean;
  /** The head's {@link spanPrecedence}. */
  headRank: number;
  /** {@link traceHash} of the trace id: a 4-byte key for the lookups of a trace's parts. */
  traceHash: number;
  /** When the batch was written, as a sequence that grows: of two parts, the later written has the larger. */
  written: bigint;
  /** The earliest and latest start, and the latest end, of the batch's spans of the trace. */
  firstStart: bigint;
  lastStart: bigint;
  lastEnd: bigint;
  spanCount: number;
  errorCount: number;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  cost: number | null;
}

/**
 * A 4-byte hash of a trace id: its last 8 hex digits as an unsigned integer. W3C trace ids are random there (a few
 * generators put a timestamp in the first bytes); SQL computes the same for a backfill.
 */
export function traceHash(traceId: string): number {
  return Number.parseInt(traceId.slice(-8), 16);
}

/** What a trace's head is chosen by: the same rule over spans (in JS) and over parts (the resolver). */
export interface HeadCandidate {
  hasRoot: boolean;
  rank: number;
  start: bigint;
  /** Write order: later is larger. */
  written: bigint | number;
}

/**
 * Whether `a` makes a better head than `b`. A root beats a span that is not one; of two roots the higher
 * precedence (`precedence.ts`), then the later written; of two others the earlier start, then the higher
 * precedence, then the later written.
 */
export function betterHead(a: HeadCandidate, b: HeadCandidate): boolean {
  if (a.hasRoot !== b.hasRoot) return a.hasRoot;
  if (!a.hasRoot && a.start !== b.start) return a.start < b.start;
  if (a.rank !== b.rank) return a.rank > b.rank;
  return a.written > b.written;
}

/** The spans a trace's totals read: what tells copies apart and ranks them, and the summed fields. */
export type TotalsSpan = Pick<
  SpanRecord,
  | 'traceId'
  | 'spanId'
  | 'parentSpanId'
  | 'running'
  | 'origin'
  | 'startTimeUnixNano'
  | 'endTimeUnixNano'
  | 'error'
  | 'inputTokens'
  | 'outputTokens'
  | 'totalTokens'
  | 'totalCost'
  | 'usageIncludesChildren'
>;

const INPUT_COLUMN = modelColumn('spans', 'input') as Column<SpanRecord>;

/** A sum that stays `null` until a value is added, as SQL's `sum` does. */
const add = (sum: number | null, value: number | null): number | null => (value === null ? sum : (sum ?? 0) + value);

/**
 * The head and totals of one trace's spans, given in the order written: each span once (its preferred copy), the
 * head by {@link betterHead}, sums by decision 8 (a span whose usage includes its children's is not summed).
 */
export function summarizeSpans<T extends TotalsSpan>(
  spans: readonly T[],
): { head: T; hasRoot: boolean; totals: TraceTotals } {
  const copies = preferredCopies(spans);
  const writeOrder = new Map(spans.map((span, index) => [span, index]));
  let head = copies[0]!;
  let best: HeadCandidate | null = null;
  const totals: TraceTotals = {
    startTimeUnixNano: head.startTimeUnixNano,
    endTimeUnixNano: head.endTimeUnixNano,
    durationNano: 0n,
    spanCount: copies.length,
    errorCount: 0,
    inputTokens: null,
    outputTokens: null,
    totalTokens: null,
    cost: null,
  };
  for (const span of copies) {
    const candidate = {
      hasRoot: span.parentSpanId === null,
      rank: spanPrecedence(span),
      start: span.startTimeUnixNano,
      written: writeOrder.get(span)!,
    };
    if (best === null || betterHead(candidate, best)) [head, best] = [span, candidate];
    if (span.startTimeUnixNano < totals.startTimeUnixNano) totals.startTimeUnixNano = span.startTimeUnixNano;
    if (span.endTimeUnixNano > totals.endTimeUnixNano) totals.endTimeUnixNano = span.endTimeUnixNano;
    if (span.error !== null) totals.errorCount++;
    if (span.usageIncludesChildren) continue;
    totals.inputTokens = add(totals.inputTokens, span.inputTokens);
    totals.outputTokens = add(totals.outputTokens, span.outputTokens);
    totals.totalTokens = add(totals.totalTokens, span.totalTokens);
    totals.cost = add(totals.cost, span.totalCost);
  }
  totals.durationNano = totals.endTimeUnixNano - totals.startTimeUnixNano;
  return { head, hasRoot: head.parentSpanId === null, totals };
}

/** Items grouped by their trace id, each group in the order given. */
export function byTrace<T>(items: readonly T[], traceIdOf: (item: T) => string): Map<string, T[]> {
  const traces = new Map<string, T[]>();
  for (const item of items) {
    const group = traces.get(traceIdOf(item));
    if (group) group.push(item);
    else traces.set(traceIdOf(item), [item]);
  }
  return traces;
}

/** The totals of a trace from its parts' sums: exact for a single part, whose copies were deduplicated on write. */
export function partTotals(parts: readonly TracePart[]): TraceTotals {
  const [first] = parts as [TracePart];
  const totals: TraceTotals = {
    startTimeUnixNano: first.firstStart,
    endTimeUnixNano: first.lastEnd,
    durationNano: 0n,
    spanCount: 0,
    errorCount: 0,
    inputTokens: null,
    outputTokens: null,
    totalTokens: null,
    cost: null,
  };
  for (const part of parts) {
    if (part.firstStart < totals.startTimeUnixNano) totals.startTimeUnixNano = part.firstStart;
    if (part.lastEnd > totals.endTimeUnixNano) totals.endTimeUnixNano = part.lastEnd;
    totals.spanCount += part.spanCount;
    totals.errorCount += part.errorCount;
    totals.inputTokens = add(totals.inputTokens, part.inputTokens);
    totals.outputTokens = add(totals.outputTokens, part.outputTokens);
    totals.totalTokens = add(totals.totalTokens, part.totalTokens);
    totals.cost = add(totals.cost, part.cost);
  }
  totals.durationNano = totals.endTimeUnixNano - totals.startTimeUnixNano;
  return totals;
}

/**
 * The parts of one written batch, one per trace: its head and sums over the batch's spans of the trace.
 * `written` orders this batch after the parts already stored.
 */
export function traceParts(spans: readonly SpanRecord[], written: bigint): TracePart[] {
  return [...byTrace(spans, (span) => span.traceId).values()].map((group) => {
    const { head, hasRoot, totals } = summarizeSpans(group);
    let lastStart = totals.startTimeUnixNano;
    for (const span of group) if (span.startTimeUnixNano > lastStart) lastStart = span.startTimeUnixNano;
    return {
      head,
      inputPreview: inputPreview(INPUT_COLUMN.get(head) as string | null),
      hasRoot,
      headRank: spanPrecedence(head),
      traceHash: traceHash(head.traceId),
      written,
      firstStart: totals.startTimeUnixNano,
      lastStart,
      lastEnd: totals.endTimeUnixNano,
      spanCount: totals.spanCount,
      errorCount: totals.errorCount,
      inputTokens: totals.inputTokens,
      outputTokens: totals.outputTokens,
      totalTokens: totals.totalTokens,
      cost: totals.cost,
    };
  });
}

/** A column of a part's own field. */
function partField<K extends Exclude<keyof TracePart, 'head'>>(
  name: string,
  key: K,
  type: ColumnType,
  nullable = false,
): Column<TracePart> {
  return {
    name,
    type,
    nullable,
    lowCardinality: false,
    get: (part) => part[key],
    set: (part, cell) => {
      (part as Record<string, unknown>)[key] = cell;
    },
  };
}

/** A head column: the span column of the same name, read from and written to the part's head. */
function headColumn(column: Column<SpanRecord>): Column<TracePart> {
  return {
    ...column,
    get: (part) => column.get(part.head),
    set: (part, cell) => column.set((part.head ??= {} as SpanRecord), cell),
  };
}

/** The head's light columns, under the span columns' names. */
export const TRACE_PART_HEAD_COLUMNS: Column<TracePart>[] = TRACE_SUMMARY_COLUMNS.map(headColumn);

const column = (name: string): Column<TracePart> => TRACE_PART_HEAD_COLUMNS.find((each) => each.name === name)!;

/** What identifies a part, and orders candidates: the trace id, when it was written, and its head's start. */
export const TRACE_PART_KEY_COLUMNS: Column<TracePart>[] = [
  column('trace_id'),
  partField('written', 'written', 'int64'),
  column('start_time'),
];

/** What picks a trace's head among its parts, and bounds its spans' start times: read for every candidate trace. */
export const TRACE_PART_PICK_COLUMNS: Column<TracePart>[] = [
  ...TRACE_PART_KEY_COLUMNS,
  partField('has_root', 'hasRoot', 'bool'),
  partField('head_rank', 'headRank', 'uint8'),
  partField('first_start', 'firstStart', 'time'),
  partField('last_start', 'lastStart', 'time'),
];

/** A part's sums over its batch's spans of the trace. */
const SUMS: Column<TracePart>[] = [
  partField('last_end', 'lastEnd', 'time'),
  partField('span_count', 'spanCount', 'uint32'),
  partField('error_count', 'errorCount', 'uint32'),
  partField('trace_input_tokens', 'inputTokens', 'uint64', true),
  partField('trace_output_tokens', 'outputTokens', 'uint64', true),
  partField('trace_total_tokens', 'totalTokens', 'uint64', true),
  partField('trace_cost', 'cost', 'float64', true),
];

/** What a trace's totals read of a part: its key, its bounds and its sums. */
export const TRACE_PART_SUM_COLUMNS: Column<TracePart>[] = [...TRACE_PART_PICK_COLUMNS, ...SUMS];

const INPUT_PREVIEW_COLUMN = partField('input_preview', 'inputPreview', 'string', true);

/** What a page shows of its traces' head parts: the key, the head's light columns, the input preview and the sums. */
export const TRACE_PART_HEAD_ROW_COLUMNS: Column<TracePart>[] = [
  TRACE_PART_KEY_COLUMNS[1]!,
  ...TRACE_PART_HEAD_COLUMNS,
  INPUT_PREVIEW_COLUMN,
  ...TRACE_PART_SUM_COLUMNS.slice(TRACE_PART_KEY_COLUMNS.length),
];

/** Every column of the parts table, in table order: the head's, then the part's own. */
export const TRACE_PART_COLUMNS: Column<TracePart>[] = [
  ...TRACE_PART_HEAD_COLUMNS,
  INPUT_PREVIEW_COLUMN,
  partField('trace_hash', 'traceHash', 'uint32'),
  ...TRACE_PART_SUM_COLUMNS.filter((each) => !TRACE_PART_HEAD_COLUMNS.includes(each)),
];
