import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OtlpEncoding, OtlpSignal } from '../../mapping/otlp';
import { applyCors, isLoopbackAddress } from '../access';
import { receiveBody, settleUnreadBody } from '../body';
import { ReceiverError } from '../errors';
import type { IngestCore } from '../ingest';
import { CONTENT_TYPES, exportResponse, statusResponse } from '../responses';
import type { ReceiverTelemetry } from '../telemetry';

export interface HttpHandlerSettings {
  core: IngestCore;
  telemetry: ReceiverTelemetry;
  maxBodyBytes: number;
  corsAllowedOrigins: readonly string[];
}

const ROUTES: Record<string, OtlpSignal> = {
  '/v1/traces': 'traces',
  '/v1/logs': 'logs',
  '/v1/metrics': 'metrics',
};

function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return null;
}

/**
 * Answers OTLP/HTTP requests as the Collector's `otlp` receiver does: frames a request for the
 * ingest core (path, content type, body, compression) and maps its outcome and errors to HTTP.
 */
export class OtlpHttpHandler {
  private readonly settings: HttpHandlerSettings;

  constructor(settings: HttpHandlerSettings) {
    this.settings = settings;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    const encoding = encodingOf(request.headers['content-type']) ?? 'json';
    try {
      if (path === '/health') return await this.health(request, response);
      if (path === '/metrics') return await this.metrics(request, response);
      const signal = ROUTES[path];
      if (!signal)
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
      this.authenticate(request, response);
      if (encodingOf(request.headers['content-type']) === null) {
        throw new ReceiverError(
          415,
          `unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}; use ` +
            `application/x-protobuf or application/json`,
        );
      }
      await this.export(request, response, signal, encoding);
    } catch (error) {
      const failure = this.settings.core.refusal(error);
      await settleUnreadBody(request, response, failure.retryAfterSeconds !== null, this.settings.maxBodyBytes);
      if (failure.retryAfterSeconds !== null) response.setHeader('Retry-After', String(failure.retryAfterSeconds));
      this.send(response, failure.httpStatus, encoding, statusResponse(encoding, failure.grpcCode, failure.message));
    }
  }

  private async export(
    request: IncomingMessage,
    response: ServerResponse,
    signal: OtlpSignal,
    encoding: OtlpEncoding,
  ): Promise<void> {
    const outcome = await this.settings.core.ingest(signal, encoding, (hold) =>
      receiveBody(request, this.settings.maxBodyBytes, hold),
    );
    this.send(response, 200, encoding, exportResponse(signal, encoding, outcome.rejected, outcome.errorMessage));
  }

  private authenticate(request: IncomingMessage, response: ServerResponse): void {
    try {
      this.settings.core.authenticate(request.headers.authorization);
    } catch (error) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      throw error;
    }
  }

  private allowGet(request: IncomingMessage, response: ServerResponse, path: string): void {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    response.setHeader('Allow', 'GET, HEAD');
    throw new ReceiverError(405, `method ${request.method} is not allowed on ${path}; use GET`);
  }

  /** The receiver's state, for load balancers: 200 while it takes data (`ok` or `degraded`), 503 while `failing`. */
  private async health(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.allowGet(request, response, '/health');
    const report = await this.settings.telemetry.health();
    this.sendJson(response, report.status === 'failing' ? 503 : 200, report);
  }

  /** Prometheus metrics: a peer on this machine reads them freely, any other needs the token (when one is set). */
  private async metrics(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.allowGet(request, response, '/metrics');
    if (!isLoopbackAddress(request.socket.remoteAddress)) this.authenticate(request, response);
    const { telemetry } = this.settings;
    const text = await telemetry.metrics();
    response.writeHead(200, { 'Content-Type': telemetry.contentType });
    response.end(text);
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
