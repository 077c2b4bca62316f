import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigurationError } from '../errors';
import type { StorePipeline } from '../pipeline/store-pipeline';
import { BearerToken, applyCors } from '../receiver/access';
import { receiveBody, settleUnreadBody } from '../receiver/body';
import { toIngestError, type IngestError } from '../receiver/errors';
import { MemoryBudget } from '../receiver/memory';
import { InvalidQueryError } from '../storage/errors';
import type { ObservabilityStore } from '../storage/types';
import { ApiError, errorBody } from './errors';
import { ROUTES, type Route } from './routes';

/** Options of {@link createApiHandler}: a pipeline (reads and writes) or a store (reads only), access and limits. */
export interface ApiOptions {
  /** Writes (`POST /v1/scores`, `/v1/feedback`) go through it; reads go to its store. */
  pipeline?: StorePipeline;
  /** Without a pipeline, the API reads this store and takes no writes (405). */
  store?: ObservabilityStore;
  /** When set, every request but a CORS preflight must carry `Authorization: Bearer <token>`. */
  authToken?: string;
  /** Origins that browsers may call from; `*` for any. Default none (no CORS headers). */
  corsAllowedOrigins?: string[];
  /** Largest body of a write, before and after decompression. Default 1 MiB (about 5,000 scores). */
  maxBodyBytes?: number;
  /** Request bytes held at once when no `memory` budget is shared; beyond it, 429. Default 8 MiB. */
  maxInFlightBytes?: number;
  /** `Retry-After` on 429 and 503 answers. Default 1 second. */
  retryAfterSeconds?: number;
  /** A memory budget to share with an OTLP receiver on the same port, so that both back off together. */
  memory?: MemoryBudget;
}

/** What an option of {@link ApiOptions} left out means. */
export const API_DEFAULTS = {
  maxBodyBytes: 1024 * 1024,
  maxInFlightBytes: 8 * 1024 * 1024,
  retryAfterSeconds: 1,
} as const;

/**
 * Answers a request when its path is the API's (`/api/…`, `POST /v1/scores`, `POST /v1/feedback`)
 * and returns `true`; returns `false`, touching nothing, for any other path.
 */
export type ApiHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

const COMPILED: CompiledRoute[] = ROUTES.map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
});

const WRITE_PATHS = new Set(ROUTES.filter((route) => !route.path.startsWith('/api/')).map((route) => route.path));
const PATHS = [...new Set(ROUTES.map((route) => route.path))];

/** The routes of a path (one per method), with the values of its `{name}` segments. */
function match(pathname: string): { routes: Route[]; path: Record<string, string> } | null {
  const routes: Route[] = [];
  let path: Record<string, string> = {};
  for (const { route, pattern, names } of COMPILED) {
    const found = pattern.exec(pathname);
    if (!found) continue;
    routes.push(route);
    path = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1]!)]));
  }
  return routes.length === 0 ? null : { routes, path };
}

/**
 * What a failure means for the client: a bad path or query is the API's own 400; store and pipeline
 * failures as every route maps them.
 */
function apiFailure(error: unknown, retryAfterSeconds: number): IngestError {
  if (error instanceof URIError) return new ApiError(400, `the path is not valid percent-encoding: ${error.message}`);
  if (error instanceof InvalidQueryError) return new ApiError(400, error.message);
  return toIngestError(error, retryAfterSeconds);
}

