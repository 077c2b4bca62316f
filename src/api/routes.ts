import type { IncomingMessage } from 'node:http';
import type { StorePipeline } from '../pipeline/store-pipeline';
import type { MetricAggregateQuery, ObservabilityStore } from '../storage/types';
import { codecFor } from './codec';
import { ApiError } from './errors';
import {
  AGGREGATE_PARAMS,
  FEEDBACK_PARAMS,
  LOG_PARAMS,
  METRIC_PARAMS,
  RANGE,
  SCORE_PARAMS,
  TRACE_PARAMS,
  listArgs,
  parseQuery,
  traceIdParam,
  type ParamSpec,
} from './params';
import { LISTS, SPEND_CODEC, readTraceView, spendQueryFrom, type ListName } from './reads';
import { MetricAggregateSchema, MetricDescriptorsSchema, ServicesSchema, TraceViewSchema } from './schemas';
import { WRITABLE, recordsFromBody, type WritableSignal } from './writes';

/** What a route gets to answer one request. */
export interface RouteContext {
  store: ObservabilityStore;
  /** `null` on a read-only API. */
  pipeline: StorePipeline | null;
  query: URLSearchParams;
  /** The `{name}` segments of the route's path. */
  path: Record<string, string>;
  request: IncomingMessage;
  /** For `Retry-After` on the answers that ask to come back later. */
  retryAfterSeconds: number;
  /** The request's JSON body, read within the body limit and the memory budget. */
  json: () => Promise<unknown>;
}

/** A JSON answer. */
export interface Answer {
  status: number;
  body: string;
}

export interface Route {
  method: 'GET' | 'POST';
  /** With `{name}` for a path segment, such as `/api/v1/traces/{traceId}`. */
  path: string;
  answer(context: RouteContext): Promise<Answer>;
}

const ok = (body: string): Answer => ({ status: 200, body });

function list(path: string, name: ListName, spec: ParamSpec): Route {
  const { read, codec } = LISTS[name] as (typeof LISTS)['logs'];
  return {
    method: 'GET',
    path,
    answer: async ({ store, query }) => ok(codec.stringify(await read(store, listArgs(parseQuery(query, spec))))),
  };
}

const traceView = codecFor(TraceViewSchema);
const aggregate = codecFor(MetricAggregateSchema);
const services = codecFor(ServicesSchema);
const descriptors = codecFor(MetricDescriptorsSchema);
const TRACE_ID: ParamSpec = { traceId: traceIdParam('traceId') };

function write<S extends WritableSignal>(path: string, signal: S): Route {
  return {
    method: 'POST',
    path,
    async answer({ pipeline, json, retryAfterSeconds }) {
      if (pipeline === null) throw new ApiError(405, `this API is read-only: it does not take ${signal}`);
      if (pipeline.writer(signal).isFailing)
        throw new ApiError(503, 'storage is failing; retrying earlier writes', { retryAfterSeconds });
      const records = recordsFromBody(signal, await json());
      const outcome = await pipeline.submit(signal, records);
      // Validated above with the same rules, so the store refusing some is a bug worth a loud answer.
      if (outcome.rejected.length > 0)
        throw new ApiError(500, `the store refused ${outcome.rejected.length} ${signal}`);
      return ok(WRITABLE[signal].written(records));
    },
  };
}

/**
 * Every route of the API. Reads go through the store's read API only; the two writes go through
 * the pipeline, as every other record does, and answer once their records are committed.
 */
export const ROUTES: readonly Route[] = [
  list('/api/v1/traces', 'traces', TRACE_PARAMS),
  {
    method: 'GET',
    path: '/api/v1/traces/{traceId}',
    async answer({ store, query, path }) {
      parseQuery(query, {});
      const { traceId } = parseQuery(new URLSearchParams({ traceId: path.traceId! }), TRACE_ID) as { traceId: string };
      const view = await readTraceView(store, traceId);
      if (view === null) throw new ApiError(404, `no trace ${traceId} is stored`);
      return ok(traceView.stringify(view));
    },
  },
  list('/api/v1/logs', 'logs', LOG_PARAMS),
  list('/api/v1/metrics', 'metrics', METRIC_PARAMS),
  {
    method: 'GET',
    path: '/api/v1/metrics/aggregate',
    async answer({ store, query }) {
      const { name, aggregation, bucketSizeNano, field, groupBy, ...filter } = parseQuery(query, AGGREGATE_PARAMS, [
        'name',
        'aggregation',
        'bucket',
      ]);
      const request = { name, aggregation, bucketSizeNano, field, groupBy, filter } as MetricAggregateQuery;
      return ok(aggregate.stringify(await store.aggregateMetrics(request)));
    },
  },
  {
    method: 'GET',
    path: '/api/v1/spend',
    answer: async ({ store, query }) => ok(SPEND_CODEC.stringify(await store.aggregateSpend(spendQueryFrom(query)))),
  },
  {
    method: 'GET',
    path: '/api/v1/metrics/names',
    answer: async ({ store, query }) =>
      ok(descriptors.stringify({ metrics: await store.listMetricDescriptors(parseQuery(query, RANGE)) })),
  },
  {
    method: 'GET',
    path: '/api/v1/services',
    answer: async ({ store, query }) =>
      ok(services.stringify({ services: await store.listServices(parseQuery(query, RANGE)) })),
  },
  list('/api/v1/scores', 'scores', SCORE_PARAMS),
  list('/api/v1/feedback', 'feedback', FEEDBACK_PARAMS),
  write('/v1/scores', 'scores'),
  write('/v1/feedback', 'feedback'),
];
