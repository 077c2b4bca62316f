import { OtelBridgeError } from '../errors';
import { RecordValidationError, type ValidationIssue } from '../records/validate';
import type { Signal } from '../records/types';
import { StorageError } from '../storage/errors';
import { BufferFullError, UnisolatedFailureError, WriteDroppedError, WriterShutdownError } from './errors';

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
  /**
   * Most records waiting to be written; more are refused with {@link BufferFullError}, except that
   * one submission of any size is taken into an empty buffer.
   */
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

/** Counts of one signal's writer since it started: records submitted, committed and dropped (by reason), and writes. */
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
  /** For a segment of one record: the writer's count of successful writes when it first failed alone. */
  failedAloneAt?: number;
}

interface Batch<T> {
  segments: Segment<T>[];
  records: T[];
  attempts: number;
  /**
   * The writer's count of successful writes when isolation last found that no part of this batch
   * writes: until another write succeeds somewhere, the store is failing, not the data.
   */
  outageSince: number | null;
}

function isRetryable(error: unknown): boolean {
  if (error instanceof StorageError) return error.retryable;
  return !(error instanceof OtelBridgeError);
}

/**
 * Most writes that isolating the records at fault in one batch may take. Bisecting a 2000-record
 * batch finds one such record in about 2 × 11 writes; records left unisolated are retried, with a
 * fresh budget, after the backoff.
 */
export const MAX_ISOLATION_WRITES = 64;

