import type { RecordOf, Signal } from '../../src/records/types';
import { DuckDBStore } from '../../src/storage/duckdb/store';
import { StorageError } from '../../src/storage/errors';

/** A real DuckDB store whose writes fail while `failing` is true, as a store under an outage does. */
export class FlakyStore extends DuckDBStore {
  failing = false;
  initFailures = 0;
  override async init(): Promise<void> {
    if (this.initFailures > 0) {
      this.initFailures--;
      throw new StorageError({ store: 'duckdb', operation: 'init', retryable: true, message: 'database is locked' });
    }
    return super.init();
  }
  protected override insert<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void> {
    if (this.failing)
      return Promise.reject(
        new StorageError({ store: 'duckdb', operation: 'insert', retryable: true, message: 'IO Error: disk full' }),
      );
    return super.insert(signal, records);
  }
}
