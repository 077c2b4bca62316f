import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ConfigurationError } from '../errors';
import { wholeNumberSetting } from '../options';
import { LIMIT_DEFAULTS, type RecordLimits } from '../pipeline/limits';
import { parsePriceOverrides, type PriceOverride } from '../pipeline/pricing';
import { PIPELINE_DEFAULTS } from '../pipeline/store-pipeline';
import { HTTP_LIMITS } from '../receiver/http/server';
import { inFlightBytesFor } from '../receiver/memory';
import { OTLP_GRPC_PORT, RECEIVER_DEFAULTS } from '../receiver/server';
import type { StoreFactory, StoreOption, StoreSettings } from '../storage/factory';
import { MAX_ATTRIBUTE_DEPTH } from '../records/attribute-check';
import { STORE_FACTORIES, type StoreOptionName } from '../storage/registry';
import { SPEND_GROUP_BYS, TRACE_ORDER_BYS, type ObservabilityStore } from '../storage/types';

const MiB = 1024 * 1024;
/** `serve`'s memory limit, from which its bytes in flight are derived. */
const MEMORY_LIMIT_MB = 512;

/** A flag, its environment variable, its help, and the default shown there. */
interface OptionSpec extends StoreOption {
  type: 'string' | 'boolean';
  short?: string;
}

const [DEFAULT_FACTORY] = STORE_FACTORIES;