const batchOf = <T>(segments: Segment<T>[]): Batch<T> => ({
  segments,
  records: segments.length === 1 ? segments[0]!.records : segments.flatMap((segment) => segment.records),
  attempts: 0,
  outageSince: null,
});

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Writes one signal's records to a store in batches.
 *
 * - Group commit: while the writes in flight fill every slot, new submissions wait and then go out
 *   together; an idle writer starts writing at once, never on a timer.
 * - Backpressure: the buffer is bounded, and a submission that does not fit fails at once (one
 *   larger than the whole buffer fits once the buffer is empty, so that waiting always helps).
 * - Retries: a failed batch is retried as it was (so that stores can deduplicate it) with
 *   exponential backoff while the store reports an outage; exhausted retries are dropped and
 *   reported.
 * - Isolation: records the store rejects as invalid are taken out of the batch and reported against
 *   their own submission, and the rest of the batch is written. A batch that fails permanently for
 *   another reason is bisected ({@link BatchWriter.isolate}): what writes is committed, and a record
 *   that fails alone while the rest writes is rejected against its own submission.
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
  /** Batches waiting to be retried after an outage that the store reported. */
  private retrying = 0;
  private successfulWrites = 0;
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
    // A submission larger than the whole buffer is taken when nothing else waits, and written in
    // batches: the buffer then overshoots by that one submission, which its source already bounds
    // (the receiver's body limit). Refusing it for good would lose a legal request.
    if (this.buffered > 0 && this.buffered + records.length > this.options.maxBufferSize) {
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
    return batchOf(segments);
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
      let failure: unknown;
      try {
        this.counters.writes++;
        await this.options.write(batch.records);
        this.successfulWrites++;
        this.settleBatch(batch, null);
        return;
      } catch (error) {
        failure = error;
      }
      if (failure instanceof RecordValidationError) {
        this.removeInvalid(batch, failure);
        continue;
      }
      if (!isRetryable(failure)) {
        if (batch.outageSince === this.successfulWrites) {
          failure = new UnisolatedFailureError(failure, 'no part of the batch could be written');
        } else {
          const rest = await this.isolate(batch, failure);
          if (rest === null) return;
          failure = rest;
        }
      }
      batch.attempts++;
      if (batch.attempts > this.options.maxRetries) {
        const dropped = new WriteDroppedError(this.signal, batch.records.length, batch.attempts, failure);
        this.report('write_failed', batch.records.length, dropped);
        this.settleBatch(batch, dropped);
        return;
      }
      this.counters.retries++;
      // Only an outage the store reports makes the writer failing: an unisolated record must not turn others away.
      const reported = !(failure instanceof UnisolatedFailureError);
      if (reported) this.retrying++;
      try {
        await new Promise((resolve) => setTimeout(resolve, this.backoff(batch.attempts)));
      } finally {
        if (reported) this.retrying--;
      }
    }
  }

  /**
   * Finds the records at fault in a batch that failed permanently, by bisection: each half is written
   * on its own, and a half that fails is split again, submissions before records. What writes is
   * committed at once. A record that fails alone is a suspect. It is rejected, against its own
   * submission, only if a write of this writer succeeded after it failed (so the store works) and it
   * fails once more alone (so the store did not just recover). If nothing writes at all, the store is
   * failing, not the data: an outage. At most {@link MAX_ISOLATION_WRITES} writes a round; suspects
   * keep their evidence into the next round.
   *
   * Leaves in `batch` only the records still to write, and returns the retryable error to retry them
   * with, or `null` when every record is settled.
   */
  private async isolate(batch: Batch<T>, error: unknown): Promise<unknown> {
    const start = this.successfulWrites;
    // The write that just failed held this record alone.
    if (batch.records.length === 1) batch.segments[0]!.failedAloneAt ??= start;
    const known = batch.segments.filter((segment) => segment.failedAloneAt !== undefined);
    const others = batch.segments.filter((segment) => segment.failedAloneAt === undefined);
    // Without the known suspects, the others have not been tried yet; with all of them, the batch just failed.
    const pending = known.length === 0 ? this.halves(batch) : others.length > 0 ? [batchOf(others)] : [];
    const suspects = [...known];
    const unwritten: Batch<T>[] = [];
    let writes = 0;
    let retryable: unknown = null;
    /** Writes a part; returns the permanent failure, or `null` when it wrote or was set aside. */
    const tryWrite = async (part: Batch<T>): Promise<unknown> => {
      writes++;
      this.counters.writes++;
      try {
        await this.options.write(part.records);
        this.successfulWrites++;
        this.settleBatch(part, null);
        return null;
      } catch (failure) {
        if (failure instanceof RecordValidationError) {
          this.removeInvalid(part, failure);
          pending.push(part);
          return null;
        }
        if (!isRetryable(failure)) return failure;
        retryable ??= failure;
        unwritten.push(part);
        return null;
      }
    };
    const budgetLeft = () => retryable === null && writes < MAX_ISOLATION_WRITES;
    while (pending.length > 0) {
      const part = pending.pop()!;
      if (part.records.length === 0) continue;
      if (!budgetLeft()) {
        unwritten.push(part);
        continue;
      }
      const failure = await tryWrite(part);
      if (failure === null) continue;
      if (part.records.length > 1) pending.push(...this.halves(part));
      else {
        part.segments[0]!.failedAloneAt ??= this.successfulWrites;
        suspects.push(part.segments[0]!);
      }
    }
    for (const suspect of suspects) {
      const part = batchOf([suspect]);
      if (!budgetLeft() || this.successfulWrites === suspect.failedAloneAt) unwritten.push(part);
      else {
        const failure = await tryWrite(part);
        if (failure !== null) this.blame(suspect, failure);
      }
    }
    this.regroup(batch, unwritten);
    if (batch.records.length === 0) return null;
    if (retryable !== null) return retryable;
    if (this.successfulWrites === start) {
      batch.outageSince = start;
      return new UnisolatedFailureError(error, 'no part of the batch could be written');
    }
    return new UnisolatedFailureError(
      error,
      `not every record at fault was found within ${MAX_ISOLATION_WRITES} writes`,
    );
  }

  /** Two halves of a batch: cut between submissions while it holds several, else between records. */
  private halves(batch: Batch<T>): Batch<T>[] {
    const { segments } = batch;
    if (segments.length > 1) {
      let cut = 1;
      let size = segments[0]!.records.length;
      while (cut < segments.length - 1 && size + segments[cut]!.records.length <= batch.records.length / 2) {
        size += segments[cut++]!.records.length;
      }
      return [batchOf(segments.slice(cut)), batchOf(segments.slice(0, cut))];
    }
    const { ticket, indexes, records } = segments[0]!;
    const middle = Math.ceil(records.length / 2);
    const part = (start: number, end?: number) =>
      batchOf([{ ticket, indexes: indexes.slice(start, end), records: records.slice(start, end) }]);
    return [part(middle), part(0, middle)];
  }

  /** Makes `batch` the records of `parts`, in their order. */
  private regroup(batch: Batch<T>, parts: Batch<T>[]): void {
    const segments = parts.flatMap((part) => part.segments).filter((segment) => segment.records.length > 0);
    const merged = batchOf(segments);
    batch.segments = merged.segments;
    batch.records = merged.records;
  }

  /** Rejects the one record of `segment`, which the store refused alone while the rest of its batch wrote. */
  private blame(segment: Segment<T>, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    segment.ticket.rejected.push({
      index: segment.indexes[0]!,
      path: '',
      message: `the store refused this record alone, and wrote the rest: ${message}`,
    });
    segment.ticket.outstanding--;
    this.report('invalid', 1, error);
    this.settleTicketIfDone(segment.ticket);
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
