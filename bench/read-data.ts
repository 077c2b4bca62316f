import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { CLICKHOUSE_DEFAULTS, ClickHouseStore, DuckDBStore, type ObservabilityStore } from '../src';
import { CONTEXT_FIELDS, type RecordOf } from '../src/records/types';
import {
  COLUMNS,
  TABLE_NAMES,
  decodeRow,
  snakeCase,
  type Cell,
  type Column,
  type ColumnType,
} from '../src/storage/columns';
import { physicalName } from '../src/storage/duckdb/schema';
import { chunk } from './measure';

/**
 * Issue 10's read data, computed in SQL from row numbers with seeded hashes, so that 10 million
 * spans load in minutes instead of the hour the write path takes here.
 *
 * - Spans: ~5 per trace (1–8, and 1% of traces with 50), 24 services, 20k users, 200k sessions,
 *   10% agent traces (an agent_run root, model_generation children with model, tokens and costs,
 *   tool_call children), 2% of traces failing at the root, over 7 days. 0.5% of traces lose their
 *   root span. Rows come in the order a collector delivers them (span end plus an export delay of
 *   up to 2 s), cut in 2000-span batches, and 0.1% of the batches are written twice.
 * - Logs: one per spans/10, spread over the same 7 days, each message with one of
 *   {@link LOG_WORDS} to search for, 2% of them with "timeout".
 * - Metric points: 5 names × 20 series (one per host), at an interval that makes spans/10 points over
 *   the 7 days (every minute at 10M spans).
 *
 * `sql` mode inserts straight into the store's span, log and metric tables (DuckDB: `INSERT …
 * SELECT … FROM range(n)`; chdb: the same rows through a Parquet file), then lets the store build
 * what it derives from spans (the trace side tables) when it opens: the DuckDB side tables are
 * dropped so that the store's backfill refills them; ClickHouse fills them with its materialized
 * views as the rows arrive. `write` mode sends the same rows, decoded into records, through
 * `batchCreateSpans` and the other batch writes in 2000-record batches, as a collector would.
 */

/** Epoch of the data: the 7 days start here. Fixed, so that a cached store stays valid. */
export const DATA_START_NS = 1_795_000_000_000_000_000n; // 2026-11-18
const DAY_NS = 86_400_000_000_000n;
export const DATA_DAYS = 7;
export const DATA_END_NS = DATA_START_NS + BigInt(DATA_DAYS) * DAY_NS;
const BATCH = 2000;
/** Mean spans per trace of the size distribution below: 1% × 50 + 99% × mean(1..8). */
const MEAN_TRACE_SIZE = 0.01 * 50 + 0.99 * 4.5;
export const SERVICES = 24;
const USERS = 20_000;
const SESSIONS = 200_000;
export const METRIC_NAMES = [
  'http.server.active_requests',
  'process.cpu.utilization',
  'queue.depth',
  'http.server.requests',
  'db.client.connections.usage',
];
const SERIES_PER_NAME = 20;
/** Words that log messages carry, one each; a search for one matches about 1 in 40 logs. */
export const LOG_WORDS = [
  'order',
  'invoice',
  'refund',
  'payment',
  'shipment',
  'cart',
  'inventory',
  'coupon',
  'account',
  'profile',
  'session',
  'login',
  'logout',
  'password',
  'search',
  'catalog',
  'review',
  'rating',
  'wishlist',
  'checkout',
  'address',
  'delivery',
  'return',
  'exchange',
  'subscription',
  'renewal',
  'discount',
  'voucher',
  'warehouse',
  'supplier',
  'tracking',
  'notification',
  'email',
  'sms',
  'webhook',
  'export',
  'import',
  'report',
  'audit',
  'quota',
];

export type LoadMode = 'sql' | 'write';
export type BenchStore = 'duckdb' | 'chdb';

/** How many rows of each signal a size makes. */
export interface DataSize {
  spans: number;
  logs: number;
  metricPoints: number;
}

export function dataSize(spans: number): DataSize {
  return { spans, logs: Math.round(spans / 10), metricPoints: Math.round(spans / 10) };
}

/** What the reads need to vary their parameters, read from the generated data. */
export interface DataFacts {
  size: DataSize;
  /** Rows stored per signal, duplicates included. */
  stored: { spans: number; logs: number; metrics: number };
  traces: number;
  /** Traces of 50 spans with their root. */
  fiftySpanTraces: string[];
  /** Users and sessions of some stored roots. */
  users: string[];
  sessions: string[];
  services: string[];
  loadSeconds: number;
  mode: LoadMode;
}

