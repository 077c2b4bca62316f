import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiHandler } from '../api/handler';
import { ConfigurationError } from '../errors';
import { StorePipeline, type PipelineOptions } from '../pipeline/store-pipeline';
import type { ObservabilityStore } from '../storage/types';
import { OtlpHandler } from './handler';
import { MemoryBudget } from './memory';

export interface ReceiverOptions extends PipelineOptions {
  /** Where records go. The receiver initialises it, and leaves closing it to the caller. */
  store: ObservabilityStore;
  /** Default `127.0.0.1`: only this machine can send unless configured otherwise. */
  host?: string;
  /** Default 4318, OTLP/HTTP's port; 0 picks a free one. */
  port?: number;
  /** Largest request body, before and after decompression. Default 20 MiB, as the Collector's. */
  maxBodyBytes?: number;
  /**
   * Request bytes held at once, from reading to the answer (their records take about three times
   * as much); beyond it requests get 429. Default 32 MiB.
   */
  maxInFlightBytes?: number;
  /**
   * The process's resident memory to stay under: new requests get 503 while it is above 80% of it
   * (the rest is headroom for admitted work), and the receiver refuses to start if the process is
   * already at 3/4 of it. Default none: an embedded receiver shares its host's
   * memory, which the host budgets. `otel-bridge serve` sets 512 MiB.
   */
  memoryLimitBytes?: number;
  /** When set, every OTLP and API request must carry `Authorization: Bearer <token>`. */
  authToken?: string;
  /** Origins that browsers may send from; `*` for any. Default none (no CORS headers). */
  corsAllowedOrigins?: string[];
  /** `Retry-After` on 429 and 503 answers. Default 1 second. */
  retryAfterSeconds?: number;
  /** How long close() waits for requests in flight before cutting them off. Default 30 s. */
  shutdownTimeoutMs?: number;
}

export const RECEIVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 4318,
  maxBodyBytes: 20 * 1024 * 1024,
  maxInFlightBytes: 32 * 1024 * 1024,
  retryAfterSeconds: 1,
  shutdownTimeoutMs: 30_000,
} as const;

/** A running receiver. */
export interface ReceiverHandle {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly pipeline: StorePipeline;
  /** Stops taking connections, answers what is in flight, drains the pipeline. Idempotent. */
  close(): Promise<void>;
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive number, got ${value}`);
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts an OTLP/HTTP receiver on a store: `POST /v1/traces`, `/v1/logs` and `/v1/metrics` in
 * protobuf or JSON, `GET /health`, and on the same port the HTTP API (`/api/v1/…`, `POST /v1/scores`,
 * `POST /v1/feedback`; see `createApiHandler`).
 *
 * @example
 * ```ts
 * const store = new DuckDBStore();
 * const receiver = await startReceiver({ store, port: 4318 });
 * // … point any OTLP/HTTP exporter at receiver.url …
 * await receiver.close();
 * await store.close();
 * ```
 */
export async function startReceiver(options: ReceiverOptions): Promise<ReceiverHandle> {
  const settings = {
    ...RECEIVER_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as ReceiverOptions & typeof RECEIVER_DEFAULTS;
  checkPositive('maxBodyBytes', settings.maxBodyBytes);
  checkPositive('maxInFlightBytes', settings.maxInFlightBytes);
  if (settings.memoryLimitBytes !== undefined) checkPositive('memoryLimitBytes', settings.memoryLimitBytes);
  checkPositive('retryAfterSeconds', settings.retryAfterSeconds);
  if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65_535) {
    throw new ConfigurationError(`port must be an integer from 0 to 65535, got ${settings.port}`);
  }
  const pipeline = new StorePipeline(settings.store, settings);
  await pipeline.whenReady();
  const memoryLimit = settings.memoryLimitBytes ?? null;
  const baseline = process.memoryUsage.rss();
  if (memoryLimit !== null && baseline > memoryLimit * 0.75) {
    throw new ConfigurationError(
      `the process already uses ${Math.round(baseline / 2 ** 20)} MiB, too close to the ${Math.round(memoryLimit / 2 ** 20)} MiB memory limit; raise it`,
    );
  }
  const memory = new MemoryBudget(settings.maxInFlightBytes, memoryLimit, settings.retryAfterSeconds);
  const handler = new OtlpHandler({
    pipeline,
    memory,
    maxBodyBytes: settings.maxBodyBytes,
    authToken: settings.authToken ?? null,
    corsAllowedOrigins: settings.corsAllowedOrigins ?? [],
    retryAfterSeconds: settings.retryAfterSeconds,
  });
  const { authToken, corsAllowedOrigins, retryAfterSeconds } = settings;
  const api = createApiHandler({ pipeline, memory, authToken, corsAllowedOrigins, retryAfterSeconds });

  let active = 0;
  let idle: (() => void) | null = null;
  const server = createServer((request, response) => {
    active++;
    response.on('close', () => {
      active--;
      if (active === 0) idle?.();
    });
    if (!api(request, response)) void handler.handle(request, response);
  });
  const address = await listen(server, settings.port, settings.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    server.close();
    server.closeIdleConnections();
    if (active > 0) {
      const drained = new Promise<void>((resolve) => (idle = resolve));
      const timer = setTimeout(() => server.closeAllConnections(), settings.shutdownTimeoutMs);
      await drained;
      clearTimeout(timer);
    }
    await pipeline.shutdown();
  };

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    pipeline,
    close: () => (closing ??= close()),
  };
}
