import { scoresFromEvaluationEvents } from '../mapping/evaluation';
import {
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  OtlpDecodeError,
  type DecodeMeter,
  type DecodeResult,
  type OtlpEncoding,
  type OtlpSignal,
} from '../mapping/otlp';
import type { StorePipeline } from '../pipeline/store-pipeline';
import type { LogRecord, Signal } from '../records/types';
import { BearerToken } from './access';
import { GRPC_CODE, IngestError, toIngestError } from './errors';
import type { Holding, MemoryBudget } from './memory';
import type { ReceiverTelemetry } from './telemetry';

export interface IngestSettings {
  pipeline: StorePipeline;
  memory: MemoryBudget;
  /** When set, every request must carry `Bearer <token>` as its authorization. */
  authToken: string | null;
  /** The retry delay given with every refusal a client should retry. */
  retryAfterSeconds: number;
  /** Counts what is received and refused, for `/metrics`. */
  telemetry: ReceiverTelemetry;
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
  decode: (body: Uint8Array, encoding: OtlpEncoding, meter: DecodeMeter) => DecodeResult<never>;
}

const ROUTES: Record<OtlpSignal, Route> = {
  traces: { signal: 'spans', decode: decodeTraces as Route['decode'] },
  logs: { signal: 'logs', decode: decodeLogs as Route['decode'] },
  metrics: { signal: 'metrics', decode: decodeMetrics as Route['decode'] },
};

/**
 * The transport-neutral half of the receiver, behind both OTLP/HTTP and OTLP/gRPC: authentication,
 * admission (memory and store state), the memory budget of request bytes, decoding, submission to
 * the pipeline (with a score for each GenAI evaluation event among logs) and the partial-success
 * outcome. A transport only frames requests, undoes their
 * compression and maps {@link IngestError}s to its statuses.
 */
export class IngestCore {
  private readonly settings: IngestSettings;
  private readonly token: BearerToken;

  constructor(settings: IngestSettings) {
    this.settings = settings;
    this.token = new BearerToken(settings.authToken);
  }

  /**
   * What any failure means for the client, as an {@link IngestError} with this receiver's retry
   * delay. A transport calls it once for each refusal it answers, which is where refusals are counted.
   */
  refusal(error: unknown): IngestError {
    const refusal = toIngestError(error, this.settings.retryAfterSeconds);
    this.settings.telemetry.refused(refusal);
    return refusal;
  }

  /** Refuses with UNAUTHENTICATED unless `authorization` is `Bearer <token>` (when a token is set). */
  authenticate(authorization: string | undefined): void {
    this.token.check(authorization);
  }

  /**
   * Refuses a request before its body is read, while the process is over its soft memory limit or
   * the store is failing. {@link ingest} checks this itself; a transport that checks it earlier
   * then calls {@link ingestAdmitted}.
   */
  admit(signal: OtlpSignal): void {
    this.settings.memory.admit();
    if (this.settings.pipeline.writer(ROUTES[signal].signal).isFailing) {
      throw new IngestError(GRPC_CODE.UNAVAILABLE, 'storage is failing; retrying earlier writes', {
        retryAfterSeconds: this.settings.retryAfterSeconds,
        reason: 'store_failing',
      });
    }
  }

  /**
   * What one request holds in the memory budget until it settles: refuses with RESOURCE_EXHAUSTED
   * when its bytes do not fit. For a transport that receives outside {@link ingest}.
   */
  hold(): Holding {
    return this.settings.memory.hold();
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
    this.admit(signal);
    return this.ingestAdmitted(signal, encoding, receive);
  }

  /**
   * {@link ingest} for a request that the transport has already admitted, before its body arrived.
   * Admitting it again once its bytes are held would count them as other work in flight: a request
   * alone on a receiver over its soft memory limit would be refused for ever.
   */
  async ingestAdmitted(
    signal: OtlpSignal,
    encoding: OtlpEncoding,
    receive: (hold: (bytes: number) => void) => Promise<Uint8Array>,
  ): Promise<IngestOutcome> {
    const { pipeline } = this.settings;
    const route = ROUTES[signal];
    const held = this.hold();
    try {
      const body = await receive(held.take);
      let decoded: DecodeResult<never>;
      try {
        decoded = route.decode(body, encoding, held.meter);
      } catch (error) {
        if (error instanceof OtlpDecodeError)
          throw new IngestError(GRPC_CODE.INVALID_ARGUMENT, error.message, { cause: error });
        throw error;
      }
      this.settings.telemetry.decoded(signal, decoded.records.length, decoded.rejected);
      const [outcome] = await Promise.all([
        pipeline.submit(route.signal, decoded.records),
        signal === 'logs' ? this.submitEvaluationScores(decoded.records) : null,
      ]);
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
      // Counted by the transport, as it answers.
      throw toIngestError(error, this.settings.retryAfterSeconds);
    } finally {
      held.release();
    }
  }

  /** GenAI evaluation events become scores too; a score the store refuses is reported to onDrop. */
  private async submitEvaluationScores(logs: readonly LogRecord[]): Promise<void> {
    const scores = scoresFromEvaluationEvents(logs);
    if (scores.length > 0) await this.settings.pipeline.submit('scores', scores);
  }
}