/** A seeded hash of SQL values as a non-negative BIGINT, for choices by modulo. */
const seededHash =
  (seed: number) =>
  (...parts: string[]) =>
    `(hash(${seed}, ${parts.join(', ')}) >> 2)::BIGINT`;
const hex16 = (expression: string) => `format('{:016x}', ${expression})`;
/** A trace's id from its number: 32 hex digits. */
const traceIdSql = (seed: number, trace: string) =>
  `format('{:016x}{:016x}', hash(${seed}, 'trace', ${trace}), hash(${seed}, 'trace2', ${trace}))`;
/** A span's id from its trace's number and its own: 16 hex digits. */
const spanIdSql = (seed: number, trace: string, span: string) => hex16(`hash(${seed}, 'span', ${trace}, ${span})`);
const pick = (values: readonly string[], index: string) =>
  `[${values.map((value) => `'${value}'`).join(', ')}][1 + (${index}) % ${values.length}]`;

/** The SQL of one signal's rows: the FROM part, and an expression per model column by its model name. */
interface Generator {
  from: string;
  columns: Record<string, string>;
  /** Extra output columns, not stored, that `write` mode uses to cut the batches. */
  batchKey?: string;
}

function contextNulls(set: Partial<Record<(typeof CONTEXT_FIELDS)[number], string>>): Record<string, string> {
  return Object.fromEntries(CONTEXT_FIELDS.map((field) => [snakeCase(field), set[field] ?? 'NULL']));
}

const SERVICE = (index: string) => `format('service-{:02d}', (${index}) % ${SERVICES})`;
const RESOURCE = (service: string, host: string) =>
  `'{"attributes":{"service.name":"' || ${service} || '","host.name":"' || ${host} || ` +
  `'"},"droppedAttributesCount":0,"schemaUrl":""}'`;
const EMPTY_DETAILS = `'{"attributes":{},"droppedAttributesCount":0,"schemaUrl":""}'`;

