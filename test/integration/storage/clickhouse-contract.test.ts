import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseStore } from '../../../src/storage/clickhouse/store';
import type { ObservabilityStore } from '../../../src/storage/types';
import { closeChdbClient, dropDatabase, openChdbClient, serverClient, uniqueDatabase } from '../../support/clickhouse';
import { describeSpendContract } from '../../support/spend-contract';
import { describeStoreContract } from '../../support/store-contract';

/** Runs the contract on `client`, with a fresh database for each test, dropped afterwards. */
function describeOn(
  name: string,
  connect: () => Promise<ClickHouseClient>,
  disconnect: (client: ClickHouseClient) => Promise<void>,
): void {
  let client: ClickHouseClient | undefined;
  const open = async () => {
    client ??= await connect();
    const store = new ClickHouseStore({ client, database: uniqueDatabase('contract') });
    await store.init();
    return store;
  };
  const close = async (store: ObservabilityStore) => {
    const { database } = (store as ClickHouseStore).schema;
    await store.close();
    await dropDatabase(client!, database);
  };
  describeStoreContract(name, open, close);
  describeSpendContract(name, open, close);
  afterAll(async () => {
    if (client) await disconnect(client);
  });
}

describeOn('ClickHouse (chdb)', openChdbClient, closeChdbClient);

// Only when a server is configured: no skipped tests otherwise.
const server = serverClient();
if (server)
  describeOn(
    'ClickHouse (server)',
    () => Promise.resolve(server),
    (client) => client.close(),
  );
