import { GRPC_CODE, IngestError } from './errors';

/**
 * The share of the memory limit above which new requests are refused. The rest is headroom for the
 * work already admitted, whose records, column batches and store buffers keep growing after
 * admission: the Collector's memory_limiter keeps the same 20% as its default spike limit.
 */
export const SOFT_MEMORY_SHARE = 0.8;

/**
 * The share of the memory limit the process may already use when the receiver starts; above it
 * `startReceiver` refuses, since too little would be left for requests.
 */
export const START_MEMORY_SHARE = 0.75;

/**
 * What the receiver lets requests hold in memory. Bytes are reserved as a body streams in, before
 * they are kept, and released only when the request is answered, so a burst of concurrent requests
 * cannot overshoot the budget between admission and reading. The resident-set check refuses new
 * work when the whole process nears its limit, as the Collector's memory_limiter does.
 */
export class MemoryBudget {
  private used = 0;

  constructor(
    private readonly maxInFlightBytes: number,
    private readonly memoryLimitBytes: number | null,
    private readonly retryAfterSeconds: number,
  ) {}

  /** Bytes of requests held right now. */
  get inFlight(): number {
    return this.used;
  }

  /**
   * Refuses a new request with UNAVAILABLE (503) while the process is over its soft memory limit and busy. An idle receiver
   * always admits: resident memory does not shrink at once after work ends, and refusing then would
   * refuse for ever, while the bounded queue and budget already bound what one request can add.
   */
  admit(): void {
    if (this.memoryLimitBytes === null || this.used === 0) return;
    const rss = process.memoryUsage.rss();
    if (rss > this.memoryLimitBytes * SOFT_MEMORY_SHARE) {
      const limit = `${mib(this.memoryLimitBytes)} MiB limit`;
      throw new IngestError(
        GRPC_CODE.UNAVAILABLE,
        `memory limit: the process uses ${mib(rss)} MiB, over ${SOFT_MEMORY_SHARE * 100}% of its ${limit}`,
        {
          retryAfterSeconds: this.retryAfterSeconds,
          reason: 'memory_limit',
        },
      );
    }
  }

  /** Takes `bytes` from the budget for a request, or refuses it with RESOURCE_EXHAUSTED (429). */
  private reserve(bytes: number): void {
    if (this.used + bytes > this.maxInFlightBytes && this.used > 0) {
      throw new IngestError(
        GRPC_CODE.RESOURCE_EXHAUSTED,
        `${mib(this.used)} MiB of requests are already being processed (limit ${mib(this.maxInFlightBytes)} MiB)`,
        {
          retryAfterSeconds: this.retryAfterSeconds,
          reason: 'in_flight_bytes',
        },
      );
    }
    this.used += bytes;
  }

  private release(bytes: number): void {
    this.used -= bytes;
  }

  /**
   * What one request holds: `take` reserves bytes as it reads (and throws when they do not fit),
   * `release` gives them all back once it is answered.
   */
  hold(): Holding {
    let held = 0;
    return {
      take: (bytes) => {
        this.reserve(bytes);
        held += bytes;
      },
      release: () => {
        this.release(held);
        held = 0;
      },
      get bytes() {
        return held;
      },
    };
  }
}

/** The bytes one request holds in a {@link MemoryBudget}. */
export interface Holding {
  take: (bytes: number) => void;
  release: () => void;
  /** Bytes held now. */
  readonly bytes: number;
}

/** Bytes in MiB, as the memory messages show them. */
export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