function spanGenerator(seed: number, spans: number): Generator {
  const h = seededHash(seed);
  const traceCount = Math.ceil(spans / MEAN_TRACE_SIZE);
  const step = (BigInt(DATA_DAYS) * DAY_NS) / BigInt(traceCount);
  // Narrow rows first, in delivery order (see the temp table in loadDuckDb), the wide columns after.
  const from = `(SELECT t, s, size, copy, batch FROM span_order)`;
  const agent = `(${h("'agent'", 't')} % 10 = 0)`;
  const failed = `(${h("'fail'", 't')} % 50 = 0 AND (s = 0 OR s = size - 1))`;
  const model = `(${agent} AND s % 2 = 1)`;
  const unit = `(CASE WHEN ${agent} THEN 200000000 ELSE 2000000 END)`;
  const traceStart = `(${DATA_START_NS} + t * ${step} + ${h("'jitter'", 't')} % ${step})`;
  const start = `(${traceStart} + CASE WHEN s = 0 THEN 0 ELSE s * ${unit} + ${h("'offset'", 't', 's')} % (${unit} // 2) END)`;
  const duration = `(CASE WHEN s = 0 THEN (size + 1) * ${unit} ELSE ${unit} // 2 + ${h("'duration'", 't', 's')} % (${unit} // 2) END)`;
  const service = SERVICE(`${h("'service'", 't')} + CASE WHEN s = 0 THEN 0 ELSE ${h("'hop'", 't', 's')} % 3 END`);
  const inputTokens = `(200 + ${h("'in'", 't', 's')} % 2000)`;
  const outputTokens = `(50 + ${h("'out'", 't', 's')} % 500)`;
  const route = pick(
    ['/api/orders', '/api/users/:id', '/api/cart', '/api/search', '/api/checkout', '/api/items/:id'],
    h("'route'", 't'),
  );
  const method = pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'], h("'method'", 't'));
  const question = `'Where is my order ' || (${h("'q'", 't')} % 100000) || '? It was due ' || (${h("'d'", 't')} % 28 + 1) || ' days ago and the tracking page shows nothing.'`;
  return {
    from,
    batchKey: 'batch * 2 + copy',
    columns: {
      trace_id: traceIdSql(seed, 't'),
      span_id: spanIdSql(seed, 't', 's'),
      parent_span_id: `CASE WHEN s = 0 THEN NULL ELSE ${spanIdSql(seed, 't', '(s - 1) // 2')} END`,
      trace_state: "''",
      flags: '1',
      name: `CASE WHEN ${agent} THEN (CASE WHEN s = 0 THEN 'invoke_agent support-bot' WHEN s % 2 = 1 THEN 'chat gpt-4o-mini' ELSE 'execute_tool lookup_order' END)
        ELSE (CASE WHEN s = 0 THEN ${method} || ' ' || ${route} WHEN s % 3 = 1 THEN 'SELECT orders' ELSE 'GET' END) END`,
      kind: `CASE WHEN s = 0 THEN 'server' WHEN ${agent} THEN 'internal' ELSE 'client' END`,
      span_type: `CASE WHEN NOT ${agent} THEN 'generic' WHEN s = 0 THEN 'agent_run' WHEN s % 2 = 1 THEN 'model_generation' ELSE 'tool_call' END`,
      start_time: start,
      end_time: `(${start} + ${duration})`,
      duration_nano: duration,
      running: 'false',
      origin: "'otel'",
      status_code: `CASE WHEN ${failed} THEN 'error' ELSE 'unset' END`,
      status_message: `CASE WHEN ${failed} THEN 'upstream timeout' ELSE '' END`,
      error: `CASE WHEN ${failed} THEN '{"message":"upstream timeout","type":"TimeoutError","stack":null}' ELSE NULL END`,
      service_name: service,
      resource: RESOURCE(service, `'host-' || (${h("'host'", 't', 's')} % 40)`),
      scope_name: `CASE WHEN ${agent} THEN 'support-bot' ELSE '@opentelemetry/instrumentation-http' END`,
      scope_version: "'0.223.0'",
      scope: EMPTY_DETAILS,
      attributes: `CASE WHEN ${agent} THEN '{"gen_ai.operation.name":"chat"}'
        ELSE '{"http.request.method":"' || ${method} || '","http.route":"' || ${route} || '","http.response.status_code":' || (CASE WHEN ${failed} THEN 504 ELSE 200 END) || ',"url.path":"/api/x/' || (${h("'path'", 't', 's')} % 100000) || '"}' END`,
      dropped_attributes_count: '0',
      events: "'[]'",
      dropped_events_count: '0',
      links: "'[]'",
      dropped_links_count: '0',
      ...contextNulls({
        entityType: `CASE WHEN ${agent} AND s = 0 THEN 'agent' ELSE NULL END`,
        entityId: `CASE WHEN ${agent} AND s = 0 THEN 'support-bot' ELSE NULL END`,
        entityName: `CASE WHEN ${agent} AND s = 0 THEN 'Support bot' ELSE NULL END`,
        userId: `'user-' || (${h("'user'", 't')} % ${USERS})`,
        sessionId: `'session-' || (${h("'session'", 't')} % ${SESSIONS})`,
        environment: "'production'",
      }),
      tags: `CASE WHEN ${agent} AND s = 0 THEN ['agent'] ELSE NULL END`,
      metadata: "'{}'",
      model: `CASE WHEN ${model} THEN 'gpt-4o-mini' ELSE NULL END`,
      provider: `CASE WHEN ${model} THEN 'openai' ELSE NULL END`,
      input_tokens: `CASE WHEN ${model} THEN ${inputTokens} ELSE NULL END`,
      output_tokens: `CASE WHEN ${model} THEN ${outputTokens} ELSE NULL END`,
      total_tokens: `CASE WHEN ${model} THEN ${inputTokens} + ${outputTokens} ELSE NULL END`,
      cached_input_tokens: 'NULL',
      cache_write_tokens: 'NULL',
      reasoning_tokens: 'NULL',
      usage_includes_children: 'false',
      input_cost: `CASE WHEN ${model} THEN ${inputTokens} * 0.00000015 ELSE NULL END`,
      output_cost: `CASE WHEN ${model} THEN ${outputTokens} * 0.0000006 ELSE NULL END`,
      total_cost: `CASE WHEN ${model} THEN ${inputTokens} * 0.00000015 + ${outputTokens} * 0.0000006 ELSE NULL END`,
      cost_source: `CASE WHEN ${model} THEN '@pydantic/genai-prices@0.1.8' ELSE NULL END`,
      input: `CASE WHEN ${agent} AND s = 0 THEN to_json(${question})::VARCHAR ELSE NULL END`,
      output: `CASE WHEN ${agent} AND s = 0 THEN '"Your order is on its way."' ELSE NULL END`,
    },
  };
}

/**
 * The spans' narrow rows (trace, span index, size, copy, batch) in delivery order. Each trace's size
 * and first row come from a running sum, so exactly `spans` span numbers are made; then roots are
 * dropped and batches copied.
 */
