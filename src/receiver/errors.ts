import { OtelBridgeError } from '../errors';

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
