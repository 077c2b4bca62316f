import type { Signal } from '../../src/records/types';
import { StorageError, type StorageFailureReason } from '../../src/storage/errors';
import type { ObservabilityStore } from '../../src/storage/types';

/**
 * A real store with faults injected into its writes: the kind of wrapper the team allows in place
 * of a fake store. Reads and everything else go to the real store untouched; a write goes through
 * only when the fault in force says nothing.
 */

/** Decides whether one write fails: the error to throw, or `null` to let it through. */
export type Fault = (signal: Signal, records: readonly unknown[]) => Error | null;

const WRITES: Record<string, Signal> = {
  batchCreateSpans: 'spans',
  batchCreateLogs: 'logs',
  batchRecordMetrics: 'metrics',
  createScore: 'scores',
  batchCreateScores: 'scores',
  createFeedback: 'feedback',
  batchCreateFeedback: 'feedback',
};

/** The records a write method was given, whichever of the store's write methods it is. */
function recordsOf(args: Record<string, unknown>): readonly unknown[] {
  const value = Object.values(args)[0];
  return Array.isArray(value) ? value : [value];
}

export interface WriteAttempt {
  signal: Signal;
  size: number;
  failed: boolean;
}

export class FaultInjector {
  /** The fault in force; `null` lets every write through. */
  fault: Fault | null = null;
  readonly attempts: WriteAttempt[] = [];

  /** `store`, with its writes subject to {@link FaultInjector.fault}. */
  wrap<S extends ObservabilityStore>(store: S): S {
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        const signal = typeof property === 'string' ? WRITES[property] : undefined;
        if (typeof value !== 'function') return value;
        if (!signal) return (value as (...args: unknown[]) => unknown).bind(target);
        return async (args: Record<string, unknown>) => {
          const records = recordsOf(args);
          const error = this.fault?.(signal, records) ?? null;
          this.attempts.push({ signal, size: records.length, failed: error !== null });
          if (error) throw error;
          return (value as (args: unknown) => Promise<void>).call(target, args);
        };
      },
    });
  }

  get failedWrites(): number {
    return this.attempts.filter((attempt) => attempt.failed).length;
  }
}

/** A failure the store classes as permanent: the same write would fail again. */
export const permanent = (message: string): StorageError =>
  new StorageError({ store: 'faulty', operation: 'insert', retryable: false, message });

/** An outage: the same write may pass later. */
export const outage = (message: string, reason: StorageFailureReason = 'unavailable'): StorageError =>
  new StorageError({ store: 'faulty', operation: 'insert', retryable: true, reason, message });

/** Fails, permanently, every write that holds a record matching `poisoned`. */
export function failingOn(poisoned: (record: unknown) => boolean, error = permanent('cannot hold this value')): Fault {
  return (_signal, records) => (records.some(poisoned) ? error : null);
}