function spanOrderSql(seed: number, spans: number): string {
  const h = seededHash(seed);
  const traceCount = Math.ceil(spans / MEAN_TRACE_SIZE) * 2; // enough: the running sum stops at `spans`
  const step = (BigInt(DATA_DAYS) * DAY_NS) / BigInt(Math.ceil(spans / MEAN_TRACE_SIZE));
  const agentUnit = `(CASE WHEN ${h("'agent'", 't')} % 10 = 0 THEN 200000000 ELSE 2000000 END)`;
  return `CREATE TEMP TABLE span_order AS
WITH sized AS (
  SELECT range AS t, (CASE WHEN ${h("'big'", 'range')} % 100 = 0 THEN 50 ELSE 1 + ${h("'size'", 'range')} % 8 END)::BIGINT AS size
  FROM range(${traceCount})
), traces AS (
  SELECT t, size, (sum(size) OVER (ORDER BY t ROWS UNBOUNDED PRECEDING) - size)::BIGINT AS first FROM sized
), numbered AS (
  SELECT t, least(size, ${spans} - first) AS size, unnest(range(least(size, ${spans} - first))) AS s
  FROM traces WHERE first < ${spans}
), delivered AS (
  SELECT t, s, size, row_number() OVER (ORDER BY
    t * ${step} + s * ${agentUnit} + (CASE WHEN s = 0 THEN (size + 1) * ${agentUnit} ELSE ${agentUnit} END)
      + ${h("'delay'", 't', 's')} % 2000000000, t, s) - 1 AS position
  FROM numbered WHERE NOT (s = 0 AND ${h("'rootless'", 't')} % 200 = 0)
), batched AS (
  SELECT t, s, size, position, position // ${BATCH} AS batch FROM delivered
)
SELECT t, s, size, batch, unnest(CASE WHEN ${h("'twice'", 'batch')} % 1000 = 0 THEN [0, 1] ELSE [0] END) AS copy
FROM batched ORDER BY batch, copy, position`;
}

function logGenerator(seed: number, logs: number, traces: number): Generator {
  const h = seededHash(seed);
  const step = (BigInt(DATA_DAYS) * DAY_NS) / BigInt(logs);
  const levelRoll = `(${h("'level'", 'range')} % 1000)`;
  const level = `CASE WHEN ${levelRoll} < 100 THEN 'debug' WHEN ${levelRoll} < 850 THEN 'info' WHEN ${levelRoll} < 950 THEN 'warn' WHEN ${levelRoll} < 995 THEN 'error' ELSE 'fatal' END`;
  const word = pick(LOG_WORDS, h("'word'", 'range'));
  const timeout = `(${h("'timeout'", 'range')} % 50 = 0)`;
  const message = `(${pick(['handled', 'queued', 'retried', 'finished', 'started'], h("'verb'", 'range'))} || ' ' || ${word} || ' request ' || (${h("'id'", 'range')} % 1000000) || ' in ' || (${h("'ms'", 'range')} % 900 + 1) || ' ms' || CASE WHEN ${timeout} THEN ' after a timeout' ELSE '' END)`;
  const trace = `(range * ${traces} // ${logs})`;
  const time = `(${DATA_START_NS} + range * ${step} + ${h("'jitter'", 'range')} % ${step})`;
  const service = SERVICE(h("'service'", 'range'));
  return {
    from: `range(${logs})`,
    columns: {
      time,
      observed_time: `(${time} + 1000000)`,
      severity_number: `CASE ${level} WHEN 'debug' THEN 5 WHEN 'info' THEN 9 WHEN 'warn' THEN 13 WHEN 'error' THEN 17 ELSE 21 END`,
      severity_text: `upper(${level})`,
      level,
      body: `to_json(${message})::VARCHAR`,
      message,
      event_name: "''",
      trace_id: `CASE WHEN range % 2 = 0 THEN ${traceIdSql(seed, trace)} ELSE NULL END`,
      span_id: `CASE WHEN range % 2 = 0 THEN ${spanIdSql(seed, trace, '0')} ELSE NULL END`,
      flags: '0',
      service_name: service,
      resource: RESOURCE(service, `'host-' || (${h("'host'", 'range')} % 40)`),
      scope_name: "'app'",
      scope_version: "''",
      scope: EMPTY_DETAILS,
      attributes: `'{"log.source":"app","request.id":' || (${h("'id'", 'range')} % 1000000) || '}'`,
      dropped_attributes_count: '0',
      ...contextNulls({ environment: "'production'" }),
      tags: 'NULL',
      metadata: "'{}'",
    },
  };
}

