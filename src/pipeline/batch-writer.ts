import { OtelBridgeError } from '../errors';
import { RecordValidationError, type ValidationIssue } from '../records/validate';
import type { Signal } from '../records/types';
import { StorageError } from '../storage/errors';
import { BufferFullError, WriteDroppedError, WriterShutdownError } from './errors';

/** Why records left the pipeline without being stored. */
export type DropReason = 'invalid' | 'buffer_full' | 'write_failed';

/** Reported once for every group of records that is not stored. */
export interface DropReport {
  signal: Signal;
  count: number;
  reason: DropReason;
  error: Error;
}

/** What became of one submission once it settled. */
export interface SubmitOutcome {
  /** Records committed to the store. */
  accepted: number;
  /** Records the store refused as invalid, by their position in the submission. */
  rejected: ValidationIssue[];
}

export interface BatchWriterOptions<T> {
  signal: Signal;
  /** Writes one batch, all or nothing. */
  write: (records: readonly T[]) => Promise<void>;
  /** Most records in one write. */
  maxBatchSize: number;
  /** Most records waiting to be written; more are refused with {@link BufferFullError}. */
  maxBufferSize: number;
  /** Retries after the first failed attempt of a batch. */
  maxRetries: number;
  /** Delay before the first retry; it doubles with each further one. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** `false` writes each submission on its own instead of grouping concurrent ones (`realtime`). */
  groupCommit: boolean;
  /** Writes in flight at once; a second one lets the next batch be prepared while a store commits. */
  maxConcurrentWrites: number;
  onDrop?: (report: DropReport) => void;
}

export interface BatchWriterStats {
  submitted: number;
  committed: number;
  dropped: Record<DropReason, number>;
  writes: number;
  retries: number;
}

interface Ticket<T> {
  records: readonly T[];
  taken: number;
  outstanding: number;
  accepted: number;
  rejected: ValidationIssue[];
  failure: Error | null;
  settle: (outcome: SubmitOutcome | Error) => void;
}

interface Segment<T> {
  ticket: Ticket<T>;
  /** Position in the ticket of each record of this segment. */
  indexes: number[];
  records: T[];
}

interface Batch<T> {
  segments: Segment<T>[];
  records: T[];
  attempts: number;
}