/** `a, b or c`. */
const oneOf = (words: readonly string[]): string =>
  words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)!}`;

/** `duckdb (default), clickhouse (default when --clickhouse-url is set) or memory`: every registered store. */
function storeChoices(): string {
  return oneOf(
    STORE_FACTORIES.map((factory: StoreFactory) => {
      if (factory === DEFAULT_FACTORY) return `${factory.kind} (default)`;
      return factory.impliedBy ? `${factory.kind} (default when --${factory.impliedBy} is set)` : factory.kind;
    }),
  );
}

/** Every registered store's options, in the order of the registry. */
const STORE_OPTIONS = Object.fromEntries(
  STORE_FACTORIES.flatMap((factory: StoreFactory) =>
    Object.entries(factory.options).map(([name, option]) => [name, { type: 'string', ...option }]),
  ),
) as Record<StoreOptionName, OptionSpec>;

/**
 * The record limits' flags and the limit each sets, named after the OpenTelemetry SDK's
 * environment variables; the defaults are the pipeline's.
 */
const LIMIT_FLAGS = {
  'attribute-count-limit': 'attributeCountLimit',
  'attribute-value-length-limit': 'attributeValueLengthLimit',
  'span-event-count-limit': 'eventCountLimit',
  'span-link-count-limit': 'linkCountLimit',
  'event-attribute-count-limit': 'attributePerEventCountLimit',
  'link-attribute-count-limit': 'attributePerLinkCountLimit',
  'attribute-depth-limit': 'attributeDepthLimit',
} as const satisfies Record<string, keyof RecordLimits>;
type LimitFlag = keyof typeof LIMIT_FLAGS;

const LIMIT_HELP: Record<LimitFlag, Pick<OptionSpec, 'env' | 'help'>> = {
  'attribute-count-limit': { env: 'OTEL_ATTRIBUTE_COUNT_LIMIT', help: 'attributes kept per span, log and point' },
  'attribute-value-length-limit': {
    env: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    help: 'characters kept of an attribute value',
  },
  'span-event-count-limit': { env: 'OTEL_SPAN_EVENT_COUNT_LIMIT', help: 'events kept per span, the latest' },
  'span-link-count-limit': { env: 'OTEL_SPAN_LINK_COUNT_LIMIT', help: 'links kept per span' },
  'event-attribute-count-limit': { env: 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', help: 'attributes kept per span event' },
  'link-attribute-count-limit': { env: 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', help: 'attributes kept per span link' },
  'attribute-depth-limit': {
    env: 'OTEL_BRIDGE_ATTRIBUTE_DEPTH_LIMIT',
    help: `nesting levels kept in an attribute value, at most ${MAX_ATTRIBUTE_DEPTH}`,
  },
};

const LIMIT_OPTIONS = Object.fromEntries(
  (Object.entries(LIMIT_FLAGS) as [LimitFlag, keyof RecordLimits][]).map(([flag, limit]) => [
    flag,
    { type: 'string', ...LIMIT_HELP[flag], default: LIMIT_DEFAULTS[limit] },
  ]),
) as Record<LimitFlag, OptionSpec>;

/**
 * Command-line settings. Every flag has an environment variable, so that a container can be
 * configured without arguments; a flag wins over its variable. Each default is written once, beside
 * its option (a store's in its factory, the receiver's and the pipeline's in theirs), and the help
 * shows it from there.
 */
export const OPTIONS = {
  store: { type: 'string', env: 'OTEL_BRIDGE_STORE', help: storeChoices() },
  ...STORE_OPTIONS,
  host: { type: 'string', env: 'OTEL_BRIDGE_HOST', help: 'address to listen on', default: RECEIVER_DEFAULTS.host },
  port: {
    type: 'string',
    env: 'OTEL_BRIDGE_PORT',
    help: 'OTLP/HTTP port to listen on',
    default: RECEIVER_DEFAULTS.port,
  },
  'grpc-port': {
    type: 'string',
    env: 'OTEL_BRIDGE_GRPC_PORT',
    help: 'OTLP/gRPC port to listen on (0 turns gRPC off)',
    default: OTLP_GRPC_PORT,
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
  'allow-unauthenticated': {
    type: 'boolean',
    env: 'OTEL_BRIDGE_ALLOW_UNAUTHENTICATED',
    help: 'serve, view: listen on a --host other machines reach (0.0.0.0, a LAN address) without --token',
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
  'max-body-mb': {
    type: 'string',
    env: 'OTEL_BRIDGE_MAX_BODY_MB',
    help: 'largest request body in MiB',
    default: RECEIVER_DEFAULTS.maxBodyBytes / MiB,
  },
  'max-in-flight-mb': {
    type: 'string',
    env: 'OTEL_BRIDGE_MAX_IN_FLIGHT_MB',
    help:
      'request MiB processed at once before 429; the default is what --memory-limit-mb affords (1/40 of it), at ' +
      'least --max-body-mb',
    default: inFlightBytesFor(MEMORY_LIMIT_MB * MiB, RECEIVER_DEFAULTS.maxBodyBytes) / MiB,
  },
  'header-timeout-s': {
    type: 'string',
    env: 'OTEL_BRIDGE_HEADER_TIMEOUT_S',
    help: 'HTTP: seconds for a request to send its headers before 408 and a closed connection',
    default: HTTP_LIMITS.headerTimeoutMs / 1000,
  },
  'request-timeout-s': {
    type: 'string',
    env: 'OTEL_BRIDGE_REQUEST_TIMEOUT_S',
    help: 'HTTP: seconds for a request to send headers and body before 408 and a closed connection',
    default: HTTP_LIMITS.requestTimeoutMs / 1000,
  },
  'idle-timeout-s': {
    type: 'string',
    env: 'OTEL_BRIDGE_IDLE_TIMEOUT_S',
    help: 'HTTP: seconds a keep-alive connection may wait for its next request',
    default: HTTP_LIMITS.idleTimeoutMs / 1000,
  },
  'max-connections': {
    type: 'string',
    env: 'OTEL_BRIDGE_MAX_CONNECTIONS',
    help: 'connections open at once, per transport (HTTP, gRPC); more are closed on arrival',
    default: HTTP_LIMITS.maxConnections,
  },
  // The serve process is ours alone, so it gets a whole-process memory limit.
  'memory-limit-mb': {
    type: 'string',
    env: 'OTEL_BRIDGE_MEMORY_LIMIT_MB',
    help:
      'resident MiB to stay under: requests get 503 above 80% of it, or above it less 8 × --max-in-flight-mb if ' +
      'lower',
    default: MEMORY_LIMIT_MB,
  },
  'max-buffer': {
    type: 'string',
    env: 'OTEL_BRIDGE_MAX_BUFFER',
    help: 'records queued per signal before 429',
    default: PIPELINE_DEFAULTS.maxBufferSize,
  },
  'max-batch': {
    type: 'string',
    env: 'OTEL_BRIDGE_MAX_BATCH',
    help: 'records per store write',
    default: PIPELINE_DEFAULTS.maxBatchSize,
  },
  ...LIMIT_OPTIONS,
  prices: {
    type: 'string',
    env: 'OTEL_BRIDGE_PRICES',
    help: 'JSON or YAML file of model prices that win over the built-in ones',
  },
  limit: { type: 'string', env: 'OTEL_BRIDGE_LIMIT', help: 'rows to show in query', default: 20 },
  trace: { type: 'string', env: 'OTEL_BRIDGE_TRACE', help: 'query: one trace id' },
  service: { type: 'string', env: 'OTEL_BRIDGE_SERVICE', help: 'query: one service name' },
  'name-contains': { type: 'string', env: '', help: "query traces: text in the root span's name, any case" },
  'min-cost': { type: 'string', env: '', help: 'query traces: only those that cost at least this many USD' },
  'any-error': { type: 'boolean', env: '', help: 'query traces: only those with an error in any span' },
  'order-by': {
    type: 'string',
    env: '',
    help: `query traces: sort by ${TRACE_ORDER_BYS.join(' | ')}, largest first`,
  },
  json: { type: 'boolean', env: '', help: "query: print the API's JSON instead of a table" },
  from: {
    type: 'string',
    env: '',
    help: 'query spend: since when, RFC 3339, nanoseconds, or a duration ago (24h)',
    default: '24h',
  },
  to: { type: 'string', env: '', help: 'query spend: until when (default: now)' },
  bucket: { type: 'string', env: '', help: 'query spend: the time bucket (1h, 15m, 1d)', default: '1h' },
  'group-by': { type: 'string', env: '', help: `query spend: one series per ${SPEND_GROUP_BYS.join(' | ')}` },
  model: { type: 'string', env: '', help: 'query spend: one model' },
  provider: { type: 'string', env: '', help: 'query spend: one provider' },
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
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
/** The flags that take no value. */
type Flag = 'help' | 'json' | 'allow-unauthenticated';
export type Settings = Partial<Record<Exclude<OptionName, Flag>, string>> &
  Partial<Record<Flag, boolean>> & {
    help: boolean;
    json: boolean;
    positionals: string[];
  };

/** A flag's environment variable: `true` or `1` sets it; unset, empty, `false` or `0` does not. */
function booleanFromEnv(name: string, env: NodeJS.ProcessEnv): boolean {
  const text = name === '' ? undefined : env[name]?.trim().toLowerCase();
  if (text === undefined || text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw new ConfigurationError(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
}

export function parseSettings(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const config: ParseArgsConfig = {
    args: argv,
    allowPositionals: true,
    strict: true,
    options: Object.fromEntries(
      Object.entries(OPTIONS).map(([name, option]: [string, OptionSpec]) => [
        name,
        option.short === undefined ? { type: option.type } : { type: option.type, short: option.short },
      ]),
    ),
  };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    throw new ConfigurationError(error instanceof Error ? error.message : String(error));
  }
  const settings: Settings = { help: false, json: false, positionals: parsed.positionals };
  for (const [name, option] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    if (option.type === 'boolean') {
      settings[name as Flag] = parsed.values[name] === true || booleanFromEnv(option.env, env);
      continue;
    }
    const value = parsed.values[name] ?? (option.env ? env[option.env] : undefined);
    if (typeof value === 'string' && value !== '') settings[name as Exclude<OptionName, Flag>] = value;
  }
  return settings;
}

/** The record limits the settings give. */
export function limitsFrom(settings: Settings): Partial<RecordLimits> {
  return Object.fromEntries(
    Object.entries(LIMIT_FLAGS).map(([flag, limit]) => [limit, wholeNumberSetting(settings, flag as LimitFlag, 1)]),
  );
}

/**
 * The price overrides of `--prices`: a file with a `prices` list, in YAML or JSON (YAML reads
 * both), each `{ model, provider?, input, output, cachedInput?, cacheWrite?, reasoning? }` in USD per
 * million tokens.
 */
export function pricesFrom(settings: Settings): PriceOverride[] | undefined {
  const path = settings.prices;
  if (path === undefined) return undefined;
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`--prices ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const prices =
    document !== null && typeof document === 'object' ? (document as { prices?: unknown }).prices : undefined;
  if (prices === undefined) throw new ConfigurationError(`--prices ${path}: expected a "prices" list at the top`);
  return parsePriceOverrides(prices, `--prices ${path}: prices`);
}