function metricGenerator(seed: number, points: number): Generator {
  const series = METRIC_NAMES.length * SERIES_PER_NAME;
  const steps = Math.max(1, Math.floor(points / series));
  const interval = (BigInt(DATA_DAYS) * DAY_NS) / BigInt(steps);
  const name = `(range % ${series}) // ${SERIES_PER_NAME}`;
  const sum = `(${name} = 3)`;
  const time = `(${DATA_START_NS} + (range // ${series}) * ${interval})`;
  const service = SERVICE(`range % ${series}`);
  return {
    from: `range(${steps * series})`,
    columns: {
      name: pick(METRIC_NAMES, name),
      description: "''",
      unit: pick(['{request}', '1', '{item}', '{request}', '{connection}'], name),
      type: `CASE WHEN ${sum} THEN 'sum' ELSE 'gauge' END`,
      temporality: `CASE WHEN ${sum} THEN 'cumulative' ELSE NULL END`,
      is_monotonic: `CASE WHEN ${sum} THEN true ELSE NULL END`,
      time,
      start_time: `${DATA_START_NS}`,
      attributes: `'{"host":"host-' || (range % ${SERIES_PER_NAME}) || '","region":"' || ${pick(['eu', 'us'], `range % ${SERIES_PER_NAME}`)} || '"}'`,
      flags: '0',
      value: `CASE WHEN ${sum} THEN (range // ${series})::DOUBLE * 10 ELSE (${seededHash(seed)("'value'", 'range')} % 10000) / 100.0 END`,
      value_int: 'NULL',
      count: 'NULL',
      sum: 'NULL',
      min: 'NULL',
      max: 'NULL',
      explicit_bounds: 'NULL',
      bucket_counts: 'NULL',
      scale: 'NULL',
      zero_count: 'NULL',
      zero_threshold: 'NULL',
      positive: 'NULL',
      negative: 'NULL',
      quantiles: 'NULL',
      exemplars: "'[]'",
      trace_id: 'NULL',
      span_id: 'NULL',
      service_name: service,
      resource: RESOURCE(service, `'host-' || (range % ${SERIES_PER_NAME})`),
      scope_name: "'app'",
      scope_version: "''",
      scope: EMPTY_DETAILS,
      ...contextNulls({}),
    },
  };
}

type GeneratedSignal = 'spans' | 'logs' | 'metrics';

/**
 * The SELECT of a signal's rows, one output column per model column under its DuckDB physical name,
 * in the model's order. Throws when the model and the generator disagree, so they cannot drift.
 */
function selectSql(signal: GeneratedSignal, generator: Generator, withBatchKey = false): string {
  const model = COLUMNS[signal] as Column<unknown>[];
  const missing = model.filter((column) => generator.columns[column.name] === undefined).map((c) => c.name);
  const unknown = Object.keys(generator.columns).filter((name) => !model.some((column) => column.name === name));
  if (missing.length > 0 || unknown.length > 0) {
    throw new Error(
      `read-data: the ${signal} generator is out of date with the column model (missing: ` +
        `${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'})`,
    );
  }
  const list = model.map((column) => `${generator.columns[column.name]} AS ${physicalName(column)}`);
  if (withBatchKey && generator.batchKey) list.push(`${generator.batchKey} AS batch_key`);
  return `SELECT ${list.join(',\n  ')}\nFROM ${generator.from}`;
}

interface Generators {
  spans: Generator;
  logs: Generator;
  metrics: Generator;
}

async function prepareGenerators(connection: DuckDBConnection, seed: number, size: DataSize): Promise<Generators> {
  await connection.run(spanOrderSql(seed, size.spans));
  const traces = Number((await connection.runAndReadAll('SELECT max(t) + 1 FROM span_order')).getRows()[0]![0]);
  return {
    spans: spanGenerator(seed, size.spans),
    logs: logGenerator(seed, size.logs, traces),
    metrics: metricGenerator(seed, size.metricPoints),
  };
}

/** Facts for the reads, from the narrow span rows and the generators' SQL. */
async function readFacts(
  connection: DuckDBConnection,
  seed: number,
  spans: Generator,
): Promise<Omit<DataFacts, 'stored' | 'size' | 'loadSeconds' | 'mode'>> {
  const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRows();
  const traceId = spans.columns.trace_id!;
  const fifty = await rows(
    `SELECT ${traceId} FROM (SELECT DISTINCT t FROM span_order WHERE size = 50 AND s = 0) ORDER BY ` +
      `hash(${seed}, t) LIMIT 20`,
  );
  const people = await rows(
    `SELECT ${spans.columns.user_id}, ${spans.columns.session_id} FROM (SELECT DISTINCT t FROM span_order ` +
      `WHERE s = 0) ORDER BY hash(${seed}, 'people', t) LIMIT 40`,
  );
  const traces = await rows('SELECT count(DISTINCT t) FROM span_order');
  return {
    traces: Number(traces[0]![0]),
    fiftySpanTraces: fifty.map((row) => String(row[0])),
    users: people.map((row) => String(row[0])),
    sessions: people.map((row) => String(row[1])),
    services: Array.from({ length: SERVICES }, (_, i) => `service-${String(i).padStart(2, '0')}`),
  };
}

