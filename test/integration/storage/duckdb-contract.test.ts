import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { describeStoreContract } from '../../support/store-contract';

const directories = new Map<object, string>();

describeStoreContract(
  'DuckDB (file)',
  async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-'));
    const store = new DuckDBStore({ path: join(directory, 'contract.duckdb') });
    directories.set(store, directory);
    await store.init();
    return store;
  },
  async (store) => {
    await store.close();
    rmSync(directories.get(store)!, { recursive: true, force: true });
  },
);

describeStoreContract(
  'DuckDB (memory)',
  async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    await store.init();
    return store;
  },
  (store) => store.close(),
);
