import { createApiHandler } from '../api/handler';
import { ConfigurationError } from '../errors';
import { definedOnly } from '../options';
import { StorePipeline, type PipelineOptions } from '../pipeline/store-pipeline';
import type { ObservabilityStore } from '../storage/types';
import { GRPC_LIMITS, startGrpcTransport, type GrpcLimits, type GrpcTransport } from './grpc/server';
import { checkReach, type Reach } from './access';
import { OtlpHttpHandler } from './http/handler';
import { HTTP_LIMITS, startHttpTransport, type HttpLimits } from './http/server';
import { IngestCore } from './ingest';
import { inFlightBytesFor, MemoryBudget, mib, START_MEMORY_SHARE } from './memory';
import { ReceiverTelemetry } from './telemetry';
import { readTls, type TlsOptions } from './tls';
import { createViewerHandler, type ViewerAssetOptions } from '../viewer/assets';

/** OTLP/gRPC's standard port, where SDKs send by default; `otel-bridge serve` listens on it. */
export const OTLP_GRPC_PORT = 4317;

/** Options of {@link startReceiver}: the store, where to listen, TLS, access, limits and the pipeline's options. */
export interface ReceiverOptions extends PipelineOptions {
  /** Where records go. The receiver initialises it, and leaves closing it to the caller. */
  store: ObservabilityStore;
  /** Default `127.0.0.1`: only this machine can send unless configured otherwise. */
  host?: string;
  /** Default 4318, OTLP/HTTP's port; 0 picks a free one. */
  port?: number;
  /**
   * The OTLP/gRPC port, on the same host: {@link OTLP_GRPC_PORT} (4317) is the standard one, 0 picks
   * a free one. Default none, so that an embedded receiver opens only the port it is given;
   * `otel-bridge serve` listens on 4317.
   */
  grpcPort?: number;
  /** gRPC's stream, message-time and keepalive limits; each defaults to its value in {@link GRPC_LIMITS}. */
  grpcLimits?: Partial<GrpcLimits>;
  /** HTTP's header, request and idle timeouts and connection cap; each defaults to its value in {@link HTTP_LIMITS}. */
  httpLimits?: Partial<HttpLimits>;
  /** Serve both transports over TLS (HTTPS and gRPC with TLS) with this certificate and key. Default none. */
  tls?: TlsOptions;
  /**
   * Largest request body (a gRPC message), before and after decompression. Default 20 MiB, as the
   * Collector's.
   */
  maxBodyBytes?: number;
  /**
   * Request bytes held at once, from reading to the answer; beyond it requests get 429. What they
   * grow to before their answer (records, column batches, the store's copies) is several times
   * their size, so under a memory limit the default is what the limit affords, and at least
   * `maxBodyBytes` (`inFlightBytesFor`: 20 MiB under 512), and more than the limit affords lowers
   * the resident size at which new requests are refused. Default without a limit 32 MiB.
   */
  maxInFlightBytes?: number;
  /**
   * The process's resident memory to stay under, every thread's and DuckDB's included: new requests
   * get 503 while it is above 80% of it, or above the limit less what `maxInFlightBytes` may grow
   * to where that is lower (`admissionLine`; the rest is headroom for what admitted requests grow
   * to), and the receiver refuses to start if the process is already at 3/4 of it. Default none:
   * an embedded receiver shares its host's memory, which the host budgets. `otel-bridge serve` sets 512 MiB.
   */
  memoryLimitBytes?: number;
  /**
   * When set, every OTLP and API request must carry `Authorization: Bearer <token>` (a header, or
   * gRPC metadata).
   */
  authToken?: string;
  /**
   * Listen on a host that other machines can reach (`0.0.0.0`, `::`, a LAN address) without
   * `authToken`; otherwise the receiver refuses to start there with an `UnauthenticatedNetworkError`.
   * Default false.
   */
  allowUnauthenticated?: boolean;
  /** Origins that browsers may send from; `*` for any. Default none (no CORS headers). */
  corsAllowedOrigins?: string[];
  /** `Retry-After` on 429 and 503 answers, and the `RetryInfo` delay of gRPC's. Default 1 second. */
  retryAfterSeconds?: number;
  /** How long close() waits for requests and calls in flight before cutting them off. Default 30 s. */
  shutdownTimeoutMs?: number;
  /**
   * The viewer at `/` on the HTTP port (its bundle from `npm run build`), or `false` for none.
   * Default: served, from the package's own bundle.
   */
  viewer?: ViewerAssetOptions | false;
}