/** A generator connection: in memory, with room to sort the narrow span rows. */
async function generatorConnection(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: '2GB', threads: '2' });
  return { instance, connection: await instance.connect() };
}

/** A DuckDB value as the canonical cell of a model column (as the DuckDB store decodes its rows). */
function toCell(type: ColumnType, value: unknown): Cell {
  if (value === null || value === undefined) return type === 'string_list' ? [] : null;
  if (type === 'uint64') return Number(value);
  if (type === 'float64_list' || type === 'uint64_list') return JSON.parse(value as string) as number[];
  if (type === 'string_list') return [...(value as string[])];
  return value as Cell;
}

/** Sends the generated rows through the store's batch writes, 2000 records a batch, in delivery order. */
async function writeThroughStore(
  connection: DuckDBConnection,
  store: ObservabilityStore,
  generators: Generators,
): Promise<void> {
  for (const signal of ['spans', 'logs', 'metrics'] as const) {
    const columns = COLUMNS[signal] as Column<unknown>[];
    const result = await connection.stream(selectSql(signal, generators[signal], true));
    let batch: unknown[] = [];
    let key: unknown = undefined;
    const flush = async () => {
      if (batch.length === 0) return;
      if (signal === 'spans') await store.batchCreateSpans({ spans: batch as RecordOf['spans'][] });
      else if (signal === 'logs') await store.batchCreateLogs({ logs: batch as RecordOf['logs'][] });
      else await store.batchRecordMetrics({ metrics: batch as RecordOf['metrics'][] });
      batch = [];
    };
    for await (const rows of result.yieldRowsJs()) {
      for (const row of rows) {
        const rowKey = signal === 'spans' ? row[columns.length] : Math.floor(batch.length / BATCH);
        if (signal === 'spans' ? rowKey !== key : batch.length === BATCH) await flush();
        key = rowKey;
        batch.push(
          decodeRow(
            columns,
            columns.map((column, i) => toCell(column.type, row[i])),
          ),
        );
      }
    }
    await flush();
  }
}

/** The store tables of the generated signals, with the DuckDB column list. */
function insertColumns(signal: GeneratedSignal): string {
  return (COLUMNS[signal] as Column<unknown>[]).map(physicalName).join(', ');
}

async function loadDuckDb(path: string, generators: Generators, connection: DuckDBConnection): Promise<void> {
  // The store creates its schema; the rows go in through a second instance on the same file.
  const store = new DuckDBStore({ path, memoryLimit: '2GB' });
  await store.init();
  await store.close();
  await connection.run(`ATTACH '${path}' AS bench_store`);
  for (const signal of ['spans', 'logs', 'metrics'] as const) {
    await connection.run(
      `INSERT INTO bench_store.${TABLE_NAMES[signal]} (${insertColumns(signal)}) ` +
        `${selectSql(signal, generators[signal])}`,
    );
  }
  // Everything else in the file is derived from the signal tables: the store's backfill rebuilds it on open.
  const signalTables = new Set(Object.values(TABLE_NAMES));
  const tables = await connection.runAndReadAll(
    "SELECT table_name FROM duckdb_tables() WHERE database_name = 'bench_store'",
  );
  for (const [table] of tables.getRows() as [string][]) {
    if (!signalTables.has(table)) await connection.run(`DROP TABLE bench_store.${table}`);
  }
  await connection.run('DETACH bench_store');
  // The backfill runs at open; the load (not the reads) may use more memory than the default.
  const reopened = new DuckDBStore({ path, memoryLimit: '2GB' });
  await reopened.init();
  await reopened.close();
  await inTimeOrder(connection, path, signalTables);
}

/**
 * The write path appends each batch's derived rows (trace parts) in delivery order, so they lie in
 * time order and zone maps skip them; a backfill writes them in the order its join produces. Each
 * derived table with a span start column is rewritten in that column's order, as the write path
 * would have left it.
 */
async function inTimeOrder(connection: DuckDBConnection, path: string, signalTables: ReadonlySet<string>) {
  await connection.run(`ATTACH '${path}' AS bench_store`);
  const timed = await connection.runAndReadAll(
    "SELECT table_name FROM duckdb_columns() WHERE database_name = 'bench_store' AND column_name = 'start_time_unix_nano'",
  );
  for (const [table] of timed.getRows() as [string][]) {
    if (signalTables.has(table)) continue;
    await connection.run(
      `CREATE TEMP TABLE bench_sorted AS SELECT * FROM bench_store.${table} ORDER BY start_time_unix_nano`,
    );
    await connection.run(`DELETE FROM bench_store.${table}`);
    await connection.run(`INSERT INTO bench_store.${table} SELECT * FROM bench_sorted`);
    await connection.run('DROP TABLE bench_sorted');
  }
  await connection.run('DETACH bench_store');
}