/** The factory of the store the settings name: `--store`, else the one a set option implies, else the default. */
function factoryFor(settings: Settings): StoreFactory {
  const factories: readonly StoreFactory[] = STORE_FACTORIES;
  const kind =
    settings.store ??
    factories.find((factory) => factory.impliedBy !== undefined && settings[factory.impliedBy as OptionName])?.kind ??
    DEFAULT_FACTORY.kind;
  const factory = factories.find((candidate) => candidate.kind === kind);
  if (!factory) {
    const kinds = oneOf(factories.map((candidate) => candidate.kind));
    throw new ConfigurationError(`--store must be ${kinds}, got ${JSON.stringify(kind)}`);
  }
  return factory;
}

/** The settings of the stores' options alone. */
function storeSettings(settings: Settings): StoreSettings<StoreOptionName> {
  const names = Object.keys(STORE_OPTIONS) as StoreOptionName[];
  return Object.fromEntries(names.filter((name) => settings[name] !== undefined).map((name) => [name, settings[name]]));
}

/** The store the settings name, not yet initialised. */
export function storeFrom(settings: Settings): ObservabilityStore {
  return factoryFor(settings).create(storeSettings(settings));
}

/**
 * The store the settings name, opened over the data it already holds, for reading only (`view`); a
 * `ConfigurationError` for a store that keeps nothing between runs.
 */
