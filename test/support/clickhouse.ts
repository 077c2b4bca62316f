import { randomBytes } from 'node:crypto';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { drainPending } from 'chdb';
import { createChdbConnection } from 'chdb/connection';

/**
 * A real ClickHouse engine in this process: chdb as `@clickhouse/client`'s connection.
 *
 * chdb binds one data directory per process, and jest may run several test files in one worker, so
 * every file uses `:memory:` and waits for whatever an earlier file left running before opening,
 * and after closing.
 */
export async function openChdbClient(): Promise<ClickHouseClient> {
  await drainPending();
  // chdb types its connection with @clickhouse/client-common, which the client now bundles as its own copy.
  const connection = createChdbConnection({
    path: ':memory:',
  }) as unknown as ClickHouseClientConfigOptions['connection'];
  return createClient({ connection });
}

export async function closeChdbClient(client: ClickHouseClient): Promise<void> {
  await client.close();
  await drainPending();
}

/** A ClickHouse server from `CLICKHOUSE_URL`, `CLICKHOUSE_USER` and `CLICKHOUSE_PASSWORD`, when set. */
export function serverClient(): ClickHouseClient | null {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) return null;
  return createClient({ url, username: process.env.CLICKHOUSE_USER, password: process.env.CLICKHOUSE_PASSWORD });
}

const RUN = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
let databases = 0;

/** A database name that no other test, file or run uses. */
export function uniqueDatabase(prefix: string): string {
  return `${prefix}_${RUN}_${++databases}`;
}

export async function dropDatabase(client: ClickHouseClient, database: string): Promise<void> {
  await client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` });
}

/** Rows of a query, with 64-bit integers as strings. */
export async function queryRows<T extends unknown[]>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const result = await client.query({
    query,
    query_params: params,
    format: 'JSONCompactEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return result.json<T>();
}

/** The first column of the first row of a query. */
export async function queryValue(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
): Promise<string> {
  const [row] = await queryRows<[string]>(client, query, params);
  if (!row) throw new Error(`no rows from ${query}`);
  return row[0];
}
