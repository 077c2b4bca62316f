import type { IncomingMessage, ServerResponse } from 'node:http';
import { scoresFromEvaluationEvents } from '../mapping/evaluation';
import {
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  OtlpDecodeError,
  type DecodeResult,
  type OtlpEncoding,
  type OtlpSignal,
} from '../mapping/otlp';
import type { StorePipeline } from '../pipeline/store-pipeline';
import type { LogRecord, Signal } from '../records/types';
import { BearerToken, applyCors } from './access';
import { receiveBody } from './body';
import { ReceiverError, writeFailure } from './errors';
import type { MemoryBudget } from './memory';
import { CONTENT_TYPES, exportResponse, statusResponse } from './responses';

export interface HandlerSettings {
  pipeline: StorePipeline;
  memory: MemoryBudget;
  maxBodyBytes: number;
  authToken: string | null;
  corsAllowedOrigins: readonly string[];
  retryAfterSeconds: number;
}

interface Route {
  signal: Signal;
  decode: (body: Uint8Array, encoding: OtlpEncoding) => DecodeResult<never>;
}

const ROUTES: Record<string, { otlp: OtlpSignal } & Route> = {
  '/v1/traces': { otlp: 'traces', signal: 'spans', decode: decodeTraces as Route['decode'] },
  '/v1/logs': { otlp: 'logs', signal: 'logs', decode: decodeLogs as Route['decode'] },
  '/v1/metrics': { otlp: 'metrics', signal: 'metrics', decode: decodeMetrics as Route['decode'] },
};

function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return null;
}

/**
 * Answers OTLP/HTTP requests as the Collector's `otlp` receiver does, and acknowledges an export
 * only once its records are committed.
 */
export class OtlpHandler {
  private readonly settings: HandlerSettings;
  private readonly token: BearerToken;

  constructor(settings: HandlerSettings) {
    this.settings = settings;
    this.token = new BearerToken(settings.authToken);
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    const encoding = encodingOf(request.headers['content-type']) ?? 'json';
    try {
      if (path === '/health') return await this.health(request, response);
      const route = ROUTES[path];
      if (!route)
        throw new ReceiverError(
          404,
          `no such path ${JSON.stringify(path)}; OTLP/HTTP paths are ${Object.keys(ROUTES).join(', ')}`,
        );
      applyCors(request, response, this.settings.corsAllowedOrigins, 'POST, OPTIONS');
      if (request.method === 'OPTIONS') return this.send(response, 204, null, null);
      if (request.method !== 'POST') {
        response.setHeader('Allow', 'POST, OPTIONS');
        throw new ReceiverError(405, `method ${request.method} is not allowed on ${path}; use POST`);
      }
      if (!this.token.admits(request)) {
        response.setHeader('WWW-Authenticate', 'Bearer');
        throw new ReceiverError(401, 'missing or invalid bearer token');
      }
      if (encodingOf(request.headers['content-type']) === null) {
        throw new ReceiverError(
          415,
          `unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}; use application/x-protobuf or application/json`,
        );
      }
      await this.export(request, response, route, encoding);
    } catch (error) {
      const failure = writeFailure(error, this.settings.retryAfterSeconds);
      // The rest of an unread body would otherwise be parsed as the next request.
      if (!request.complete) response.setHeader('Connection', 'close');
      if (failure.retryAfterSeconds !== null) response.setHeader('Retry-After', String(failure.retryAfterSeconds));
      this.send(response, failure.status, encoding, statusResponse(encoding, failure.grpcCode, failure.message));
    }
  }

  private async export(
    request: IncomingMessage,
    response: ServerResponse,
    route: Route & { otlp: OtlpSignal },
    encoding: OtlpEncoding,
  ): Promise<void> {
    const { pipeline, memory, maxBodyBytes, retryAfterSeconds } = this.settings;
    memory.admit();
    if (pipeline.writer(route.signal).isFailing) {
      throw new ReceiverError(503, 'storage is failing; retrying earlier writes', { retryAfterSeconds });
    }
    // The request holds its bytes, compressed and not, until it is answered.
    const held = memory.hold();
    try {
      const body = await receiveBody(request, maxBodyBytes, held.take);
      let decoded: DecodeResult<never>;
      try {
        decoded = route.decode(body, encoding);
      } catch (error) {
        if (error instanceof OtlpDecodeError) throw new ReceiverError(400, error.message, { cause: error });
        throw error;
      }
      const [outcome] = await Promise.all([
        pipeline.submit(route.signal, decoded.records),
        route.signal === 'logs' ? this.submitEvaluationScores(decoded.records) : null,
      ]);
      const rejected = decoded.rejected + outcome.rejected.length;
      const storeProblem = outcome.rejected[0];
      const message = [
        decoded.errorMessage,
        storeProblem ? `record ${storeProblem.index}: ${storeProblem.path} ${storeProblem.message}` : '',
      ]
        .filter((part) => part !== '')
        .join('; ');
      this.send(response, 200, encoding, exportResponse(route.otlp, encoding, rejected, message));
    } finally {
      held.release();
    }
  }

  /** GenAI evaluation events become scores too; a score the store refuses is reported to onDrop. */
  private async submitEvaluationScores(logs: readonly LogRecord[]): Promise<void> {
    const scores = scoresFromEvaluationEvents(logs);
    if (scores.length > 0) await this.settings.pipeline.submit('scores', scores);
  }

  private async health(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      throw new ReceiverError(405, `method ${request.method} is not allowed on /health; use GET`);
    }
    const { pipeline } = this.settings;
    const signals = Object.fromEntries(
      (['spans', 'logs', 'metrics'] as const).map((signal) => {
        const writer = pipeline.writer(signal);
        return [signal, { buffered: writer.bufferedCount, failing: writer.isFailing }];
      }),
    );
    try {
      await pipeline.store.ping();
      this.sendJson(response, 200, { status: 'ok', store: pipeline.store.kind, signals });
    } catch (error) {
      this.sendJson(response, 503, {
        status: 'unavailable',
        store: pipeline.store.kind,
        error: error instanceof Error ? error.message : String(error),
        signals,
      });
    }
  }

  private sendJson(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  private send(response: ServerResponse, status: number, encoding: OtlpEncoding | null, body: Buffer | null): void {
    if (response.headersSent) return;
    const headers: Record<string, string | number> = { 'Content-Length': body?.length ?? 0 };
    if (encoding !== null && body !== null) headers['Content-Type'] = CONTENT_TYPES[encoding];
    response.writeHead(status, headers);
    response.end(body ?? undefined);
  }
}
