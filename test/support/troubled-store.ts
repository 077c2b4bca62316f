import type { RecordOf, Signal } from '../../src/records/types';
import { DuckDBStore } from '../../src/storage/duckdb/store';
import { StorageError } from '../../src/storage/errors';

/**
 * A real DuckDB store that can be made to stall, to fail its writes while `failing` is true, or to
 * fail its next `initFailures` inits, as a store under load or an outage does.
 */
export class TroubledStore extends DuckDBStore {
  stall: Promise<void> | null = null;
  failing = false;
  initFailures = 0;

  override async init(): Promise<void> {
    if (this.initFailures > 0) {
      this.initFailures--;
      throw new StorageError({ store: 'duckdb', operation: 'init', retryable: true, message: 'database is locked' });
    }
    return super.init();
  }

  /** Makes every write wait until the returned function is called. */
  stallWrites(): () => void {
    let release!: () => void;
    this.stall = new Promise((resolve) => (release = resolve));
    return () => {
      this.stall = null;
      release();
    };
  }

  protected override async insert<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void> {
    if (this.stall) await this.stall;
    if (this.failing)
      throw new StorageError({ store: 'duckdb', operation: 'insert', retryable: true, message: 'IO Error: disk full' });
    return super.insert(signal, records);
  }
}
