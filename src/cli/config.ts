import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { ConfigurationError } from '../errors';
import { LIMIT_DEFAULTS, type RecordLimits } from '../pipeline/limits';
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
  port: { type: 'string', env: 'OTEL_BRIDGE_PORT', help: 'port to listen on (default 4318)' },
  token: { type: 'string', env: 'OTEL_BRIDGE_TOKEN', help: 'require Authorization: Bearer <token>' },
  'cors-origin': {
    type: 'string',
    env: 'OTEL_BRIDGE_CORS_ORIGINS',
    help: 'comma-separated origins browsers may send from, or *',
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
  'attribute-count-limit': {
    type: 'string',
    env: 'OTEL_ATTRIBUTE_COUNT_LIMIT',
    help: `attributes kept per span, log and point (default ${LIMIT_DEFAULTS.attributeCountLimit})`,
  },
  'attribute-value-length-limit': {
    type: 'string',
    env: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    help: `characters kept of an attribute value (default ${LIMIT_DEFAULTS.attributeValueLengthLimit})`,
  },
  'span-event-count-limit': {
    type: 'string',
    env: 'OTEL_SPAN_EVENT_COUNT_LIMIT',
    help: `events kept per span, the latest (default ${LIMIT_DEFAULTS.eventCountLimit})`,
  },
  'span-link-count-limit': {
    type: 'string',
    env: 'OTEL_SPAN_LINK_COUNT_LIMIT',
    help: `links kept per span (default ${LIMIT_DEFAULTS.linkCountLimit})`,
  },
  'event-attribute-count-limit': {
    type: 'string',
    env: 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT',
    help: `attributes kept per span event (default ${LIMIT_DEFAULTS.attributePerEventCountLimit})`,
  },
  'link-attribute-count-limit': {
    type: 'string',
    env: 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT',
    help: `attributes kept per span link (default ${LIMIT_DEFAULTS.attributePerLinkCountLimit})`,
  },
  'attribute-depth-limit': {
    type: 'string',
    env: 'OTEL_BRIDGE_ATTRIBUTE_DEPTH_LIMIT',
    help: `nesting levels kept in an attribute value (default ${LIMIT_DEFAULTS.attributeDepthLimit}, at most 64)`,
  },
  limit: { type: 'string', env: 'OTEL_BRIDGE_LIMIT', help: 'rows to show in query (default 20)' },
  trace: { type: 'string', env: 'OTEL_BRIDGE_TRACE', help: 'query: one trace id' },
  service: { type: 'string', env: 'OTEL_BRIDGE_SERVICE', help: 'query: one service name' },
  help: { type: 'boolean', short: 'h', env: '', help: 'show this help' },
} as const;

export type OptionName = keyof typeof OPTIONS;
export type Settings = Partial<Record<Exclude<OptionName, 'help'>, string>> & { help: boolean; positionals: string[] };

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
  const settings: Settings = { help: parsed.values.help === true, positionals: parsed.positionals };
  for (const [name, option] of Object.entries(OPTIONS) as [OptionName, (typeof OPTIONS)[OptionName]][]) {
    if (name === 'help') continue;
    const value = parsed.values[name] ?? (option.env ? env[option.env] : undefined);
    if (typeof value === 'string' && value !== '') settings[name] = value;
  }
  return settings;
}

/** A whole number from a setting, or a clear error naming the flag. */
export function integerSetting(settings: Settings, name: Exclude<OptionName, 'help'>, min: number): number | undefined {
  const text = settings[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigurationError(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(text)}`);
  return value;
}

/** The record limits' flags, named after the OpenTelemetry SDK's environment variables. */
const LIMIT_FLAGS = {
  'attribute-count-limit': 'attributeCountLimit',
  'attribute-value-length-limit': 'attributeValueLengthLimit',
  'span-event-count-limit': 'eventCountLimit',
  'span-link-count-limit': 'linkCountLimit',
  'event-attribute-count-limit': 'attributePerEventCountLimit',
  'link-attribute-count-limit': 'attributePerLinkCountLimit',
  'attribute-depth-limit': 'attributeDepthLimit',
} as const satisfies Partial<Record<OptionName, keyof RecordLimits>>;

/** The record limits the settings give. */
export function limitsFrom(settings: Settings): Partial<RecordLimits> {
  return Object.fromEntries(
    Object.entries(LIMIT_FLAGS).map(([flag, limit]) => [
      limit,
      integerSetting(settings, flag as keyof typeof LIMIT_FLAGS, 1),
    ]),
  );
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

/** The store the settings name, not yet initialised. */
export function storeFrom(settings: Settings): ObservabilityStore {
  const kind = settings.store ?? (settings['clickhouse-url'] ? 'clickhouse' : 'duckdb');
  if (kind === 'duckdb') return new DuckDBStore({ path: settings['duckdb-path'] ?? 'otel-bridge.duckdb' });
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
    '  serve                    receive OTLP/HTTP (protobuf and JSON) and store it',
    '  query <what>             show stored traces | logs | scores | feedback | metrics',
    '',
    'options (flag, or the environment variable in brackets):',
    ...lines,
  ].join('\n');
}
