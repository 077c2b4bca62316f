import type { SpanRecord } from '../records/types';

/**
 * Which copy of a span reads show, when the same span (trace id + span id) is stored more than once:
 * a running copy and later its finished one (the `event-sourced` strategy), an OpenTelemetry copy and
 * a Mastra copy of a span that both edges saw (`@mastra/otel-bridge`), or a retried write.
 *
 * The copy with the highest precedence wins; among equals, the one written last. A finished copy
 * beats a running one, and of two finished (or two running) copies the Mastra one wins, being the
 * richer: span type, entity, input and output. This is the one rule; every read that shows spans
 * (getTrace, trace lists, trace summaries) applies it, in JS through {@link spanPrecedence} and in SQL
 * through {@link SPAN_PRECEDENCE_SQL}.
 *
 * @example
 * ```ts
 * spanPrecedence({ running: true, origin: 'otel' }); // 0: the least preferred copy
 * spanPrecedence({ running: false, origin: 'mastra' }); // 3: the most preferred
 * ```
 */
export function spanPrecedence(span: Pick<SpanRecord, 'running' | 'origin'>): number {
  return (span.running ? 0 : 2) + (span.origin === 'mastra' ? 1 : 0);
}

/**
 * {@link spanPrecedence} over the span table's `running` and `origin` columns, in SQL that DuckDB
 * and ClickHouse both read. A row stored before those columns existed (`NULL` or the column's
 * default) counts as a finished OpenTelemetry span, which is what it was.
 */
export const SPAN_PRECEDENCE_SQL =
  "((CASE WHEN running THEN 0 ELSE 2 END) + (CASE WHEN origin = 'mastra' THEN 1 ELSE 0 END))";

/** What tells copies of a span apart and ranks them: a span record, or a store's row that carries these. */
export type SpanCopy = Pick<SpanRecord, 'traceId' | 'spanId' | 'running' | 'origin'>;

/**
 * One copy per span: the preferred one. `spans` must come in the order they were written (or in any
 * order where the store cannot tell), since of two copies of equal precedence the later one wins.
 *
 * @example
 * ```ts
 * const running = { ...span, running: true };
 * preferredCopies([span, running]); // [span]: the finished copy, though written first
 * ```
 */
export function preferredCopies<T extends SpanCopy>(spans: readonly T[]): T[] {
  const chosen = new Map<string, T>();
  for (const span of spans) {
    const key = `${span.traceId}:${span.spanId}`;
    const current = chosen.get(key);
    if (current === undefined || spanPrecedence(span) >= spanPrecedence(current)) chosen.set(key, span);
  }
  return [...chosen.values()];
}
