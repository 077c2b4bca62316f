import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApiHandler } from '../api/handler';
import { ConfigurationError } from '../errors';
import type { StorePipeline } from '../pipeline/store-pipeline';
import { startHttpTransport } from '../receiver/http/server';
import { RECEIVER_DEFAULTS } from '../receiver/server';
import type { ObservabilityStore } from '../storage/types';
import { createViewerHandler, type ViewerAssetOptions } from './assets';

/** Options of {@link startViewer}: what the viewer reads (and records feedback through), and where it listens. */
export interface ViewerOptions extends ViewerAssetOptions {
  /** Reads go to its store and feedback recorded in the page goes through it. */
  pipeline?: StorePipeline;
  /** Without a pipeline, the viewer reads this store and records nothing (its API is read-only). */
  store?: ObservabilityStore;
  /** Default `127.0.0.1`: only this machine can open it unless configured otherwise. */
  host?: string;
  /** Default 4318, where `otel-bridge serve` answers too; 0 picks a free one. */
  port?: number;
  /** When set, the page asks for this bearer token once, and the API requires it. */
  authToken?: string;
}

/** A running viewer. */
export interface ViewerHandle {
  /** `http://host:port/`: open it in a browser. */
  readonly url: string;
  readonly port: number;
  /** Stops listening, and answers what is in flight first. Idempotent. */
  close(): Promise<void>;
}

const SHUTDOWN_TIMEOUT_MS = 5_000;

function notFound(request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify({
    error: { message: `no such path ${JSON.stringify(request.url)}; the viewer is at /` },
  });
  response.writeHead(404, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

/**
 * Serves the viewer and the HTTP API on their own port, without an OTLP receiver: for an app that
 * embeds the `DefaultExporter` (only that process can open its DuckDB file while it runs), and for
 * `otel-bridge view` over a file that nothing writes any more.
 *
 * @example
 * ```ts
 * const exporter = new DefaultExporter();
 * const viewer = await startViewer({ pipeline: exporter.pipeline, port: 4318 });
 * console.log(`traces at ${viewer.url}`);
 * // …
 * await viewer.close();
 * await exporter.shutdown();
 * ```
 */
export async function startViewer(options: ViewerOptions): Promise<ViewerHandle> {
  const host = options.host ?? RECEIVER_DEFAULTS.host;
  const port = options.port ?? RECEIVER_DEFAULTS.port;
  const api = createApiHandler({ pipeline: options.pipeline, store: options.store, authToken: options.authToken });
  if (options.pipeline) await options.pipeline.whenReady();
  else await options.store!.init();
  const http = await startHttpTransport([api, createViewerHandler(options)], notFound, host, port, null).catch(
    (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new ConfigurationError(
          `the viewer cannot listen on ${host}:${port}: the port is in use; pass another port (0 for any free one)`,
        );
      throw error;
    },
  );
  let closing: Promise<void> | null = null;
  return {
    url: `${http.url}/`,
    port: http.port,
    close: () => (closing ??= http.drain(SHUTDOWN_TIMEOUT_MS)),
  };
}
