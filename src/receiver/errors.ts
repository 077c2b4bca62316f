import { OtelBridgeError } from '../errors';
import { BufferFullError, WriteDroppedError, WriterShutdownError } from '../pipeline/errors';
import { StorageError, StoreClosedError } from '../storage/errors';

/** gRPC status codes: what OTLP/gRPC answers with, and what OTLP/HTTP puts in a `google.rpc.Status` body. */
export const GRPC_CODE = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** One of the gRPC status codes of {@link GRPC_CODE}, by number. */
export type GrpcCode = (typeof GRPC_CODE)[keyof typeof GRPC_CODE];

const CODE_NAMES = new Map<number, string>(Object.entries(GRPC_CODE).map(([name, code]) => [code, name]));

/** A gRPC status code's name, such as `RESOURCE_EXHAUSTED`; the number for one gRPC does not define. */
export const grpcCodeName = (code: number): string => CODE_NAMES.get(code) ?? String(code);

/**
 * The HTTP status for a gRPC code, as the Collector's OTLP/HTTP receiver maps them: the retryable
 * codes become 503 (429 for RESOURCE_EXHAUSTED), the permanent ones 400, 401, 403 or 404, the rest 500.
 */
export function httpStatusOf(code: number): number {
  switch (code) {
    case GRPC_CODE.CANCELLED:
    case GRPC_CODE.DEADLINE_EXCEEDED:
    case GRPC_CODE.ABORTED:
    case GRPC_CODE.OUT_OF_RANGE:
    case GRPC_CODE.UNAVAILABLE:
    case GRPC_CODE.DATA_LOSS:
      return 503;
    case GRPC_CODE.RESOURCE_EXHAUSTED:
      return 429;
    case GRPC_CODE.INVALID_ARGUMENT:
      return 400;
    case GRPC_CODE.UNAUTHENTICATED:
      return 401;
    case GRPC_CODE.PERMISSION_DENIED:
      return 403;
    case GRPC_CODE.UNIMPLEMENTED:
      return 404;
    default:
      return 500;
  }
}

/**
 * Why a request was refused by a limit, by backpressure or by the store's state: the `reason` label of
 * `otel_bridge_requests_refused_total` on `/metrics`. Other refusals (a bad body, a missing token)
 * show only in the status of `otel_bridge_requests_total`.
 */
export type RefusalReason =
  | 'body_size'
  | 'decompressed_size'
  | 'compression_ratio'
  | 'zstd_window'
  | 'invalid_compression'
  | 'unsupported_encoding'
  | 'in_flight_bytes'
  | 'memory_limit'
  | 'decoded_memory'
  | 'buffer_full'
  | 'store_failing'
  | 'store_unavailable';

export interface IngestErrorOptions {
  /** How long the client should wait before it tries again; set only on answers a client should retry. */
  retryAfterSeconds?: number;
  /** An HTTP status more precise than the code's (413 for a body over the limit). */
  httpStatus?: number;
  reason?: RefusalReason;
  cause?: unknown;
}

/**
 * A request that the ingest core refuses, whatever the transport. The gRPC code comes first: gRPC
 * answers with it (and a `RetryInfo` when there is a retry delay), HTTP with the status derived from
 * it (and `Retry-After`).
 */
export class IngestError extends OtelBridgeError {
  readonly grpcCode: GrpcCode;
  readonly retryAfterSeconds: number | null;
  /** The HTTP status this error is answered with. */
  readonly httpStatus: number;
  /** Set when a limit, backpressure or the store's state refused the request. */
  readonly reason: RefusalReason | null;

  constructor(grpcCode: GrpcCode, message: string, options: IngestErrorOptions = {}, code?: string) {
    super(code ?? CODE_NAMES.get(grpcCode) ?? 'UNKNOWN', message, { cause: options.cause });
    this.grpcCode = grpcCode;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
    this.httpStatus = options.httpStatus ?? httpStatusOf(grpcCode);
    this.reason = options.reason ?? null;
  }
}