function send(response: ServerResponse, status: number, body: string | null): void {
  if (response.headersSent) return;
  if (body === null) {
    response.writeHead(status, { 'Content-Length': 0 });
    response.end();
    return;
  }
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The HTTP API over a store: reads of every signal through its read API, and scores and feedback
 * written through the pipeline. `startReceiver` serves it on the receiver's port; an app that
 * embeds the `DefaultExporter` can mount it in its own HTTP server.
 *
 * @example
 * ```ts
 * const exporter = new DefaultExporter();
 * const api = createApiHandler({ pipeline: exporter.pipeline, authToken: process.env.TOKEN });
 * createServer((request, response) => {
 *   if (api(request, response)) return;
 *   // … the app's own routes …
 * }).listen(3000);
 * ```
 */
export function createApiHandler(options: ApiOptions): ApiHandler {
  const pipeline = options.pipeline ?? null;
  const given = options.store ?? pipeline?.store;
  if (!given) throw new ConfigurationError('createApiHandler needs a pipeline, or a store to read');
  const store: ObservabilityStore = given;
  if (pipeline && options.store && options.store !== pipeline.store)
    throw new ConfigurationError('createApiHandler: the store must be the pipeline’s own store');
  const maxBodyBytes = options.maxBodyBytes ?? API_DEFAULTS.maxBodyBytes;
  const retryAfterSeconds = options.retryAfterSeconds ?? API_DEFAULTS.retryAfterSeconds;
  for (const [name, value] of [
    ['maxBodyBytes', maxBodyBytes],
    ['retryAfterSeconds', retryAfterSeconds],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0)
      throw new ConfigurationError(`${name} must be a positive number, got ${value}`);
  }
  const memory =
    options.memory ??
    new MemoryBudget(options.maxInFlightBytes ?? API_DEFAULTS.maxInFlightBytes, null, retryAfterSeconds);
  const token = new BearerToken(options.authToken ?? null);
  const origins = options.corsAllowedOrigins ?? [];

  async function answer(request: IncomingMessage, response: ServerResponse, pathname: string, search: string) {
    const held = memory.hold();
    try {
      applyCors(request, response, origins, 'GET, POST, OPTIONS');
      const matched = match(pathname);
      if (!matched)
        throw new ApiError(404, `no such path ${JSON.stringify(pathname)}; the API's paths are ${PATHS.join(', ')}`);
      const methods = [...matched.routes.map((route) => route.method), 'OPTIONS'].join(', ');
      if (request.method === 'OPTIONS') {
        response.setHeader('Allow', methods);
        return send(response, 204, null);
      }
      const route = matched.routes.find((candidate) => candidate.method === request.method);
      if (!route) {
        response.setHeader('Allow', methods);
        throw new ApiError(405, `method ${request.method} is not allowed on ${pathname}; use ${methods}`);
      }
      try {
        token.check(request.headers.authorization);
      } catch (error) {
        response.setHeader('WWW-Authenticate', 'Bearer');
        throw error;
      }
      // A read is refused only for its own reasons (memory here, the store's read failing below): a
      // write being retried says nothing of whether a read can be answered.
      memory.admit();
      await pipeline?.whenReady();
      const { status, body } = await route.answer({
        store,
        pipeline,
        query: new URLSearchParams(search),
        path: matched.path,
        request,
        retryAfterSeconds,
        json: async () => {
          const type = mediaType(request.headers['content-type']);
          if (type !== 'application/json')
            throw new ApiError(415, `unsupported Content-Type ${JSON.stringify(type)}; send application/json`);
          const text = (await receiveBody(request, maxBodyBytes, held.take)).toString('utf8');
          try {
            return JSON.parse(text) as unknown;
          } catch (error) {
            throw new ApiError(400, `the body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
      });
      send(response, status, body);
    } catch (error) {
      const failure = apiFailure(error, retryAfterSeconds);
      held.release();
      await settleUnreadBody(request, response, failure.retryAfterSeconds !== null, maxBodyBytes);
      if (failure.retryAfterSeconds !== null) response.setHeader('Retry-After', String(failure.retryAfterSeconds));
      send(response, failure.httpStatus, errorBody(failure));
    } finally {
      held.release();
    }
  }

  return (request, response) => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const pathname = query < 0 ? url : url.slice(0, query);
    if (!pathname.startsWith('/api/') && !WRITE_PATHS.has(pathname)) return false;
    void answer(request, response, pathname, query < 0 ? '' : url.slice(query + 1));
    return true;
  };
}
