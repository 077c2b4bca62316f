import { createHash, timingSafeEqual } from 'node:crypto';
import {
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  OtlpDecodeError,
  type DecodeResult,
  type OtlpEncoding,
  type OtlpSignal,
} from '../mapping/otlp';
import { BufferFullError, WriteDroppedError, WriterShutdownError } from '../pipeline/errors';
import type { StorePipeline } from '../pipeline/store-pipeline';
import type { Signal } from '../records/types';
import { StorageError } from '../storage/errors';
import { GRPC_CODE, IngestError } from './errors';
import type { MemoryBudget } from './memory';

export interface IngestSettings {
  pipeline: StorePipeline;
  memory: MemoryBudget;
  /** When set, every request must carry `Bearer <token>` as its authorization. */
  authToken: string | null;
  /** The retry delay given with every refusal a client should retry. */
  retryAfterSeconds: number;
}

/** What became of an accepted export request: OTLP's partial success. */
export interface IngestOutcome {
  /** Items (spans, log records, data points) committed to the store. */
  accepted: number;
  /** Items refused: undecodable ones and those the store refused as invalid. */
  rejected: number;
  /** The reasons for the first refusals; `''` when nothing was refused. */
  errorMessage: string;
}

interface Route {
  signal: Signal;
  decode: (body: Uint8Array, encoding: OtlpEncoding) => DecodeResult<never>;
}

const ROUTES: Record<OtlpSignal, Route> = {
  traces: { signal: 'spans', decode: decodeTraces as Route['decode'] },
  logs: { signal: 'logs', decode: decodeLogs as Route['decode'] },
  metrics: { signal: 'metrics', decode: decodeMetrics as Route['decode'] },
};

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * What a failure of the pipeline or the store means for the client: come back later (with a delay),
 * or do not retry. Anything not already an {@link IngestError} is one of these.
 */
export function toIngestError(error: unknown, retryAfterSeconds: number): IngestError {
  if (error instanceof IngestError) return error;
  if (error instanceof BufferFullError) {
    return error.oversized
      ? new IngestError(GRPC_CODE.RESOURCE_EXHAUSTED, error.message, { httpStatus: 413, cause: error })
      : new IngestError(GRPC_CODE.RESOURCE_EXHAUSTED, error.message, { retryAfterSeconds, cause: error });
  }
  if (error instanceof WriterShutdownError)
    return new IngestError(GRPC_CODE.UNAVAILABLE, 'the receiver is shutting down', { retryAfterSeconds, cause: error });
  if (error instanceof WriteDroppedError) {
    const permanent = error.cause instanceof StorageError && !error.cause.retryable;
    return permanent
      ? new IngestError(GRPC_CODE.INTERNAL, error.message, { cause: error })
      : new IngestError(GRPC_CODE.UNAVAILABLE, `storage is unavailable: ${error.message}`, {
          retryAfterSeconds,
          cause: error,
        });
  }
  return new IngestError(GRPC_CODE.INTERNAL, error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * The transport-neutral half of the receiver, behind both OTLP/HTTP and OTLP/gRPC: authentication,
 * admission (memory and store state), the memory budget of request bytes, decoding, submission to
 * the pipeline and the partial-success outcome. A transport only frames requests, undoes their
 * compression and maps {@link IngestError}s to its statuses.
 */
export class IngestCore {
  private readonly settings: IngestSettings;
  private readonly tokenDigest: Buffer | null;

  constructor(settings: IngestSettings) {
    this.settings = settings;
    this.tokenDigest = settings.authToken === null ? null : digest(settings.authToken);
  }

  /** What any failure means for the client, as an {@link IngestError} with this receiver's retry delay. */
  refusal(error: unknown): IngestError {
    return toIngestError(error, this.settings.retryAfterSeconds);
  }

  /**
   * Refuses with UNAUTHENTICATED unless `authorization` is `Bearer <token>` (when a token is set).
   * Compares digests, so that neither the token's content nor its length leaks through timing.
   */
  authenticate(authorization: string | undefined): void {
    if (this.tokenDigest === null) return;
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (match === null || !timingSafeEqual(digest(match[1]!.trim()), this.tokenDigest))
      throw new IngestError(GRPC_CODE.UNAUTHENTICATED, 'missing or invalid bearer token');
  }

  /**
   * Refuses a request before its body is read, while the process is over its soft memory limit or
   * the store is failing. {@link ingest} checks this itself; a transport may call it earlier too.
   */
  admit(signal: OtlpSignal): void {
    this.settings.memory.admit();
    if (this.settings.pipeline.writer(ROUTES[signal].signal).isFailing) {
      throw new IngestError(GRPC_CODE.UNAVAILABLE, 'storage is failing; retrying earlier writes', {
        retryAfterSeconds: this.settings.retryAfterSeconds,
      });
    }
  }

  /**
   * Takes `bytes` for a request from the memory budget, until {@link release}: refuses with
   * RESOURCE_EXHAUSTED when they do not fit. For a transport that receives outside {@link ingest}.
   */
  reserve(bytes: number): void {
    this.settings.memory.reserve(bytes);
  }

  release(bytes: number): void {
    this.settings.memory.release(bytes);
  }

  /**
   * Admits, receives, decodes and submits one export request, and resolves once its records are
   * committed. `receive` reads the body, already free of any transport framing and compression, and
   * calls `hold` with the size of every buffer it keeps, before keeping it: the bytes count against
   * the memory budget until the request settles, and `hold` throws when they do not fit.
   *
   * @throws {@link IngestError} for every refusal, with the gRPC code and any retry delay
   */
  async ingest(
    signal: OtlpSignal,
    encoding: OtlpEncoding,
    receive: (hold: (bytes: number) => void) => Promise<Uint8Array>,
  ): Promise<IngestOutcome> {
    const { pipeline } = this.settings;
    const route = ROUTES[signal];
    let held = 0;
    try {
      this.admit(signal);
      const body = await receive((bytes) => {
        this.reserve(bytes);
        held += bytes;
      });
      let decoded: DecodeResult<never>;
      try {
        decoded = route.decode(body, encoding);
      } catch (error) {
        if (error instanceof OtlpDecodeError)
          throw new IngestError(GRPC_CODE.INVALID_ARGUMENT, error.message, { cause: error });
        throw error;
      }
      const outcome = await pipeline.submit(route.signal, decoded.records);
      const storeProblem = outcome.rejected[0];
      return {
        accepted: outcome.accepted,
        rejected: decoded.rejected + outcome.rejected.length,
        errorMessage: [
          decoded.errorMessage,
          storeProblem ? `record ${storeProblem.index}: ${storeProblem.path} ${storeProblem.message}` : '',
        ]
          .filter((part) => part !== '')
          .join('; '),
      };
    } catch (error) {
      throw this.refusal(error);
    } finally {
      this.release(held);
    }
  }
}
