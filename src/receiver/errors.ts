import { OtelBridgeError } from '../errors';
import { BufferFullError, WriteDroppedError, WriterShutdownError } from '../pipeline/errors';
import { StorageError } from '../storage/errors';

/** gRPC status codes, as OTLP/HTTP puts them in a `google.rpc.Status` body. */
export const GRPC_CODE = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const GRPC_BY_STATUS: Record<number, number> = {
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

/** A request the receiver answers with an error status. Only 429 and 503 carry `Retry-After`. */
export class ReceiverError extends OtelBridgeError {
  readonly status: number;
  readonly retryAfterSeconds: number | null;

  constructor(status: number, message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(`HTTP_${status}`, message, { cause: options.cause });
    this.status = status;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }

  get grpcCode(): number {
    return GRPC_BY_STATUS[this.status] ?? GRPC_CODE.INTERNAL;
  }
}

/** What the pipeline's failure to take or write records means for the client: come back later, or do not retry. */
export function writeFailure(error: unknown, retryAfterSeconds: number): ReceiverError {
  if (error instanceof ReceiverError) return error;
  if (error instanceof BufferFullError) {
    return error.oversized
      ? new ReceiverError(413, error.message)
      : new ReceiverError(429, error.message, { retryAfterSeconds });
  }
  if (error instanceof WriterShutdownError)
    return new ReceiverError(503, 'the receiver is shutting down', { retryAfterSeconds });
  if (error instanceof WriteDroppedError) {
    const permanent = error.cause instanceof StorageError && !error.cause.retryable;
    return permanent
      ? new ReceiverError(500, error.message)
      : new ReceiverError(503, `storage is unavailable: ${error.message}`, { retryAfterSeconds });
  }
  return new ReceiverError(500, error instanceof Error ? error.message : String(error));
}
