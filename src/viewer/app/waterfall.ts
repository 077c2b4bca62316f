import type { SpanRecord, SpanType } from '../../records/types';

/**
 * The waterfall's layout, which no library does: spans in tree order (each parent followed by its
 * children, by start time), their depth, and each bar's place on the trace's one time axis.
 */

/** The fields of a span that the layout reads. */
export type LaidSpan = Pick<
  SpanRecord,
  'spanId' | 'parentSpanId' | 'startTimeUnixNano' | 'endTimeUnixNano' | 'durationNano'
>;

export interface WaterfallRow<S extends LaidSpan> {
  span: S;
  depth: number;
  /** How many spans are below it, all levels. */
  descendants: number;
  /** It names a parent that is not in the trace (not received, or in another service's store). */
  orphan: boolean;
  /** The bar's start and width, as fractions of the trace's time span (0 to 1). */
  offset: number;
  width: number;
}

export interface Waterfall<S extends LaidSpan> {
  /** Every visible row, in tree order; spans under a collapsed one are left out. */
  rows: WaterfallRow<S>[];
  startUnixNano: bigint;
  endUnixNano: bigint;
}

/**
 * Lays out a trace's spans. `collapsed` holds span ids whose descendants are hidden. Spans whose
 * parent is missing become top-level rows, marked `orphan`; a cycle of parents (malformed data)
 * is broken the same way, so that every span is shown once.
 */
export function layoutWaterfall<S extends LaidSpan>(
  spans: readonly S[],
  collapsed: ReadonlySet<string> = new Set(),
): Waterfall<S> {
  if (spans.length === 0) return { rows: [], startUnixNano: 0n, endUnixNano: 0n };
  let start = spans[0]!.startTimeUnixNano;
  let end = spans[0]!.endTimeUnixNano;
  const byId = new Map<string, S>();
  for (const span of spans) {
    if (span.startTimeUnixNano < start) start = span.startTimeUnixNano;
    if (span.endTimeUnixNano > end) end = span.endTimeUnixNano;
    byId.set(span.spanId, span);
  }
  const total = Number(end - start) || 1;
  const byStart = [...spans].sort((a, b) =>
    a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0,
  );
  const children = new Map<string, S[]>();
  const roots: S[] = [];
  for (const span of byStart) {
    const parent = span.parentSpanId;
    if (parent !== null && parent !== span.spanId && byId.has(parent)) {
      let siblings = children.get(parent);
      if (!siblings) children.set(parent, (siblings = []));
      siblings.push(span);
    } else roots.push(span);
  }

  const counts = new Map<string, number>();
  const countBelow = (root: S): void => {
    // Post-order without recursion: a chain of thousands of spans must not overflow the stack. A
    // span met again closes a cycle of parents, and counts nothing more.
    const stack: [S, boolean][] = [[root, false]];
    const met = new Set<string>();
    while (stack.length > 0) {
      const [span, expanded] = stack.pop()!;
      const below = children.get(span.spanId) ?? [];
      if (!expanded) {
        if (met.has(span.spanId)) continue;
        met.add(span.spanId);
        stack.push([span, true]);
        for (const child of below) if (!met.has(child.spanId)) stack.push([child, false]);
      } else
        counts.set(
          span.spanId,
          below.reduce((sum, child) => sum + 1 + (counts.get(child.spanId) ?? 0), 0),
        );
    }
  };

  const rows: WaterfallRow<S>[] = [];
  const placed = new Set<string>();
  const walk = (root: S, orphan: boolean): void => {
    countBelow(root);
    const stack: [S, number][] = [[root, 0]];
    while (stack.length > 0) {
      const [span, depth] = stack.pop()!;
      if (placed.has(span.spanId)) continue;
      placed.add(span.spanId);
      rows.push({
        span,
        depth,
        descendants: counts.get(span.spanId) ?? 0,
        orphan: depth === 0 && orphan,
        offset: Number(span.startTimeUnixNano - start) / total,
        width: Number(span.durationNano) / total,
      });
      if (collapsed.has(span.spanId)) continue;
      const below = children.get(span.spanId) ?? [];
      for (let i = below.length - 1; i >= 0; i--) stack.push([below[i]!, depth + 1]);
    }
  };
  for (const root of roots) walk(root, root.parentSpanId !== null);
  // What no root reaches sits on a cycle of parents: show it anyway.
  for (const span of byStart) {
    if (!placed.has(span.spanId) && !isHiddenBelow(span, collapsed, byId)) walk(span, true);
  }
  return { rows, startUnixNano: start, endUnixNano: end };
}

/** Whether an ancestor of the span is collapsed (so that it is hidden on purpose). */
function isHiddenBelow<S extends LaidSpan>(span: S, collapsed: ReadonlySet<string>, byId: Map<string, S>): boolean {
  const seen = new Set<string>();
  let parent = span.parentSpanId;
  while (parent !== null && byId.has(parent) && !seen.has(parent)) {
    if (collapsed.has(parent)) return true;
    seen.add(parent);
    parent = byId.get(parent)!.parentSpanId;
  }
  return false;
}

export interface AxisTick {
  /** Where on the axis, 0 to 1. */
  fraction: number;
  /** Nanoseconds from the trace's start. */
  offsetNano: number;
}

/** Ticks at a round step (1, 2 or 5 times a power of ten nanoseconds), about `count` of them. */
export function axisTicks(totalNano: number, count = 6): AxisTick[] {
  if (totalNano <= 0) return [{ fraction: 0, offsetNano: 0 }];
  const raw = totalNano / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw)!;
  const ticks: AxisTick[] = [];
  for (let offset = 0; offset <= totalNano; offset += step)
    ticks.push({ fraction: offset / totalNano, offsetNano: offset });
  return ticks;
}

/** A colour per span type: one hue per family (agents, models, tools, workflows, …). */
const FAMILY_COLOURS: [RegExp, string][] = [
  [/^agent_/, '#7c3aed'],
  [/^model_/, '#2563eb'],
  [/tool_call$/, '#ea580c'],
  [/^mcp_/, '#c2410c'],
  [/^workflow_/, '#0d9488'],
  [/^scorer_|^classifier_/, '#ca8a04'],
  [/^memory_|^workspace_/, '#16a34a'],
  [/^rag_/, '#db2777'],
  [/^processor_|^mapping$|^graph_/, '#4f46e5'],
  [/^skill_/, '#0891b2'],
];

export function spanTypeColour(type: SpanType): string {
  for (const [pattern, colour] of FAMILY_COLOURS) if (pattern.test(type)) return colour;
  return '#6b7280';
}