const GRPC_BY_STATUS: Record<number, GrpcCode> = {
  400: GRPC_CODE.INVALID_ARGUMENT,
  401: GRPC_CODE.UNAUTHENTICATED,
  404: GRPC_CODE.NOT_FOUND,
  405: GRPC_CODE.UNIMPLEMENTED,
  413: GRPC_CODE.INVALID_ARGUMENT,
  415: GRPC_CODE.INVALID_ARGUMENT,
  429: GRPC_CODE.RESOURCE_EXHAUSTED,
  500: GRPC_CODE.INTERNAL,
  503: GRPC_CODE.UNAVAILABLE,
};

/**
 * A refusal that only HTTP has a status for (404, 405, 413, 415 and body errors), made from the
 * status; its gRPC code is what the `google.rpc.Status` body carries.
 */
export class ReceiverError extends IngestError {
  readonly status: number;

  constructor(status: number, message: string, options: Omit<IngestErrorOptions, 'httpStatus'> = {}) {
    super(GRPC_BY_STATUS[status] ?? GRPC_CODE.INTERNAL, message, { ...options, httpStatus: status }, `HTTP_${status}`);
    this.status = status;
  }
}

/**
 * What a failure of the pipeline or the store means for the client, whatever the route (OTLP over
 * HTTP or gRPC, or the HTTP API): come back later (with a delay), or do not retry. Anything not
 * already an {@link IngestError} becomes one.
 */
export function toIngestError(error: unknown, retryAfterSeconds: number): IngestError {
  if (error instanceof IngestError) return error;
  // Even a request larger than the whole buffer fits once the buffer is empty: always worth a retry.
  if (error instanceof BufferFullError)
    return new IngestError(GRPC_CODE.RESOURCE_EXHAUSTED, error.message, {
      retryAfterSeconds,
      reason: 'buffer_full',
      cause: error,
    });
  if (error instanceof WriterShutdownError)
    return new IngestError(GRPC_CODE.UNAVAILABLE, 'the receiver is shutting down', { retryAfterSeconds, cause: error });
  if (error instanceof WriteDroppedError) {
    const permanent = error.cause instanceof StorageError && !error.cause.retryable;
    return permanent
      ? new IngestError(GRPC_CODE.INTERNAL, error.message, { cause: error })
      : new IngestError(GRPC_CODE.UNAVAILABLE, `storage is unavailable: ${error.message}`, {
          retryAfterSeconds,
          reason: 'store_unavailable',
          cause: error,
        });
  }
  // A read that the store could not answer now (the API's).
  if (error instanceof StoreClosedError || (error instanceof StorageError && error.retryable))
    return new IngestError(GRPC_CODE.UNAVAILABLE, `storage is unavailable: ${error.message}`, {
      retryAfterSeconds,
      cause: error,
    });
  return new IngestError(GRPC_CODE.INTERNAL, error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * `host` is reachable from other machines, and no bearer token is configured: anyone who can reach
 * it could write and read telemetry.
 */
export class UnauthenticatedNetworkError extends OtelBridgeError {
  /** The host asked for, and the addresses it stands for (one for an IP address). */
  readonly host: string;
  readonly addresses: readonly string[];

  constructor(host: string, addresses: readonly string[]) {
    const shown = addresses.length === 1 && addresses[0] === host ? host : `${host} (${addresses.join(', ')})`;
    super(
      'UNAUTHENTICATED_NETWORK',
      `refusing to listen on ${shown} without a bearer token: it is reachable from other machines, which could ` +
        'then write and read all telemetry. Set a token (--token or OTEL_BRIDGE_TOKEN; the authToken option), ' +
        'or accept an open receiver on a trusted network (--allow-unauthenticated or ' +
        'OTEL_BRIDGE_ALLOW_UNAUTHENTICATED=true; the allowUnauthenticated option)',
    );
    this.host = host;
    this.addresses = addresses;
  }
}
