import { OtelBridgeError } from '../errors';

/**
 * A store failed an operation. `retryable` says whether the same call may succeed later (network,
 * timeout, overload, lock contention) or never will (bad SQL, a full disk, a schema conflict).
 */
export class StorageError extends OtelBridgeError {
  readonly store: string;
  readonly operation: string;
  readonly retryable: boolean;

  constructor(args: { store: string; operation: string; retryable: boolean; message: string; cause?: unknown }) {
    super(args.retryable ? 'STORAGE_RETRYABLE' : 'STORAGE_FAILED', `${args.store} ${args.operation}: ${args.message}`, {
      cause: args.cause,
    });
    this.store = args.store;
    this.operation = args.operation;
    this.retryable = args.retryable;
  }
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
