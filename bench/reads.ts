import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ClickHouseStore, DuckDBStore, type ObservabilityStore, type TraceFilter } from '../src';
import {
  DATA_DAYS,
  DATA_START_NS,
  LOG_WORDS,
  METRIC_NAMES,
  cachePath,
  chdbClient,
  ingestBatches,
  loadReadData,
  storePath,
  type BenchStore,
  type DataFacts,
  type LoadMode,
} from './read-data';
import { percentile, peakRssMb, type Measurement } from './measure';

/**
 * Issue 10's reads at scale: `node dist/bench/reads.js --store duckdb|chdb --spans N`.
 *
 * Loads (or reuses) the store of bench/read-data.ts, opens it with the store's default memory
 * settings, and times each read of the issue's table in rounds: every round calls each read once,
 * with that round's parameters (another page, service, user, window, trace, word, day), so no read
 * repeats one cached query. Each result is checked; an out-of-memory error, or any other, is
 * counted as a failed call and the run goes on. `--ingest` runs the same reads while spans are
 * written to the store without pause (on a copy of the cached store). `--compare-modes` loads the
 * size both ways (SQL and write path) and compares what reads return.
 */

const SEED = 20261202;
const HOUR_NS = 3_600_000_000_000n;
const DAY_NS = 24n * HOUR_NS;
const MINUTE_NS = 60_000_000_000n;
/** The `serve` command's default `--memory-limit-mb`. */
export const SERVE_LIMIT_MB = 512;

/** One read of the table, as measured. */
export interface ReadRow {
  read: string;
  store: BenchStore;
  spans: number;
  targetMs: number;
  calls: number;
  failures: number;
  medianMs: number | null;
  p99Ms: number | null;
  /** The highest resident memory of the process seen right after a call of this read. */
  rssMb: number;
  note: string;
}

export interface ReadsReport {
  store: BenchStore;
  spans: number;
  facts: DataFacts;
  ingest: { spans: number; seconds: number; rate: number; failures: number } | null;
  peakRssMb: number;
  rows: ReadRow[];
}

type Check = string | null;

interface ReadCase {
  read: string;
  targetMs: number;
  /** Runs call `round` of the read and says what is wrong with its result, if anything. */
  run: (round: number) => Promise<Check>;
}

function rssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
}

const every = <T>(items: readonly T[], test: (item: T) => boolean, what: string): Check =>
  items.length === 0 ? `no ${what}` : items.every(test) ? null : `a ${what} does not match`;

/** The reads of issue 10's target table, with parameters varied by round. */
function readCases(store: ObservabilityStore, facts: DataFacts): ReadCase[] {
  const middle = DATA_START_NS + 3n * DAY_NS + DAY_NS / 2n;
  const hourFrom = (round: number) => middle + BigInt(round) * 37n * MINUTE_NS;
  const list = (filter: TraceFilter, page = 0) => store.listTraces({ perPage: 50, page, filter });
  return [
    {
      read: 'listTraces newest 50',
      targetMs: 50,
      run: async () => {
        const { traces } = await list({});
        if (traces.length !== 50) return `${traces.length} traces, not 50`;
        return traces.every((trace, i) => i === 0 || trace.startTimeUnixNano <= traces[i - 1]!.startTimeUnixNano)
          ? null
          : 'not newest first';
      },
    },
    {
      read: 'listTraces page 200',
      targetMs: 100,
      run: async (round) => {
        // Page 200 where the data has it; a small store's deepest pages otherwise.
        const page = Math.min(195, Math.floor(facts.traces / 100)) + (round % 10);
        const { traces, pagination } = await list({}, page);
        return traces.length === 50 && pagination.page === page ? null : `${traces.length} traces on page ${page}`;
      },
    },
    {
      read: 'listTraces by service',
      targetMs: 100,
      run: async (round) => {
        const serviceName = facts.services[round % facts.services.length]!;
        const { traces } = await list({ serviceName });
        return every(traces, (trace) => trace.serviceName === serviceName, 'trace of the service');
      },
    },
    {
      read: 'listTraces by span type',
      targetMs: 100,
      run: async (round) => {
        const { traces } = await list({ spanType: 'agent_run' }, round % 5);
        return every(traces, (trace) => trace.spanType === 'agent_run', 'agent_run trace');
      },
    },
    {
      read: 'listTraces by user',
      targetMs: 100,
      run: async (round) => {
        const userId = facts.users[round % facts.users.length]!;
        const { traces } = await list({ userId });
        return every(traces, (trace) => trace.userId === userId, "user's trace");
      },
    },
    {
      read: 'listTraces by session',
      targetMs: 100,
      run: async (round) => {
        const sessionId = facts.sessions[round % facts.sessions.length]!;
        const { traces } = await list({ sessionId });
        return every(traces, (trace) => trace.sessionId === sessionId, "session's trace");
      },
    },
    {
      read: 'listTraces 1-hour window',
      targetMs: 50,
      run: async (round) => {
        const from = hourFrom(round);
        const to = from + HOUR_NS;
        const { traces } = await list({ from, to });
        return every(
          traces,
          (trace) => trace.startTimeUnixNano >= from && trace.startTimeUnixNano < to,
          'trace in the window',
        );
      },
    },
    {
      read: 'getTrace 50 spans',
      targetMs: 20,
      run: async (round) => {
        const traceId = facts.fiftySpanTraces[round % facts.fiftySpanTraces.length]!;
        const trace = await store.getTrace(traceId);
        return trace?.spans.length === 50 ? null : `${trace?.spans.length ?? 'no'} spans of ${traceId}`;
      },
    },
    {
      read: 'listLogs search, 1 hour',
      targetMs: 200,
      run: async (round) => {
        const search = LOG_WORDS[round % LOG_WORDS.length]!;
        const from = hourFrom(round);
        const to = from + HOUR_NS;
        const { logs } = await store.listLogs({ perPage: 50, filter: { search, from, to } });
        // A small store's hour may hold no log with the word (about one log in 40 has it).
        if (logs.length === 0 && facts.size.logs / (DATA_DAYS * 24) / LOG_WORDS.length < 5) return null;
        return every(
          logs,
          (log) => log.message.toLowerCase().includes(search) && log.timeUnixNano >= from && log.timeUnixNano < to,
          'log with the word in the window',
        );
      },
    },
    {
      read: 'aggregateMetrics 1-min, a day, by host',
      targetMs: 200,
      run: async (round) => {
        const from = DATA_START_NS + BigInt(round % 6) * DAY_NS;
        const { series } = await store.aggregateMetrics({
          name: METRIC_NAMES[round % METRIC_NAMES.length]!,
          aggregation: 'avg',
          bucketSizeNano: MINUTE_NS,
          groupBy: ['host'],
          filter: { from, to: from + DAY_NS },
        });
        if (series.length !== 20) return `${series.length} series, not 20`;
        return series.every((one) => one.points.length > 0 && one.points.length <= 1440)
          ? null
          : 'a series with no points or more than 1440';
      },
    },
  ];
}

