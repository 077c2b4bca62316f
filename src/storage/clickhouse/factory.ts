import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { ConfigurationError } from '../../errors';
import { defineStoreFactory, type StoreOption, type StoreSettings } from '../factory';
import { RETENTION_DAYS_OPTION, retentionDaysFrom } from '../retention';
import { CLICKHOUSE_DEFAULTS, ClickHouseStore } from './store';

const CHDB_PREFIX = 'chdb:';

/** chdb is optional: an embedded ClickHouse engine, for trying the ClickHouse store without a server. */
function chdbClient(path: string): ClickHouseClient {
  let connection: { createChdbConnection: (options: { path: string }) => unknown };
  try {
    // chdb is optional: loaded only for a chdb: URL, and its absence is reported
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    connection = require('chdb/connection') as typeof connection;
  } catch {
    throw new ConfigurationError('a chdb: URL needs the chdb package: npm install chdb');
  }
  return createClient({ connection: connection.createChdbConnection({ path }) } as Parameters<typeof createClient>[0]);
}

const CLICKHOUSE_OPTIONS = {
  'clickhouse-url': {
    env: 'CLICKHOUSE_URL',
    help: 'ClickHouse HTTP URL, or chdb:<dir> for embedded ClickHouse',
    default: CLICKHOUSE_DEFAULTS.url,
  },
  'clickhouse-user': { env: 'CLICKHOUSE_USER', help: 'ClickHouse user', default: CLICKHOUSE_DEFAULTS.username },
  'clickhouse-password': { env: 'CLICKHOUSE_PASSWORD', help: 'ClickHouse password' },
  'clickhouse-database': {
    env: 'OTEL_BRIDGE_CLICKHOUSE_DATABASE',
    help: 'ClickHouse database',
    default: CLICKHOUSE_DEFAULTS.database,
  },
  'retention-days': RETENTION_DAYS_OPTION,
} as const satisfies Record<string, StoreOption>;

/** A ClickHouse store from its settings. */
function clickhouseFrom(settings: StoreSettings<keyof typeof CLICKHOUSE_OPTIONS>): ClickHouseStore {
  const common = { database: settings['clickhouse-database'], retentionDays: retentionDaysFrom(settings) };
  const url = settings['clickhouse-url'];
  if (url?.startsWith(CHDB_PREFIX)) {
    return new ClickHouseStore({ ...common, client: chdbClient(url.slice(CHDB_PREFIX.length) || ':memory:') });
  }
  return new ClickHouseStore({
    ...common,
    url,
    username: settings['clickhouse-user'],
    password: settings['clickhouse-password'],
  });
}

/** `--store clickhouse`, chosen too when a ClickHouse URL is set: a server, or embedded chdb. */
export const clickhouseFactory = defineStoreFactory({
  kind: 'clickhouse',
  options: CLICKHOUSE_OPTIONS,
  impliedBy: 'clickhouse-url',
  create: clickhouseFrom,
  // A server is read while others write to it: view opens it as serve does, and its API writes nothing.
  openExisting: clickhouseFrom,
  describe: (settings) => `clickhouse ${settings['clickhouse-url'] ?? CLICKHOUSE_DEFAULTS.url}`,
});