/** What an option of {@link ReceiverOptions} left out means (`grpcLimits`: {@link GRPC_LIMITS}). */
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
  /** `http://host:port` (`https://` with TLS): where OTLP/HTTP exporters send. */
  readonly url: string;
  readonly port: number;
  /** `host:port` of OTLP/gRPC, or null when it is off. */
  readonly grpcAddress: string | null;
  readonly grpcPort: number | null;
  /** Who can reach both transports: this machine alone, or the network (with a token, or allowed without). */
  readonly reach: Reach;
  /** Connections closed on arrival, per transport, because as many as their cap were open. */
  readonly refusedConnections: { readonly http: number; readonly grpc: number };
  readonly pipeline: StorePipeline;
  /** Its metrics (served at `GET /metrics`) and its state (at `GET /health`). */
  readonly telemetry: ReceiverTelemetry;
  /** Stops taking connections, answers what is in flight, drains the pipeline. Idempotent. */
  close(): Promise<void>;
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive number, got ${value}`);
}

function checkPort(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    throw new ConfigurationError(`${name} must be an integer from 0 to 65535, got ${value}`);
}

/** `defaults`, with each limit given in `given` (checked to be positive) in its place. */
function withDefaults<Limits extends Record<string, number>>(
  name: string,
  defaults: Limits,
  given: Partial<Limits> | undefined,
): { -readonly [K in keyof Limits]: number } {
  const limits = { ...defaults };
  for (const [limit, value] of Object.entries(given ?? {}) as [keyof Limits & string, number | undefined][]) {
    if (value === undefined) continue;
    checkPositive(`${name}.${limit}`, value);
    limits[limit] = value as Limits[keyof Limits & string];
  }
  return limits;
}

/**
 * Starts an OTLP receiver on a store: OTLP/HTTP (`POST /v1/traces`, `/v1/logs` and `/v1/metrics` in
 * protobuf or JSON, `GET /health` and `GET /metrics`) and, with `grpcPort`, OTLP/gRPC (the `TraceService`,
 * `LogsService` and `MetricsService` `Export` methods). Both go through one ingest core. The HTTP
 * port also serves the HTTP API (`/api/v1/…`, `POST /v1/scores`, `POST /v1/feedback`; see
 * {@link createApiHandler}), on the same token, CORS origins and memory budget, and the viewer at `/`.
 *
 * @example
 * ```ts
 * const store = new DuckDBStore();
 * const receiver = await startReceiver({ store, port: 4318, grpcPort: OTLP_GRPC_PORT });
 * // … point any OTLP/HTTP exporter at receiver.url, any OTLP/gRPC exporter at receiver.grpcAddress …
 * await receiver.close();
 * await store.close();
 * ```
 */
export async function startReceiver(options: ReceiverOptions): Promise<ReceiverHandle> {
  const defaults = {
    ...RECEIVER_DEFAULTS,
    ...(options.memoryLimitBytes === undefined
      ? {}
      : {
          maxInFlightBytes: inFlightBytesFor(
            options.memoryLimitBytes,
            options.maxBodyBytes ?? RECEIVER_DEFAULTS.maxBodyBytes,
          ),
        }),
  };
  const settings = { ...defaults, ...definedOnly(options) } as ReceiverOptions & typeof RECEIVER_DEFAULTS;
  checkPositive('maxBodyBytes', settings.maxBodyBytes);
  checkPositive('maxInFlightBytes', settings.maxInFlightBytes);
  if (settings.memoryLimitBytes !== undefined) checkPositive('memoryLimitBytes', settings.memoryLimitBytes);
  checkPositive('retryAfterSeconds', settings.retryAfterSeconds);
  checkPort('port', settings.port);
  if (settings.grpcPort !== undefined) checkPort('grpcPort', settings.grpcPort);
  const grpcLimits = withDefaults('grpcLimits', GRPC_LIMITS, settings.grpcLimits);
  const httpLimits = withDefaults('httpLimits', HTTP_LIMITS, settings.httpLimits);
  if (httpLimits.headerTimeoutMs > httpLimits.requestTimeoutMs)
    throw new ConfigurationError(
      `httpLimits.headerTimeoutMs (--header-timeout-s), ${httpLimits.headerTimeoutMs} ms, must not exceed ` +
        `httpLimits.requestTimeoutMs (--request-timeout-s), ${httpLimits.requestTimeoutMs} ms`,
    );
  const reach = await checkReach(settings.host, settings);
  const tls = settings.tls ? readTls(settings.tls) : null;
  const pipeline = new StorePipeline(settings.store, {
    ...settings,
    // Writes start only once requests arrive, after `telemetry` is made.
    onWrite: (report) => {
      telemetry.wrote(report);
      settings.onWrite?.(report);
    },
  });
  await pipeline.whenReady();
  const memoryLimit = settings.memoryLimitBytes ?? null;
  const baseline = process.memoryUsage.rss();
  if (memoryLimit !== null && baseline > memoryLimit * START_MEMORY_SHARE) {
    throw new ConfigurationError(
      `the process already uses ${mib(baseline)} MiB, too close to the ${mib(memoryLimit)} MiB memory limit; raise it`,
    );
  }
  const memory = new MemoryBudget(settings.maxInFlightBytes, memoryLimit, settings.retryAfterSeconds, baseline);
  const telemetry = new ReceiverTelemetry({
    pipeline,
    memory,
    maxInFlightBytes: settings.maxInFlightBytes,
    memoryLimitBytes: memoryLimit,
  });
  const { authToken, corsAllowedOrigins = [], retryAfterSeconds } = settings;
  const core = new IngestCore({ pipeline, memory, authToken: authToken ?? null, retryAfterSeconds, telemetry });
  const otlp = new OtlpHttpHandler({
    core,
    telemetry,
    maxBodyBytes: settings.maxBodyBytes,
    corsAllowedOrigins,
  });
  const api = createApiHandler({ pipeline, memory, authToken, corsAllowedOrigins, retryAfterSeconds });
  const http = await startHttpTransport(
    [telemetry.countHttp, api, ...(settings.viewer === false ? [] : [createViewerHandler(settings.viewer)])],
    (request, response) => void otlp.handle(request, response),
    settings.host,
    settings.port,
    tls,
    httpLimits,
  );
  let grpc: GrpcTransport | null = null;
  if (settings.grpcPort !== undefined) {
    grpc = await startGrpcTransport({
      core,
      maxMessageBytes: settings.maxBodyBytes,
      host: settings.host,
      port: settings.grpcPort,
      tls,
      limits: grpcLimits,
      onAnswered: (method, code) => telemetry.grpcAnswered(method, code),
    }).catch(async (error: unknown) => {
      await http.drain(0);
      throw error;
    });
  }

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    await Promise.all([http.drain(settings.shutdownTimeoutMs), grpc?.drain(settings.shutdownTimeoutMs)]);
    await pipeline.shutdown();
  };

  const refusedConnections = () => ({ http: http.refusedConnections, grpc: grpc?.refusedConnections ?? 0 });
  telemetry.countRefusedConnections(refusedConnections);
  return {
    url: http.url,
    port: http.port,
    grpcAddress: grpc?.address ?? null,
    grpcPort: grpc?.port ?? null,
    reach,
    get refusedConnections() {
      return refusedConnections();
    },
    pipeline,
    telemetry,
    close: () => (closing ??= close()),
  };
}
