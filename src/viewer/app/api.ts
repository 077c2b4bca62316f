import type { Static, TSchema } from '@sinclair/typebox';
import { codecFor } from '../../api/codec';
import {
  FeedbackListSchema,
  FeedbackWrittenSchema,
  LogListSchema,
  MetricAggregateSchema,
  MetricDescriptorsSchema,
  MetricListSchema,
  ScoreListSchema,
  ServicesSchema,
  TraceListSchema,
  TraceViewSchema,
} from '../../api/schemas';

/**
 * The viewer's only way to the data: the HTTP API on the page's own origin, its answers read with
 * the API's record codec (so int64s, nanosecond times and typed attributes arrive exact). A bearer
 * token, when the server asks for one, is asked for once and kept for the browser session only.
 */

const TOKEN_KEY = 'otel-bridge.token';

/** The API answered with an error; `message` is the server's own. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type TokenPrompt = (rejected: boolean) => Promise<string>;
let promptForToken: TokenPrompt | null = null;

/** Sets how the page asks for a token: the app shows a form and resolves with what was entered. */
export function onTokenNeeded(prompt: TokenPrompt): void {
  promptForToken = prompt;
}

async function request(path: string, init: RequestInit = {}): Promise<unknown> {
  let asked = false;
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = new Headers(init.headers);
    if (token !== null) headers.set('Authorization', `Bearer ${token}`);
    const response = await fetch(path, { ...init, headers });
    if (response.status === 401 && promptForToken) {
      // A stored token that the server refuses is asked for again, once per request.
      if (asked) sessionStorage.removeItem(TOKEN_KEY);
      const entered = await promptForToken(token !== null);
      sessionStorage.setItem(TOKEN_KEY, entered);
      asked = true;
      continue;
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      throw new ApiRequestError(
        response.status,
        `the server answered ${response.status} with something that is not JSON`,
      );
    }
    if (!response.ok) {
      const message = (body as { error?: { message?: string } } | null)?.error?.message;
      throw new ApiRequestError(response.status, message ?? `the server answered ${response.status}`);
    }
    return body;
  }
}

function reader<S extends TSchema>(schema: S): (path: string, init?: RequestInit) => Promise<Static<S>> {
  const codec = codecFor(schema);
  return async (path, init) => {
    const { value, issues } = codec.parse(await request(path, init));
    if (issues.length > 0)
      throw new ApiRequestError(
        200,
        `the API's answer is not what the viewer reads: ${issues[0]!.path} ${issues[0]!.message}`,
      );
    return value;
  };
}

export type Query = Record<string, string | string[] | undefined | null>;

/** `?a=1&b=2&b=3`, leaving out what is empty. */
export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of [value ?? []].flat()) if (item !== '') params.append(key, item);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

const readTraces = reader(TraceListSchema);
const readTrace = reader(TraceViewSchema);
const readLogs = reader(LogListSchema);
const readMetrics = reader(MetricListSchema);
const readAggregate = reader(MetricAggregateSchema);
const readNames = reader(MetricDescriptorsSchema);
const readServices = reader(ServicesSchema);
const readScores = reader(ScoreListSchema);
const readFeedback = reader(FeedbackListSchema);
const writeFeedback = reader(FeedbackWrittenSchema);

export const api = {
  traces: (query: Query) => readTraces(`api/v1/traces${queryString(query)}`),
  trace: (traceId: string) => readTrace(`api/v1/traces/${encodeURIComponent(traceId)}`),
  /** Whether any span of a trace is stored, for links to other traces. */
  hasTrace: (traceId: string) =>
    request(`api/v1/traces/${encodeURIComponent(traceId)}`).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ApiRequestError && error.status === 404) return false;
        throw error;
      },
    ),
  logs: (query: Query) => readLogs(`api/v1/logs${queryString(query)}`),
  metrics: (query: Query) => readMetrics(`api/v1/metrics${queryString(query)}`),
  aggregate: (query: Query) => readAggregate(`api/v1/metrics/aggregate${queryString(query)}`),
  metricNames: () => readNames('api/v1/metrics/names'),
  services: () => readServices('api/v1/services'),
  scores: (query: Query) => readScores(`api/v1/scores${queryString(query)}`),
  feedback: (query: Query) => readFeedback(`api/v1/feedback${queryString(query)}`),
  recordFeedback: (body: Record<string, unknown>) =>
    writeFeedback('v1/feedback', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
};