const OUT_OF_MEMORY = /out of memory|memory limit|MEMORY_LIMIT_EXCEEDED/i;

function describeError(error: unknown): string {
  const message =
    error instanceof Error
      ? `${error.message} ${error.cause instanceof Error ? error.cause.message : ''}`
      : String(error);
  return OUT_OF_MEMORY.test(message) ? 'out of memory' : message.replace(/\s+/g, ' ').slice(0, 100);
}

/** Runs the reads in rounds; a read stops early once its calls took `budgetMs` in all. */
async function measure(
  cases: ReadCase[],
  context: { store: BenchStore; spans: number; rounds: number; budgetMs: number },
  log: (line: string) => void,
): Promise<ReadRow[]> {
  const state = cases.map(() => ({
    times: [] as number[],
    failures: 0,
    spent: 0,
    rss: 0,
    problems: new Set<string>(),
  }));
  for (let round = 0; round < context.rounds; round++) {
    for (const [i, read] of cases.entries()) {
      const s = state[i]!;
      if (s.spent > context.budgetMs) continue;
      const started = performance.now();
      try {
        const problem = await read.run(round);
        if (problem === null) s.times.push(performance.now() - started);
        else {
          s.failures++;
          s.problems.add(`wrong result: ${problem}`);
        }
      } catch (error) {
        s.failures++;
        s.problems.add(describeError(error));
      }
      s.spent += performance.now() - started;
      s.rss = Math.max(s.rss, rssMb());
    }
    log(`  round ${round + 1}/${context.rounds} done, RSS ${rssMb()} MB`);
  }
  return cases.map((read, i) => {
    const s = state[i]!;
    const calls = s.times.length + s.failures;
    return {
      read: read.read,
      store: context.store,
      spans: context.spans,
      targetMs: read.targetMs,
      calls,
      failures: s.failures,
      medianMs: s.times.length === 0 ? null : percentile(s.times, 50),
      p99Ms: s.times.length === 0 ? null : percentile(s.times, 99),
      rssMb: s.rss,
      note: [
        s.failures > 0 ? `${s.failures} of ${calls} failed: ${[...s.problems].join('; ')}` : '',
        calls < context.rounds ? `stopped after ${calls} calls (${Math.round(s.spent / 1000)} s)` : '',
      ]
        .filter(Boolean)
        .join('; '),
    };
  });
}

function openStore(kind: BenchStore, path: string): ObservabilityStore {
  // Default memory settings: what a new user gets.
  return kind === 'duckdb' ? new DuckDBStore({ path }) : new ClickHouseStore({ client: chdbClient(path) });
}