/** Column types that DuckDB keeps as text (JSON included). */
const TEXT_TYPES: ReadonlySet<ColumnType> = new Set(['string', 'json', 'float64_list', 'uint64_list']);

/** ClickHouse cells from the DuckDB physical columns of a Parquet file: times as DateTime64, JSON lists as arrays. */
function clickhouseCast(column: Column<unknown>): string {
  const source = physicalName(column);
  switch (column.type) {
    case 'time':
      return `fromUnixTimestamp64Nano(${source}, 'UTC')`;
    case 'float64_list':
    case 'uint64_list': {
      const array = column.type === 'float64_list' ? 'Array(Float64)' : 'Array(UInt64)';
      return `if(isNull(${source}), NULL, JSONExtract(assumeNotNull(${source}), '${array}'))`;
    }
    case 'string_list':
      return `arrayMap(x -> assumeNotNull(x), ifNull(${source}, []))`;
    default:
      return source;
  }
}

/** A chdb client on a data directory (chdb binds one per process). */
export function chdbClient(path: string): ClickHouseClient {
  // chdb is a dev dependency, loaded only for chdb runs
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createChdbConnection } = require('chdb/connection') as {
    createChdbConnection: (options: { path: string }) => unknown;
  };
  return createClient({ connection: createChdbConnection({ path }) } as Parameters<typeof createClient>[0]);
}

async function loadChdb(
  path: string,
  generators: Generators,
  connection: DuckDBConnection,
  client: ClickHouseClient,
): Promise<void> {
  await new ClickHouseStore({ client }).init();
  for (const signal of ['spans', 'logs', 'metrics'] as const) {
    const file = join(path, `${signal}.parquet`);
    const columns = COLUMNS[signal] as Column<unknown>[];
    // Parquet would carry DuckDB's JSON type, which ClickHouse reads as its own JSON, and an all-NULL column as an int.
    const asText = columns.map((column) => {
      const name = physicalName(column);
      if (column.type === 'string_list') return `${name}::VARCHAR[] AS ${name}`;
      return TEXT_TYPES.has(column.type) ? `${name}::VARCHAR AS ${name}` : name;
    });
    await connection.run(
      `COPY (SELECT ${asText.join(', ')} FROM (${selectSql(signal, generators[signal])})) TO '${file}' ` +
        `(FORMAT parquet)`,
    );
    await client.command({
      query: `INSERT INTO ${CLICKHOUSE_DEFAULTS.database}.${TABLE_NAMES[signal]} (${columns.map((column) => column.name).join(', ')})
SELECT ${columns.map(clickhouseCast).join(', ')} FROM file('${file}', Parquet)`,
    });
    rmSync(file);
  }
  // As on DuckDB: the rest is derived from the signal tables, and the store's backfill rebuilds it when it opens.
  const signalTables = new Set(Object.values(TABLE_NAMES));
  const tables = await client.query({
    query: `SELECT name FROM system.tables WHERE database = '${CLICKHOUSE_DEFAULTS.database}'`,
    format: 'JSONCompactEachRow',
  });
  for (const [table] of await tables.json<[string]>()) {
    if (!signalTables.has(table))
      await client.command({ query: `DROP TABLE ${CLICKHOUSE_DEFAULTS.database}.${table}` });
  }
  await new ClickHouseStore({ client }).init();
}

/**
 * Storage files whose edits cannot change a SQL-mode load: the read side, and the DuckDB store's
 * queries (its schema and backfill SQL live in schema.ts). Leaving them out of the hash keeps the
 * cached store across read changes (a 2M-span reload takes minutes). The write mode loads through
 * the store, so it hashes them all.
 */
const READ_SIDE_FILES = new Set(['trace-list.ts', 'filters.ts', join('duckdb', 'store.ts')]);

/**
 * A hash of what makes the data: the generator's SQL for this size, the load steps, and the storage code that
 * this store runs (the shared layer and its own directory). A cached store is reused while all are unchanged.
 */
