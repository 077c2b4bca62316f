import { ConfigurationError } from '../errors';
import type { DecodeMeter } from '../mapping/otlp';
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
 * What one admitted body byte may grow to in resident memory before its request is answered: its
 * records, their column batch, the batch's copy in the DuckDB worker thread and in DuckDB's
 * appender, and the garbage each leaves until the collector runs. None of it is the receiver's to
 * count, so admission leaves room for it. Measured with 48 senders of 500-span agent bodies (1.2 MB
 * each, long input and output strings), no pause: resident memory peaked 57 MiB above the 80%
 * admission line with 8 MiB of requests in flight, 217 MiB above it with 32 MiB, about 7 bytes a
 * byte; 8 keeps a margin for a slow collector on a busy machine.
 */
export const RESIDENT_PER_BODY_BYTE = 8;

const MiB = 1024 * 1024;

/**
 * The request bytes in flight that a memory limit affords: what admitted requests grow to
 * ({@link RESIDENT_PER_BODY_BYTE}) fits in the share of the limit above the admission line, 12 MiB
 * of 512. At least one largest body, though: below it, a legal body would be refused while any other
 * request is in flight, for as long as a steady load lasts. The default of `maxInFlightBytes` under
 * a memory limit.
 */
export function inFlightBytesFor(memoryLimitBytes: number, maxBodyBytes: number): number {
  const bytes = (memoryLimitBytes * (1 - SOFT_MEMORY_SHARE)) / RESIDENT_PER_BODY_BYTE;
  return Math.max(maxBodyBytes, MiB, Math.floor(bytes / MiB) * MiB);
}

/**
 * The resident size above which new requests are refused: the soft share of the limit, lowered so
 * that what the requests in flight may still grow to fits under the limit when more bytes are
 * allowed in flight than the limit affords.
 */
export function admissionLine(memoryLimitBytes: number, maxInFlightBytes: number): number {
  return Math.min(memoryLimitBytes * SOFT_MEMORY_SHARE, memoryLimitBytes - maxInFlightBytes * RESIDENT_PER_BODY_BYTE);
}

/**
 * What one decoded record holds, beyond its share of the body: the resident growth per record that a
 * `serve` process showed for 400,000 spans of 30 bytes each (the record, its limits and price, its
 * share of the write), 1.5 KB. Larger records hold more, but that is in proportion to their bytes,
 * which the body already counts.
 */
export const RECORD_BYTES = 1536;
/** What `JSON.parse` builds for one object or array, measured for `{}`: 64 bytes of heap. */
export const JSON_CONTAINER_BYTES = 64;
/**
 * The share of what the memory limit leaves that requests may decode to at once. What a refused
 * request built stays resident until the garbage collector runs, up to as much again: with the
 * whole of it, a loaded `serve` peaked at 523 MiB under its 512 MiB limit, and with half of it at
 * 555 MiB once, on a machine busy with a whole test suite.
 */
export const DECODED_SHARE = 0.35;

/**
 * What the receiver lets requests hold in memory. Bytes are reserved as a body streams in, before
 * they are kept, and released only when the request is answered, so a burst of concurrent requests
 * cannot overshoot the budget between admission and reading. The resident-set check refuses new
 * work when the whole process nears its limit, as the Collector's memory_limiter does.
 *
 * Under a memory limit, what requests decode to is bounded too: a 12 MB body of 400,000 tiny spans
 * decoded to 590 MB above the process's 122 MB. The decoder tells each request's
 * {@link Holding.meter} of what it is about to build, and the request is refused as soon as that no
 * longer fits in {@link DECODED_SHARE} of what the limit leaves: below its soft share, after the
 * memory the process used at start and the request bytes in flight.
 */
export class MemoryBudget {
  private used = 0;
  private decoded = 0;
  private readonly maxDecodedBytes: number | null;
  /** The resident size above which new requests are refused ({@link admissionLine}), or null without a limit. */
  readonly admissionLineBytes: number | null;