export function existingStoreFrom(settings: Settings): ObservabilityStore {
  const factory = factoryFor(settings);
  if (!factory.openExisting) {
    const kinds = oneOf(
      STORE_FACTORIES.filter((candidate) => candidate.openExisting !== undefined).map((candidate) => candidate.kind),
    );
    throw new ConfigurationError(`--store ${factory.kind} keeps nothing to view; view reads ${kinds}`);
  }
  return factory.openExisting(storeSettings(settings));
}

/** Where the store that the settings name keeps its data, for people. */
export function describeStore(settings: Settings): string {
  return factoryFor(settings).describe(storeSettings(settings));
}

export function helpText(): string {
  const lines = Object.entries(OPTIONS).map(([name, option]: [string, OptionSpec]) => {
    const shown = option.default === undefined ? '' : ` (default ${JSON.stringify(option.default)})`;
    const env = option.env ? ` [${option.env}]` : '';
    return `  --${name.padEnd(20)} ${option.help}${shown}${env}`;
  });
  return [
    'usage: otel-bridge <command> [options]',
    '',
    'commands:',
    '  serve                    receive OTLP/HTTP (protobuf and JSON) and OTLP/gRPC, and store it; serve the ' +
      'HTTP API and the viewer',
    '  view                     serve the viewer and a read-only API over a store, without ingest (a DuckDB ' +
      'file read-only)',
    '  query <what>             show stored traces | logs | scores | feedback | metrics | spend',
    '  score                    record a score through a running server (--trace, --scorer, --value)',
    '  feedback                 record feedback through a running server (--trace, --feedback-type, --value)',
    '',
    'options (flag, or the environment variable in brackets):',
    ...lines,
  ].join('\n');
}