function codeHash(store: BenchStore, spans: number, mode: LoadMode, seed: number): string {
  const hash = createHash('sha256');
  const root = join(__dirname, '..', '..', 'src', 'storage');
  const addFiles = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name);
      if (mode === 'sql' && READ_SIDE_FILES.has(relative(root, file))) continue;
      if (!statSync(file).isDirectory()) hash.update(name).update(readFileSync(file));
    }
  };
  const size = dataSize(spans);
  const generators = [
    spanGenerator(seed, spans),
    logGenerator(seed, size.logs, 0),
    metricGenerator(seed, size.metricPoints),
  ];
  hash.update(spanOrderSql(seed, spans)).update(JSON.stringify(generators));
  for (const step of [loadDuckDb, inTimeOrder, loadChdb, clickhouseCast, writeThroughStore, toCell])
    hash.update(step.toString());
  addFiles(root);
  addFiles(join(root, store === 'duckdb' ? 'duckdb' : 'clickhouse'));
  return hash.digest('hex').slice(0, 12);
}

/** Where a loaded store is cached, and its facts. */
export function cachePath(store: BenchStore, spans: number, mode: LoadMode, seed: number): string {
  return join(tmpdir(), 'otel-bridge-reads', `${store}-${spans}-${mode}-${seed}-${codeHash(store, spans, mode, seed)}`);
}

/** The path the store itself opens: the DuckDB file, or chdb's data directory. */
export function storePath(dir: string, store: BenchStore): string {
  return store === 'duckdb' ? join(dir, 'store.duckdb') : join(dir, 'chdb');
}

/**
 * Loads (or finds in the cache) a store with the data of `spans` spans, and returns its directory
 * and facts. `client` is the process's chdb client for chdb stores.
 */
export async function loadReadData(options: {
  store: BenchStore;
  spans: number;
  mode: LoadMode;
  seed: number;
  chdb?: ClickHouseClient;
  log?: (line: string) => void;
}): Promise<{ dir: string; facts: DataFacts }> {
  const dir = cachePath(options.store, options.spans, options.mode, options.seed);
  const factsFile = join(dir, 'facts.json');
  if (existsSync(factsFile)) return { dir, facts: JSON.parse(readFileSync(factsFile, 'utf8')) as DataFacts };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const size = dataSize(options.spans);
  const started = performance.now();
  options.log?.(
    `loading ${options.spans.toLocaleString('en-US')} spans into ${options.store} (${options.mode}) at ${dir}`,
  );
  const { instance, connection } = await generatorConnection();
  try {
    const generators = await prepareGenerators(connection, options.seed, size);
    const path = storePath(dir, options.store);
    if (options.mode === 'write') {
      const store =
        options.store === 'duckdb' ? new DuckDBStore({ path }) : new ClickHouseStore({ client: options.chdb! });
      await store.init();
      try {
        await writeThroughStore(connection, store, generators);
      } finally {
        if (options.store === 'duckdb') await store.close();
      }
    } else if (options.store === 'duckdb') {
      await loadDuckDb(path, generators, connection);
    } else {
      mkdirSync(path, { recursive: true });
      await loadChdb(dir, generators, connection, options.chdb!);
    }
    const stored = Object.fromEntries(
      await Promise.all(
        (['spans', 'logs', 'metrics'] as const).map(async (signal) => {
          const count = await connection.runAndReadAll(
            signal === 'spans' ? 'SELECT count(*) FROM span_order' : `SELECT count(*) FROM ${generators[signal].from}`,
          );
          return [signal, Number(count.getRows()[0]![0])];
        }),
      ),
    ) as DataFacts['stored'];
    const facts: DataFacts = {
      size,
      stored,
      ...(await readFacts(connection, options.seed, generators.spans)),
      loadSeconds: (performance.now() - started) / 1000,
      mode: options.mode,
    };
    writeFileSync(factsFile, `${JSON.stringify(facts, null, 2)}\n`);
    return { dir, facts };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Records of more spans after the data's end, for reads while ingest runs: `batches` batches of 2000. */
export async function ingestBatches(seed: number, batches: number): Promise<RecordOf['spans'][][]> {
  const { instance, connection } = await generatorConnection();
  try {
    const spans = batches * BATCH;
    await connection.run(spanOrderSql(seed, spans));
    const generator = spanGenerator(seed, spans);
    const columns = COLUMNS.spans as Column<unknown>[];
    // The same shape of data, moved to the week after the stored one.
    const shifted = {
      ...generator.columns,
      start_time: `${generator.columns.start_time} + ${DATA_END_NS - DATA_START_NS}`,
      end_time: `${generator.columns.end_time} + ${DATA_END_NS - DATA_START_NS}`,
    };
    const rows = (await connection.runAndReadAll(selectSql('spans', { ...generator, columns: shifted }))).getRowsJS();
    const records = rows.map((row) =>
      decodeRow(
        columns,
        columns.map((column, i) => toCell(column.type, row[i])),
      ),
    );
    return chunk(records as RecordOf['spans'][], BATCH);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