  constructor(
    private readonly maxInFlightBytes: number,
    private readonly memoryLimitBytes: number | null,
    private readonly retryAfterSeconds: number,
    baselineBytes = 0,
  ) {
    this.admissionLineBytes = memoryLimitBytes === null ? null : admissionLine(memoryLimitBytes, maxInFlightBytes);
    if (this.admissionLineBytes !== null && this.admissionLineBytes <= baselineBytes)
      throw new ConfigurationError(
        `${mib(maxInFlightBytes)} MiB of requests in flight may grow to ` +
          `${mib(maxInFlightBytes * RESIDENT_PER_BODY_BYTE)} MiB resident, which leaves nothing of the ` +
          `${mib(memoryLimitBytes!)} MiB memory limit above the ${mib(baselineBytes)} MiB the process uses; ` +
          `lower the bytes in flight or raise the limit`,
      );
    this.maxDecodedBytes =
      this.admissionLineBytes === null
        ? null
        : Math.max(0, (this.admissionLineBytes - baselineBytes - maxInFlightBytes) * DECODED_SHARE);
  }

  /** Bytes of requests held right now. */
  get inFlight(): number {
    return this.used;
  }

  /**
   * Refuses a new request with UNAVAILABLE (503) while the process is over its admission line and busy. The
   * resident size counts every thread's part (the DuckDB worker, DuckDB's own memory), which the budget does
   * not own. An idle receiver
   * always admits: resident memory does not shrink at once after work ends, and refusing then would
   * refuse for ever, while the bounded queue and budget already bound what one request can add.
   */
  admit(): void {
    if (this.admissionLineBytes === null || this.used === 0) return;
    const rss = process.memoryUsage.rss();
    if (rss > this.admissionLineBytes) {
      const limit = `${mib(this.memoryLimitBytes!)} MiB limit`;
      throw new IngestError(
        GRPC_CODE.UNAVAILABLE,
        `memory limit: the process uses ${mib(rss)} MiB, over the ${mib(this.admissionLineBytes)} MiB ` +
          `its ${limit} admits new requests below`,
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
   * Takes `bytes` of decoded records from the budget, or refuses the request with RESOURCE_EXHAUSTED
   * (429): a retry fits once other requests are answered; a request that alone decodes to more than
   * the limit leaves must be split.
   */
  private reserveDecoded(bytes: number, own: number): void {
    if (this.maxDecodedBytes === null) return;
    if (this.decoded + bytes > this.maxDecodedBytes) {
      const others = this.decoded - own;
      throw new IngestError(
        GRPC_CODE.RESOURCE_EXHAUSTED,
        `memory limit: the request's records need more than ${mib(own + bytes)} MiB, and only ` +
          `${mib(this.maxDecodedBytes - others)} MiB of the ${mib(this.maxDecodedBytes)} MiB the ` +
          `${mib(this.memoryLimitBytes!)} MiB limit leaves for decoding are free; send fewer records per request`,
        { retryAfterSeconds: this.retryAfterSeconds, reason: 'decoded_memory' },
      );
    }
    this.decoded += bytes;
  }

  /**
   * What one request holds: `take` reserves bytes as it reads (and throws when they do not fit),
   * `release` gives them all back once it is answered.
   */
  hold(): Holding {
    let held = 0;
    let decoded = 0;
    const takeDecoded = (bytes: number): void => {
      this.reserveDecoded(bytes, decoded);
      decoded += bytes;
    };
    return {
      take: (bytes) => {
        this.reserve(bytes);
        held += bytes;
      },
      meter: {
        records: (count) => takeDecoded(count * RECORD_BYTES),
        jsonContainers: (count) => takeDecoded(count * JSON_CONTAINER_BYTES),
      },
      release: () => {
        this.release(held);
        held = 0;
        this.decoded -= decoded;
        decoded = 0;
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
  /** Takes what the request's records and JSON decode to, as the decoder builds them, under a memory limit. */
  meter: DecodeMeter;
  release: () => void;
  /** Bytes held now. */
  readonly bytes: number;
}

/** Bytes in MiB, as the memory messages show them. */
export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