function isRetryable(error: unknown): boolean {
  if (error instanceof StorageError) return error.retryable;
  return !(error instanceof OtelBridgeError);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Writes one signal's records to a store in batches.
 *
 * - Group commit: while the writes in flight fill every slot, new submissions wait and then go out
 *   together; an idle writer starts writing at once, never on a timer.
 * - Backpressure: the buffer is bounded, and a submission that does not fit fails at once.
 * - Retries: a failed batch is retried as it was (so that stores can deduplicate it) with
 *   exponential backoff; permanent failures and exhausted retries are dropped and reported.
 * - Isolation: records the store rejects as invalid are taken out of the batch and reported against
 *   their own submission, and the rest of the batch is written.
 *
 * A submission's promise settles only when each of its records is committed, rejected or dropped.
 */
export class BatchWriter<T> {
  readonly signal: Signal;
  private readonly options: BatchWriterOptions<T>;
  private readonly queue: Ticket<T>[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private buffered = 0;
  private inFlight = 0;
  private retrying = 0;
  private closed = false;
  private scheduled = false;
  private readonly counters: BatchWriterStats = {
    submitted: 0,
    committed: 0,
    dropped: { invalid: 0, buffer_full: 0, write_failed: 0 },
    writes: 0,
    retries: 0,
  };

  constructor(options: BatchWriterOptions<T>) {
    this.signal = options.signal;
    this.options = options;
  }

  /** Records waiting for a write, not counting the one in flight. */
  get bufferedCount(): number {
    return this.buffered;
  }

  /** Room left in the buffer. */
  get freeCapacity(): number {
    return this.options.maxBufferSize - this.buffered;
  }

  /** True while a failed batch waits to be retried: the store is failing right now. */
  get isFailing(): boolean {
    return this.retrying > 0;
  }

  get stats(): BatchWriterStats {
    return { ...this.counters, dropped: { ...this.counters.dropped } };
  }

  /**
   * Queues records for writing. Resolves once they are settled; rejects with
   * {@link BufferFullError} (nothing was queued), {@link WriteDroppedError} or
   * {@link WriterShutdownError}.
   */
  submit(records: readonly T[]): Promise<SubmitOutcome> {
    if (this.closed) return Promise.reject(new WriterShutdownError(this.signal));
    if (records.length === 0) return Promise.resolve({ accepted: 0, rejected: [] });
    if (this.buffered + records.length > this.options.maxBufferSize) {
      const error = new BufferFullError(this.signal, records.length, this.buffered, this.options.maxBufferSize);
      this.report('buffer_full', records.length, error);
      return Promise.reject(error);
    }
    this.counters.submitted += records.length;
    const settled = new Promise<SubmitOutcome>((resolve, reject) => {
      this.queue.push({
        records,
        taken: 0,
        outstanding: 0,
        accepted: 0,
        rejected: [],
        failure: null,
        settle: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
      });
    });
    this.buffered += records.length;
    this.track(settled);
    this.schedule();
    return settled;
  }

  /** Resolves when everything submitted before the call has settled. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /** Refuses new records, then waits for the queued ones to settle. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private track(promise: Promise<unknown>): void {
    const forget = (): void => {
      this.pending.delete(done);
    };
    const done: Promise<void> = promise.then(forget, forget);
    this.pending.add(done);
  }

  /** Starts writes on the next microtask, so that submissions made together go out together. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxConcurrentWrites) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      while (this.inFlight < this.options.maxConcurrentWrites && this.queue.length > 0) void this.run(this.takeBatch());
    });
  }

  private takeBatch(): Batch<T> {
    const { maxBatchSize, groupCommit } = this.options;
    const segments: Segment<T>[] = [];
    let size = 0;
    while (this.queue.length > 0 && size < maxBatchSize) {
      const ticket = this.queue[0]!;
      const count = Math.min(ticket.records.length - ticket.taken, maxBatchSize - size);
      const start = ticket.taken;
      const records =
        start === 0 && count === ticket.records.length
          ? (ticket.records as T[])
          : ticket.records.slice(start, start + count);
      segments.push({ ticket, indexes: Array.from({ length: count }, (_, i) => start + i), records });
      ticket.taken += count;
      ticket.outstanding += count;
      size += count;
      if (ticket.taken === ticket.records.length) this.queue.shift();
      if (!groupCommit) break;
    }
    this.buffered -= size;
    const records = segments.length === 1 ? segments[0]!.records : segments.flatMap((segment) => segment.records);
    return { segments, records, attempts: 0 };
  }

  private async run(batch: Batch<T>): Promise<void> {
    this.inFlight++;
    try {
      await this.writeWithRetries(batch);
    } finally {
      this.inFlight--;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async writeWithRetries(batch: Batch<T>): Promise<void> {
    for (;;) {
      if (batch.records.length === 0) return;
      try {
        this.counters.writes++;
        await this.options.write(batch.records);
        this.settleBatch(batch, null);
        return;
      } catch (error) {
        if (error instanceof RecordValidationError) {
          this.removeInvalid(batch, error);
          continue;
        }
        batch.attempts++;
        if (!isRetryable(error) || batch.attempts > this.options.maxRetries) {
          const dropped = new WriteDroppedError(this.signal, batch.records.length, batch.attempts, error);
          this.report('write_failed', batch.records.length, dropped);
          this.settleBatch(batch, dropped);
          return;
        }
        this.counters.retries++;
        this.retrying++;
        try {
          await new Promise((resolve) => setTimeout(resolve, this.backoff(batch.attempts)));
        } finally {
          this.retrying--;
        }
      }
    }
  }

  private backoff(attempt: number): number {
    const { retryDelayMs, maxRetryDelayMs } = this.options;
    const exponential = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (attempt - 1));
    return exponential * (0.8 + Math.random() * 0.4);
  }

  /** Takes the records a store refused out of the batch and books them against their submissions. */
  private removeInvalid(batch: Batch<T>, error: RecordValidationError): void {
    const invalid = new Set(error.invalidIndexes);
    const issuesByIndex = new Map<number, ValidationIssue[]>();
    for (const issue of error.issues) {
      const list = issuesByIndex.get(issue.index) ?? [];
      list.push(issue);
      issuesByIndex.set(issue.index, list);
    }
    let position = 0;
    for (const segment of batch.segments) {
      const keptIndexes: number[] = [];
      const keptRecords: T[] = [];
      for (let i = 0; i < segment.records.length; i++, position++) {
        if (invalid.has(position)) {
          for (const issue of issuesByIndex.get(position)!) {
            segment.ticket.rejected.push({ ...issue, index: segment.indexes[i]! });
          }
          segment.ticket.outstanding--;
        } else {
          keptIndexes.push(segment.indexes[i]!);
          keptRecords.push(segment.records[i]!);
        }
      }
      segment.indexes = keptIndexes;
      segment.records = keptRecords;
    }
    this.report('invalid', invalid.size, error);
    batch.segments = batch.segments.filter((segment) => {
      if (segment.records.length === 0) this.settleTicketIfDone(segment.ticket);
      return segment.records.length > 0;
    });
    batch.records = batch.segments.flatMap((segment) => segment.records);
  }

  private settleBatch(batch: Batch<T>, failure: Error | null): void {
    for (const segment of batch.segments) {
      const { ticket } = segment;
      ticket.outstanding -= segment.records.length;
      if (failure) ticket.failure ??= failure;
      else {
        ticket.accepted += segment.records.length;
        this.counters.committed += segment.records.length;
      }
      this.settleTicketIfDone(ticket);
    }
  }

  private settleTicketIfDone(ticket: Ticket<T>): void {
    if (ticket.outstanding > 0 || ticket.taken < ticket.records.length) return;
    ticket.settle(ticket.failure ?? { accepted: ticket.accepted, rejected: ticket.rejected });
  }

  private report(reason: DropReason, count: number, error: unknown): void {
    this.counters.dropped[reason] += count;
    this.options.onDrop?.({ signal: this.signal, count, reason, error: asError(error) });
  }
}
