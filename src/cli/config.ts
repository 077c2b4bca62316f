import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { ConfigurationError } from '../errors';
import { SIGNALS } from '../records/types';
import { ClickHouseStore } from '../storage/clickhouse/store';
import { DuckDBStore } from '../storage/duckdb/store';
import type { ObservabilityStore } from '../storage/types';

/**
 * Command-line settings. Every flag has an environment variable, so that a container can be
 * configured without arguments; a flag wins over its variable.
 */
export const OPTIONS = {
  store: { type: 'string', env: 'OTEL_BRIDGE_STORE', help: 'duckdb (default) or clickhouse' },
  'duckdb-path': { type: 'string', env: 'OTEL_BRIDGE_DUCKDB_PATH', help: 'DuckDB file (default ./otel-bridge.duckdb)' },
  'clickhouse-url': {
    type: 'string',
    env: 'CLICKHOUSE_URL',
    help: 'ClickHouse HTTP URL (http://localhost:8123), or chdb:<dir> for embedded ClickHouse',
  },
  'clickhouse-user': { type: 'string', env: 'CLICKHOUSE_USER', help: 'ClickHouse user (default "default")' },
  'clickhouse-password': { type: 'string', env: 'CLICKHOUSE_PASSWORD', help: 'ClickHouse password' },
  'clickhouse-database': {
    type: 'string',
    env: 'OTEL_BRIDGE_CLICKHOUSE_DATABASE',
    help: 'ClickHouse database (default otel)',
  },
  'retention-days': {
    type: 'string',
    env: 'OTEL_BRIDGE_RETENTION_DAYS',
    help: 'ClickHouse TTL for every signal, in days',
  },
  host: { type: 'string', env: 'OTEL_BRIDGE_HOST', help: 'address to listen on (default 127.0.0.1)' },
  port: { type: 'string', env: 'OTEL_BRIDGE_PORT', help: 'OTLP/HTTP port to listen on (default 4318)' },
  'grpc-port': {
    type: 'string',
    env: 'OTEL_BRIDGE_GRPC_PORT',
    help: 'OTLP/gRPC port to listen on (default 4317; 0 turns gRPC off)',
  },
  'tls-cert': {
    type: 'string',
    env: 'OTEL_BRIDGE_TLS_CERT',
    help: 'PEM certificate file: serve HTTPS and gRPC with TLS',
  },
  'tls-key': { type: 'string', env: 'OTEL_BRIDGE_TLS_KEY', help: 'PEM private key file of --tls-cert' },
  token: {
    type: 'string',
    env: 'OTEL_BRIDGE_TOKEN',
    help: 'serve: require Authorization: Bearer <token>; score, feedback: send it',
  },
  'cors-origin': {
    type: 'string',
    env: 'OTEL_BRIDGE_CORS_ORIGINS',
    help: 'comma-separated origins browsers may send from, or *',
  },
  'viewer-dir': {
    type: 'string',
    env: 'OTEL_BRIDGE_VIEWER_DIR',
    help: "serve, view: the viewer's bundle to serve (default: the package's own dist/viewer)",
  },
  'max-body-mb': { type: 'string', env: 'OTEL_BRIDGE_MAX_BODY_MB', help: 'largest request body in MiB (default 20)' },
  'max-in-flight-mb': {
    type: 'string',
    env: 'OTEL_BRIDGE_MAX_IN_FLIGHT_MB',
    help: 'request MiB processed at once before 429 (default 32)',
  },
  'memory-limit-mb': {
    type: 'string',
    env: 'OTEL_BRIDGE_MEMORY_LIMIT_MB',
    help: 'resident MiB to stay under: above 80% of it requests get 503 (default 512)',
  },
  'max-buffer': {
    type: 'string',
    env: 'OTEL_BRIDGE_MAX_BUFFER',
    help: 'records queued per signal before 429 (default 20000)',
  },
  'max-batch': { type: 'string', env: 'OTEL_BRIDGE_MAX_BATCH', help: 'records per store write (default 2000)' },
  limit: { type: 'string', env: 'OTEL_BRIDGE_LIMIT', help: 'rows to show in query (default 20)' },
  trace: { type: 'string', env: 'OTEL_BRIDGE_TRACE', help: 'query: one trace id' },
  service: { type: 'string', env: 'OTEL_BRIDGE_SERVICE', help: 'query: one service name' },
  'name-contains': { type: 'string', env: '', help: "query traces: text in the root span's name, any case" },
  json: { type: 'boolean', env: '', help: "query: print the API's JSON instead of a table" },
  url: {
    type: 'string',
    env: 'OTEL_BRIDGE_URL',
    help: 'score, feedback: the running server (default http://<host>:<port>; https://… with TLS)',
  },
  span: { type: 'string', env: '', help: 'score, feedback: the span judged (default: the whole trace)' },
  scorer: { type: 'string', env: '', help: 'score: the scorer id' },
  value: { type: 'string', env: '', help: 'score: the score; feedback: a number, or text' },
  reason: { type: 'string', env: '', help: 'score: why' },
  'feedback-type': { type: 'string', env: '', help: 'feedback: thumbs, rating, correction, …' },
  comment: { type: 'string', env: '', help: 'feedback: a comment' },
  user: { type: 'string', env: '', help: 'feedback: who gave it (the user id)' },
  source: { type: 'string', env: '', help: 'score: manual, automated or experiment; feedback: who gave it' },
  help: { type: 'boolean', short: 'h', env: '', help: 'show this help' },
} as const;

