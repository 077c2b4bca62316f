import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { describeSpendContract } from '../../support/spend-contract';
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

async function openInMemory(): Promise<DuckDBStore> {
  const store = new DuckDBStore({ path: ':memory:' });
  await store.init();
  return store;
}

describeStoreContract('DuckDB (memory)', openInMemory, (store) => store.close());
describeSpendContract('DuckDB (memory)', openInMemory, (store) => store.close());
