import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseStore } from '../../src/storage/clickhouse/store';
import { DuckDBStore } from '../../src/storage/duckdb/store';
import type { ObservabilityStore } from '../../src/storage/types';
import { closeChdbClient, dropDatabase, openChdbClient, serverClient, uniqueDatabase } from './clickhouse';

/** A real store for a test file: opened before its tests, closed (and its database dropped) after them. */
export interface RealStore {
  name: string;
  open(): Promise<ObservabilityStore>;
  close(store: ObservabilityStore): Promise<void>;
}

function clickhouseOn(name: string, connect: () => Promise<ClickHouseClient>, prefix: string): RealStore {
  let client: ClickHouseClient | null = null;
  return {
    name,
    async open() {
      client = await connect();
      const store = new ClickHouseStore({ client, database: uniqueDatabase(prefix) });
      await store.init();
      return store;
    },
    async close(store) {
      await store.close();
      await dropDatabase(client!, (store as ClickHouseStore).schema.database);
      await (name.includes('chdb') ? closeChdbClient(client!) : client!.close());
    },
  };
}

/**
 * DuckDB, ClickHouse in process (chdb) and, when `CLICKHOUSE_URL` is set, the ClickHouse server: the
 * stores a guarantee must hold on. Not skipped otherwise: without a server there is no third entry.
 */
export function realStores(prefix: string): RealStore[] {
  const stores: RealStore[] = [
    {
      name: 'DuckDB',
      async open() {
        const store = new DuckDBStore({ path: ':memory:' });
        await store.init();
        return store;
      },
      close: (store) => store.close(),
    },
    clickhouseOn('ClickHouse (chdb)', openChdbClient, prefix),
  ];
  const server = serverClient();
  if (server) stores.push(clickhouseOn('ClickHouse (server)', () => Promise.resolve(server), prefix));
  return stores;
}

/** Runs `body` once per real store, with the store open for the whole `describe`. */
export function describeOnRealStores(
  title: string,
  prefix: string,
  body: (store: () => ObservabilityStore) => void,
): void {
  describe.each(realStores(prefix))(`${title} on $name`, (real: RealStore) => {
    let store: ObservabilityStore | null = null;
    beforeAll(async () => {
      store = await real.open();
    });
    afterAll(async () => {
      if (store) await real.close(store);
    });
    body(() => store!);
  });
}
