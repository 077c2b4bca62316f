import { OtelBridgeError } from '../errors';
import type { Signal } from '../records/types';
import { StorageError } from '../storage/errors';

/**
 * The write buffer has no room: the caller should back off and try again later. Nothing was queued.
 * A submission larger than the whole buffer is taken once the buffer is empty.
 */
export class BufferFullError extends OtelBridgeError {
  readonly signal: Signal;
  readonly requested: number;
  readonly capacity: number;

  constructor(signal: Signal, requested: number, buffered: number, capacity: number) {
    const detail =
      requested > capacity
        ? `a batch of ${requested} ${signal} records is larger than the whole buffer (${capacity}), and is taken ` +
          `once the ${buffered} records waiting are written`
        : `${buffered} of ${capacity} ${signal} records are waiting to be written; ${requested} more do not fit`;
    super('BUFFER_FULL', `write buffer full: ${detail}`);
    this.signal = signal;
    this.requested = requested;
    this.capacity = capacity;
  }
}

/** Records were given up after the store failed them: retries ran out, or the failure was permanent. */
export class WriteDroppedError extends OtelBridgeError {
  readonly signal: Signal;
  readonly count: number;
  readonly attempts: number;

  constructor(signal: Signal, count: number, attempts: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('WRITE_DROPPED', `dropped ${count} ${signal} records after ${attempts} attempt(s): ${reason}`, { cause });
    this.signal = signal;
    this.count = count;
    this.attempts = attempts;
  }
}

/** The writer is shut down and takes no more records. */
export class WriterShutdownError extends OtelBridgeError {
  constructor(signal: Signal) {
    super('SHUT_DOWN', `the ${signal} writer is shut down`);
  }
}

/**
 * A store failed a batch permanently, but isolating the records at fault blamed none of those left:
 * nothing else wrote either (the store, not the data, is failing), or the isolation ran out of
 * writes. Retryable: they are retried later, and a client is told to come back.
 */
export class UnisolatedFailureError extends StorageError {
  constructor(cause: unknown, why: string) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super({
      store: cause instanceof StorageError ? cause.store : 'store',
      operation: 'write',
      retryable: true,
      reason: 'unavailable',
      message: `${why}; the store said: ${message}`,
      cause,
    });
  }
}
