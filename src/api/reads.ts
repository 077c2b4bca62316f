import type { Static, TSchema } from '@sinclair/typebox';
import type {
  FeedbackFilter,
  ListArgs,
  LogFilter,
  MetricFilter,
  ObservabilityStore,
  ScoreFilter,
  SpendQuery,
  TraceFilter,
  TraceListArgs,
} from '../storage/types';
import { MAX_PER_PAGE } from '../storage/types';
import { codecFor, type Codec } from './codec';
import { SPEND_PARAMS, parseQuery } from './params';
import {
  FeedbackListSchema,
  LogListSchema,
  MetricListSchema,
  ScoreListSchema,
  SpendSchema,
  TraceListSchema,
  type TraceView,
} from './schemas';

/**
 * The reads that both the HTTP API and `otel-bridge query --json` make, through the store's read
 * API only, and the codecs that write their results.
 */

/** One list of the store, and how its page is written as JSON. */
export interface ListRead<F, R> {
  read: (store: ObservabilityStore, args: ListArgs<F>) => Promise<R>;
  codec: Codec<R>;
}

function listRead<F, S extends TSchema>(
  schema: S,
  read: (store: ObservabilityStore, args: ListArgs<F>) => Promise<Static<S>>,
): ListRead<F, Static<S>> {
  return { read, codec: codecFor(schema) };
}

/** The five lists, by the name that `query` and the routes use. */
export const LISTS = {
  // `orderBy` comes beside the page arguments (`listArgs` in params.ts).
  traces: listRead(TraceListSchema, (store, args: ListArgs<TraceFilter>) => store.listTraces(args as TraceListArgs)),
  logs: listRead(LogListSchema, (store, args: ListArgs<LogFilter>) => store.listLogs(args)),
  metrics: listRead(MetricListSchema, (store, args: ListArgs<MetricFilter>) => store.listMetrics(args)),
  scores: listRead(ScoreListSchema, (store, args: ListArgs<ScoreFilter>) => store.listScores(args)),
  feedback: listRead(FeedbackListSchema, (store, args: ListArgs<FeedbackFilter>) => store.listFeedback(args)),
};

export type ListName = keyof typeof LISTS;

/** How `GET /api/v1/spend` and `otel-bridge query spend --json` write a spend aggregate. */
export const SPEND_CODEC = codecFor(SpendSchema);

/**
 * The spend aggregate that query parameters ask for (`GET /api/v1/spend`, and `otel-bridge query
 * spend` through the same parameters): `from` and `bucket` are required, `to` is now unless given.
 */
export function spendQueryFrom(query: URLSearchParams): SpendQuery {
  const { bucketSizeNano, groupBy, ...filter } = parseQuery(query, SPEND_PARAMS, ['from', 'bucket']);
  return { bucketSizeNano, groupBy, filter: { to: BigInt(Date.now()) * 1_000_000n, ...filter } } as SpendQuery;
}

/**
 * A trace with its spans, and the first page (1000, in time order) of the scores, feedback and logs
 * that name it; `null` when no span of it is stored. The four reads run at once.
 */
export async function readTraceView(store: ObservabilityStore, traceId: string): Promise<TraceView | null> {
  const args = { filter: { traceId }, perPage: MAX_PER_PAGE, order: 'asc' } as const;
  const [trace, scores, feedback, logs] = await Promise.all([
    store.getTrace(traceId),
    store.listScores(args),
    store.listFeedback(args),
    store.listLogs(args),
  ]);
  if (trace === null) return null;
  return {
    traceId: trace.traceId,
    spans: trace.spans,
    scores: scores.scores,
    feedback: feedback.feedback,
    logs: logs.logs,
    hasMore: {
      scores: scores.pagination.hasMore,
      feedback: feedback.pagination.hasMore,
      logs: logs.pagination.hasMore,
    },
  };
}
