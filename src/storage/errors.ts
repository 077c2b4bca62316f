import { OtelBridgeError } from '../errors';

/**
 * Why a store failed. The first five are outages, retryable: the same write passes once an operator
 * (or time) removes the cause. `refused` is permanent: the store will fail the same call again.
 */
export type StorageFailureReason =
  'disk_full' | 'read_only' | 'connection' | 'authentication' | 'overload' | 'unavailable' | 'refused';

/**
 * A store failed an operation. `retryable` says whether the same call may succeed later (a full disk,
 * a read-only file, a lost connection, an expired password, overload, lock contention) or never will
 * (bad SQL, a value the engine cannot hold, a schema conflict); `reason` says which.
 */
export class StorageError extends OtelBridgeError {
  readonly store: string;
  readonly operation: string;
  readonly retryable: boolean;
  readonly reason: StorageFailureReason;

  constructor(args: {
    store: string;
    operation: string;
    retryable: boolean;
    message: string;
    reason?: StorageFailureReason;
    cause?: unknown;
  }) {
    super(args.retryable ? 'STORAGE_RETRYABLE' : 'STORAGE_FAILED', `${args.store} ${args.operation}: ${args.message}`, {
      cause: args.cause,
    });
    this.store = args.store;
    this.operation = args.operation;
    this.retryable = args.retryable;
    this.reason = args.reason ?? (args.retryable ? 'unavailable' : 'refused');
  }
}

/** Outages that the operating system reports in the same words to every store on a local disk. */
const DISK_OUTAGES: readonly [RegExp, StorageFailureReason][] = [
  [/No space left on device|Disk quota exceeded|errno: 28\b/i, 'disk_full'],
  [/Read-only file system|Permission denied|errno: 30\b/i, 'read_only'],
];

/** The outage a store's error message describes, if it is one of {@link DISK_OUTAGES}. */
export function diskOutage(message: string): StorageFailureReason | null {
  for (const [pattern, reason] of DISK_OUTAGES) if (pattern.test(message)) return reason;
  return null;
}

/** A query argument is out of range, such as a page size over the limit or a malformed id. */
export class InvalidQueryError extends OtelBridgeError {
  constructor(message: string) {
    super('INVALID_QUERY', message);
  }
}

/** The store is closed, or was never initialised. */
export class StoreClosedError extends OtelBridgeError {
  constructor(store: string) {
    super('STORE_CLOSED', `${store} store is not open: call init() first, and not after close()`);
  }
}