/** Writes spans into the store without pause until `stop` resolves; the batches get fresh trace ids each lap. */
async function ingestUntil(store: ObservabilityStore, stop: Promise<void>) {
  const batches = await ingestBatches(SEED + 1, 10);
  let stopped = false;
  void stop.then(() => (stopped = true));
  let spans = 0;
  let failures = 0;
  const started = performance.now();
  for (let lap = 0; !stopped; lap++) {
    const suffix = lap.toString(16).padStart(8, '0');
    for (const batch of batches) {
      if (stopped) break;
      try {
        await store.batchCreateSpans({
          spans: batch.map((span) => ({ ...span, traceId: span.traceId.slice(0, 24) + suffix })),
        });
        spans += batch.length;
      } catch {
        failures++;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { spans, seconds, rate: spans / seconds, failures };
}

/** Loads the data if needed, then measures the reads. */
export async function runReads(options: {
  store: BenchStore;
  spans: number;
  mode: LoadMode;
  ingest: boolean;
  rounds: number;
  budgetMs: number;
  log: (line: string) => void;
}): Promise<ReadsReport> {
  if (options.ingest && options.store !== 'duckdb') throw new Error('--ingest runs on duckdb only');
  // chdb binds one data directory per process: the loader and the reads share the client.
  const chdb =
    options.store === 'chdb'
      ? chdbClient(storePath(cachePath('chdb', options.spans, options.mode, SEED), 'chdb'))
      : undefined;
  const loaded = await loadReadData({
    store: options.store,
    spans: options.spans,
    mode: options.mode,
    seed: SEED,
    ...(chdb ? { chdb } : {}),
    log: options.log,
  });
  let path = storePath(loaded.dir, options.store);
  let scratch: string | null = null;
  if (options.ingest) {
    scratch = mkdtempSync(join(tmpdir(), 'otel-bridge-reads-ingest-'));
    const copy = storePath(scratch, options.store);
    cpSync(path, copy);
    path = copy;
  }
  options.log(
    `${options.store}: ${loaded.facts.stored.spans.toLocaleString('en-US')} span rows, ` +
      `${loaded.facts.traces.toLocaleString('en-US')} traces (loaded in ${Math.round(loaded.facts.loadSeconds)} s); ` +
      `${options.rounds} rounds${options.ingest ? ' while ingesting' : ''}`,
  );
  const store = chdb ? new ClickHouseStore({ client: chdb }) : openStore(options.store, path);
  try {
    await store.init();
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const ingest = options.ingest ? ingestUntil(store, stopped) : null;
    const rows = await measure(readCases(store, loaded.facts), { ...options }, options.log);
    stop();
    return {
      store: options.store,
      spans: loaded.facts.stored.spans,
      facts: loaded.facts,
      ingest: ingest ? await ingest : null,
      peakRssMb: peakRssMb(),
      rows,
    };
  } finally {
    await store.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** What reads return, in numbers that both load modes must agree on. */
async function readShape(store: ObservabilityStore, facts: DataFacts): Promise<Record<string, unknown>> {
  const shape: Record<string, unknown> = {};
  for (const serviceName of facts.services) {
    shape[`traces of ${serviceName}`] = (
      await store.listTraces({ perPage: 1, filter: { serviceName } })
    ).pagination.total;
  }
  shape['agent_run traces'] = (
    await store.listTraces({ perPage: 1, filter: { spanType: 'agent_run' } })
  ).pagination.total;
  shape['failed traces'] = (await store.listTraces({ perPage: 1, filter: { hasError: true } })).pagination.total;
  for (const traceId of facts.fiftySpanTraces.slice(0, 3))
    shape[`spans of ${traceId}`] = (await store.getTrace(traceId))?.spans.length;
  for (const search of LOG_WORDS.slice(0, 5))
    shape[`logs with ${search}`] = (await store.listLogs({ perPage: 1, filter: { search } })).pagination.total;
  shape['metric series'] = (
    await store.aggregateMetrics({
      name: METRIC_NAMES[0]!,
      aggregation: 'count',
      bucketSizeNano: DAY_NS,
      groupBy: ['host'],
    })
  ).series.map((series) => series.points.reduce((sum, point) => sum + point.value, 0));
  return shape;
}

/** Loads `spans` both ways into DuckDB and compares the shapes of what reads return. */
export async function compareModes(spans: number, log: (line: string) => void): Promise<string[]> {
  const shapes: Record<string, unknown>[] = [];
  for (const mode of ['sql', 'write'] as const) {
    const { dir, facts } = await loadReadData({ store: 'duckdb', spans, mode, seed: SEED, log });
    log(`${mode}: loaded in ${Math.round(facts.loadSeconds)} s`);
    const store = openStore('duckdb', storePath(dir, 'duckdb'));
    await store.init();
    try {
      shapes.push(await readShape(store, facts));
    } finally {
      await store.close();
    }
  }
  const [sql, write] = shapes as [Record<string, unknown>, Record<string, unknown>];
  return Object.keys(sql)
    .filter((key) => JSON.stringify(sql[key]) !== JSON.stringify(write[key]))
    .map((key) => `${key}: sql ${JSON.stringify(sql[key])}, write ${JSON.stringify(write[key])}`);
}

/** Whether a read met its target: every call succeeded and the median is within it. */
function verdict(row: ReadRow): 'met' | 'missed' {
  return row.medianMs !== null && row.failures === 0 && row.medianMs <= row.targetMs ? 'met' : 'missed';
}

const millions = (spans: number) => `${Math.round(spans / 100_000) / 10}M`;

/**
 * The read rows of `npm run bench`: this bench in a process of its own (chdb binds one data
 * directory per process, and the peak RSS is then the reads' own), as measurements.
 */
export function readMeasurements(
  store: BenchStore,
  spans: number,
  options: { ingest?: boolean; rounds?: number } = {},
): Measurement[] {
  const dir = mkdtempSync(join(tmpdir(), 'otel-bridge-reads-report-'));
  try {
    const json = join(dir, 'report.json');
    const args = [__filename, '--store', store, '--spans', String(spans), '--json', json];
    if (options.ingest) args.push('--ingest');
    if (options.rounds !== undefined) args.push('--rounds', String(options.rounds));
    execFileSync(process.execPath, args, { stdio: 'inherit' });
    const report = JSON.parse(readFileSync(json, 'utf8')) as ReadsReport;
    const size = millions(report.spans);
    const ingest = report.ingest
      ? `while ingesting ${Math.round(report.ingest.rate).toLocaleString('en-US')} spans/s (${report.ingest.failures} batches failed); process peak RSS ${report.peakRssMb} MB of the ${SERVE_LIMIT_MB} MB serve limit`
      : '';
    return report.rows.map((row) => ({
      id: `read ${store} ${size}${report.ingest ? ' + ingest' : ''}: ${row.read}`,
      path: 'reads',
      workload: report.ingest ? 'reads + ingest' : 'reads',
      store,
      items: report.spans,
      seconds: ((row.medianMs ?? 0) * row.calls) / 1000,
      rate: row.medianMs === null ? 0 : 1000 / row.medianMs,
      ...(row.medianMs === null ? {} : { p50Ms: row.medianMs, p99Ms: row.p99Ms! }),
      peakRssMb: row.rssMb,
      note: [`target ≤ ${row.targetMs} ms: ${verdict(row)}`, row.note, ingest].filter(Boolean).join('; '),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printRows(report: ReadsReport): void {
  for (const row of report.rows) {
    const latency = row.medianMs === null ? 'failed' : `${row.medianMs.toFixed(1)} / ${row.p99Ms!.toFixed(1)} ms`;
    console.log(
      `  ${row.read.padEnd(40)} ${latency.padStart(22)}  target ${String(row.targetMs).padStart(3)} ms ` +
        `${verdict(row).padEnd(6)} RSS ${row.rssMb} MB ${row.note}`,
    );
  }
  if (report.ingest) {
    console.log(
      `  ingest meanwhile: ${report.ingest.spans} spans, ${Math.round(report.ingest.rate)} spans/s, ` +
        `${report.ingest.failures} failed batches`,
    );
  }
  console.log(`  peak RSS ${report.peakRssMb} MB (serve limit ${SERVE_LIMIT_MB} MB)`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'duckdb' },
      spans: { type: 'string', default: '200000' },
      mode: { type: 'string', default: 'sql' },
      ingest: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '20' },
      'budget-s': { type: 'string', default: '120' },
      json: { type: 'string' },
      'compare-modes': { type: 'boolean', default: false },
    },
  });
  const log = (line: string) => console.log(line);
  const spans = Number(values.spans);
  if (values['compare-modes']) {
    const differences = await compareModes(spans, log);
    console.log(differences.length === 0 ? 'sql and write modes read the same' : differences.join('\n'));
    process.exitCode = differences.length === 0 ? 0 : 1;
    return;
  }
  if (values.store !== 'duckdb' && values.store !== 'chdb')
    throw new Error(`--store must be duckdb or chdb, got ${values.store}`);
  if (values.mode !== 'sql' && values.mode !== 'write')
    throw new Error(`--mode must be sql or write, got ${values.mode}`);
  const report = await runReads({
    store: values.store,
    spans,
    mode: values.mode,
    ingest: values.ingest,
    rounds: Number(values.rounds),
    budgetMs: Number(values['budget-s']) * 1000,
    log,
  });
  printRows(report);
  if (values.json)
    writeFileSync(
      values.json,
      `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value), 2)}\n`,
    );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