export type OptionName = keyof typeof OPTIONS;
type Flag = 'help' | 'json';
export type Settings = Partial<Record<Exclude<OptionName, Flag>, string>> & {
  help: boolean;
  json: boolean;
  positionals: string[];
};

export function parseSettings(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const config: ParseArgsConfig = {
    args: argv,
    allowPositionals: true,
    strict: true,
    options: Object.fromEntries(
      Object.entries(OPTIONS).map(([name, option]) => [
        name,
        'short' in option ? { type: option.type, short: option.short } : { type: option.type },
      ]),
    ),
  };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    throw new ConfigurationError(error instanceof Error ? error.message : String(error));
  }
  const settings: Settings = {
    help: parsed.values.help === true,
    json: parsed.values.json === true,
    positionals: parsed.positionals,
  };
  for (const [name, option] of Object.entries(OPTIONS) as [OptionName, (typeof OPTIONS)[OptionName]][]) {
    if (name === 'help' || name === 'json') continue;
    const value = parsed.values[name] ?? (option.env ? env[option.env] : undefined);
    if (typeof value === 'string' && value !== '') settings[name] = value;
  }
  return settings;
}

/** A whole number from a setting, or a clear error naming the flag. */
export function integerSetting(settings: Settings, name: Exclude<OptionName, Flag>, min: number): number | undefined {
  const text = settings[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigurationError(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(text)}`);
  return value;
}

const CHDB_PREFIX = 'chdb:';

/** chdb is optional: an embedded ClickHouse engine, for trying the ClickHouse store without a server. */
function chdbClient(path: string): ClickHouseClient {
  let connection: { createChdbConnection: (options: { path: string }) => unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- chdb is optional: loaded only for a chdb: URL, and its absence is reported
    connection = require('chdb/connection') as typeof connection;
  } catch {
    throw new ConfigurationError('a chdb: URL needs the chdb package: npm install chdb');
  }
  return createClient({ connection: connection.createChdbConnection({ path }) } as Parameters<typeof createClient>[0]);
}

function clickhouseFrom(settings: Settings): ClickHouseStore {
  const retention = integerSetting(settings, 'retention-days', 1);
  const common = {
    database: settings['clickhouse-database'],
    retentionDays:
      retention === undefined ? undefined : Object.fromEntries(SIGNALS.map((signal) => [signal, retention])),
  };
  const url = settings['clickhouse-url'] ?? 'http://localhost:8123';
  if (url.startsWith(CHDB_PREFIX))
    return new ClickHouseStore({ ...common, client: chdbClient(url.slice(CHDB_PREFIX.length) || ':memory:') });
  return new ClickHouseStore({
    ...common,
    url,
    username: settings['clickhouse-user'],
    password: settings['clickhouse-password'],
  });
}

/**
 * The store the settings name, not yet initialised. `readOnly` opens a DuckDB file for reading only,
 * and requires it to exist.
 */
export function storeFrom(settings: Settings, { readOnly = false } = {}): ObservabilityStore {
  const kind = settings.store ?? (settings['clickhouse-url'] ? 'clickhouse' : 'duckdb');
  if (kind === 'duckdb') {
    const path = settings['duckdb-path'] ?? 'otel-bridge.duckdb';
    if (readOnly && !existsSync(path))
      throw new ConfigurationError(
        `--duckdb-path: no DuckDB file ${JSON.stringify(path)}; view opens a file that serve or an app wrote`,
      );
    return new DuckDBStore({ path, readOnly });
  }
  if (kind === 'clickhouse') return clickhouseFrom(settings);
  throw new ConfigurationError(`--store must be duckdb or clickhouse, got ${JSON.stringify(kind)}`);
}

/** Where the store is, for people. */
export function describeStore(store: ObservabilityStore, settings: Settings): string {
  return store.kind === 'duckdb'
    ? `duckdb ${settings['duckdb-path'] ?? 'otel-bridge.duckdb'}`
    : `clickhouse ${settings['clickhouse-url'] ?? 'http://localhost:8123'}`;
}

export function helpText(): string {
  const lines = Object.entries(OPTIONS).map(([name, option]) => {
    const env = option.env ? ` [${option.env}]` : '';
    return `  --${name.padEnd(20)} ${option.help}${env}`;
  });
  return [
    'usage: otel-bridge <command> [options]',
    '',
    'commands:',
    '  serve                    receive OTLP/HTTP (protobuf and JSON) and OTLP/gRPC, and store it; serve the HTTP API and the viewer',
    '  view                     serve the viewer and a read-only API over a store, without ingest (a DuckDB file read-only)',
    '  query <what>             show stored traces | logs | scores | feedback | metrics',
    '  score                    record a score through a running server (--trace, --scorer, --value)',
    '  feedback                 record feedback through a running server (--trace, --feedback-type, --value)',
    '',
    'options (flag, or the environment variable in brackets):',
    ...lines,
  ].join('\n');
}
