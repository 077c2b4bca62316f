import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseSettings, storeFrom } from '../../../src/cli/config';
import { ConfigurationError } from '../../../src/errors';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { makeLog, makeMetric, makeScore, makeSpan } from '../../support/records';
import { sample, scrape } from '../../support/prometheus';
import { SIGNALS } from '../../../src/records/types';
import { startReceiver } from '../../../src/receiver/server';

const DAY = 86_400_000_000_000n;
const MINUTE = 60_000_000_000n;
const nowNano = (): bigint => BigInt(Date.now()) * 1_000_000n;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DAY_MS = 86_400_000;
/** Rounds of the steady-state test, and the round by which the file has reached its size. */
const ROUNDS = 10;
const PLATEAU_BY = 4;
/** DuckDB's block: the file grows and shrinks by these. */
const BLOCK_BYTES = 262_144;

/** A store whose retention reads a clock the test moves: data ages a day without waiting one. */
class AgingStore extends DuckDBStore {
  clock = Date.now();
  protected override retentionClock(): number {
    return this.clock;
  }
}

/** Rows of a query on a closed store's file, read straight through DuckDB. */
async function readFile(path: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const count = async (path: string, table: string): Promise<number> =>
  Number((await readFile(path, `SELECT count(*) FROM ${table}`))[0]![0]);

/** Spans of one trace each, starting at `start` and one microsecond apart. */
const spansFrom = (start: bigint, n: number) =>
  Array.from({ length: n }, (_, i) => makeSpan({ startTimeUnixNano: start + BigInt(i) * 1000n }));

describe('DuckDB retention', () => {
  let directory: string;
  let path: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'otel-bridge-retention-'));
    path = join(directory, 'retained.duckdb');
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('deletes what is older than each signal’s retention, keeps what is a minute newer, and counts it', async () => {
    const store = new DuckDBStore({ path, retentionDays: { spans: 2, logs: 2, metrics: 2 } });
    await store.init();
    const cutoff = nowNano() - 2n * DAY;
    const old = makeSpan({ startTimeUnixNano: cutoff - MINUTE });
    const fresh = makeSpan({ startTimeUnixNano: cutoff + MINUTE });
    await store.batchCreateSpans({ spans: [old, fresh] });
    await store.batchCreateLogs({
      logs: [makeLog({ timeUnixNano: cutoff - MINUTE }), makeLog({ timeUnixNano: cutoff + MINUTE, body: 'kept' })],
    });
    await store.batchRecordMetrics({
      metrics: [makeMetric({ timeUnixNano: cutoff - MINUTE }), makeMetric({ timeUnixNano: cutoff + MINUTE })],
    });
    // Scores have no retention here: kept however old.
    const ancientScore = makeScore({ traceId: old.traceId, timeUnixNano: cutoff - 30n * DAY });
    await store.batchCreateScores({ scores: [ancientScore] });

    await store.enforceRetention();

    expect(await store.getTrace(old.traceId)).toBeNull();
    expect((await store.getTrace(fresh.traceId))!.spans).toEqual([fresh]);
    const { logs } = await store.listLogs();
    expect(logs.map((log) => log.body)).toEqual(['kept']);
    expect((await store.listScores()).scores).toEqual([ancientScore]);
    const stats = store.retentionStats;
    expect(stats.expired).toEqual({ spans: 1, logs: 1, metrics: 1, scores: 0, feedback: 0 });
    expect(stats.evicted).toEqual({ spans: 0, logs: 0, metrics: 0, scores: 0, feedback: 0 });
    expect(stats).toMatchObject({ runs: 1, failedRuns: 0, lastError: null });
    // A receiver over the store shows what it deleted in /metrics.
    const receiver = await startReceiver({ store, port: 0, viewer: false });
    const metrics = await scrape(receiver.url);
    expect(
      SIGNALS.map((signal) => sample(metrics, 'otel_bridge_retention_deleted_total', { signal, reason: 'expired' })),
    ).toEqual([1, 1, 1, 0, 0]);
    await receiver.close();
    await store.close();

    // The side table keyed by trace goes with the spans.
    expect(await readFile(path, 'SELECT trace_id FROM otel_trace_parts')).toEqual([[fresh.traceId]]);
    expect(await count(path, 'otel_metrics')).toBe(1);
  });

  it('deletes in chunks until every old row is gone', async () => {
    const store = new DuckDBStore({ path, retentionDays: { spans: 1 } });
    await store.init();
    const old = spansFrom(nowNano() - 2n * DAY, 25_000);
    await store.batchCreateSpans({ spans: old });
    await store.batchCreateSpans({ spans: spansFrom(nowNano(), 10) });
    await store.enforceRetention();
    expect(store.retentionStats.expired.spans).toBe(25_000);
    await store.close();
    expect(await count(path, 'otel_spans')).toBe(10);
    expect(await count(path, 'otel_trace_parts')).toBe(10);
  });

  it('runs on its schedule, and stops when the store closes', async () => {
    const store = new DuckDBStore({ path, retentionDays: { logs: 1 }, retentionIntervalMs: 50 });
    await store.init();
    await store.batchCreateLogs({ logs: [makeLog({ timeUnixNano: nowNano() - 2n * DAY })] });
    for (let waited = 0; store.retentionStats.expired.logs === 0 && waited < 10_000; waited += 50) await sleep(50);
    expect(store.retentionStats.expired.logs).toBe(1);
    expect((await store.listLogs()).logs).toEqual([]);
    await store.close();
    const runs = store.retentionStats.runs;
    await sleep(300);
    expect(store.retentionStats.runs).toBe(runs);
  });

  it('keeps the file from growing once old data ages out round after round', async () => {
    const store = new AgingStore({ path, retentionDays: { logs: 1 } });
    await store.init();
    const perRound = 10_000;
    const first = store.clock;
    const sizes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A day's logs, in the pipeline's batches; a day later, the next round's run finds them past the retention.
      store.clock = first + round * DAY_MS;
      const time = BigInt(store.clock - 60_000) * 1_000_000n;
      const logs = Array.from({ length: perRound }, (_, i) =>
        makeLog({ timeUnixNano: time + BigInt(i), body: randomBytes(32).toString('hex') }),
      );
      for (let i = 0; i < perRound; i += 2_000) await store.batchCreateLogs({ logs: logs.slice(i, i + 2_000) });
      await store.enforceRetention();
      expect(store.retentionStats.expired.logs).toBe(round * perRound);
      sizes.push(statSync(path).size);
    }
    await store.close();
    expect(await count(path, 'otel_logs')).toBe(perRound);
    // Kept whole, the file would hold every round; DuckDB reuses the freed blocks, so it levels off.
    const plateau = Math.max(...sizes.slice(0, PLATEAU_BY));
    for (const size of sizes.slice(PLATEAU_BY)) expect(size).toBeLessThanOrEqual(plateau + BLOCK_BYTES);
    expect(sizes.at(-1)!).toBeLessThan((sizes[0]! * ROUNDS) / 2);
  }, 300_000);

  it('drops the oldest records across signals first, until the live data fits the cap, and counts them', async () => {
    // DuckDB frees blocks by whole row groups of 122,880 rows: the logs fill more than one.
    const logCount = 300_000;
    const spanCount = 10_000;
    const start = nowNano() - DAY;
    const spans = Array.from({ length: spanCount }, (_, i) =>
      makeSpan({ startTimeUnixNano: start + BigInt(i * (logCount / spanCount)) * MINUTE + 1n }),
    );
    const logs = Array.from({ length: logCount }, (_, i) =>
      makeLog({ timeUnixNano: start + BigInt(i) * MINUTE, body: randomBytes(24).toString('hex') }),
    );
    const measuring = new DuckDBStore({ path, maxSizeMb: 1_000_000 });
    await measuring.init();
    await measuring.batchCreateSpans({ spans });
    for (let i = 0; i < logCount; i += 50_000) await measuring.batchCreateLogs({ logs: logs.slice(i, i + 50_000) });
    await measuring.enforceRetention();
    const written = measuring.retentionStats.usedBytes!;
    expect(measuring.retentionStats.evicted).toEqual({ spans: 0, logs: 0, metrics: 0, scores: 0, feedback: 0 });
    await measuring.close();

    // Well above the few MiB that DuckDB's own blocks take.
    const capBytes = written * 0.6;
    const store = new DuckDBStore({ path, maxSizeMb: capBytes / (1024 * 1024) });
    await store.init();
    await store.enforceRetention();
    const stats = store.retentionStats;
    expect(stats).toMatchObject({ lastError: null, failedRuns: 0 });
    expect(stats.usedBytes).toBeLessThanOrEqual(capBytes);
    expect(stats.evicted.spans).toBeGreaterThan(0);
    expect(stats.evicted.logs).toBeGreaterThan(0);
    expect(stats.expired).toEqual({ spans: 0, logs: 0, metrics: 0, scores: 0, feedback: 0 });
    await store.close();

    const keptSpans = (await readFile(path, 'SELECT start_time_unix_nano FROM otel_spans')).map(([t]) => t as bigint);
    const keptLogs = (await readFile(path, 'SELECT time_unix_nano FROM otel_logs')).map(([t]) => t as bigint);
    expect(keptSpans.length + stats.evicted.spans).toBe(spanCount);
    expect(keptLogs.length + stats.evicted.logs).toBe(logCount);
    expect(keptSpans.length).toBeGreaterThan(0);
    // What is kept is exactly the newest records, whatever their signal.
    const byTime = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    const kept = [...keptSpans, ...keptLogs].sort(byTime);
    const all = [...spans.map((span) => span.startTimeUnixNano), ...logs.map((log) => log.timeUnixNano)].sort(byTime);
    expect(kept).toEqual(all.slice(all.length - kept.length));
    expect(await count(path, 'otel_trace_parts')).toBe(keptSpans.length);
  }, 180_000);

  it('deletes beside ingest: no write fails and nothing newer than the cutoff is lost', async () => {
    const store = new DuckDBStore({ path, retentionDays: { spans: 1, logs: 1 } });
    await store.init();
    const fresh: string[] = [];
    let ingesting = true;
    const ingest = (async () => {
      for (let batch = 0; batch < 30; batch++) {
        const stale = spansFrom(nowNano() - 2n * DAY, 500);
        const recent = spansFrom(nowNano() - DAY + 10n * MINUTE, 500);
        fresh.push(...recent.map((span) => span.traceId));
        await Promise.all([
          store.batchCreateSpans({ spans: [...stale, ...recent] }),
          store.batchCreateLogs({
            logs: recent.map((span) => makeLog({ timeUnixNano: span.startTimeUnixNano, traceId: span.traceId })),
          }),
        ]);
      }
      ingesting = false;
    })();
    const deleting = (async () => {
      while (ingesting) await store.enforceRetention();
    })();
    await Promise.all([ingest, deleting]);
    await store.enforceRetention();
    const stats = store.retentionStats;
    expect([stats.failedRuns, stats.lastError]).toEqual([0, null]);
    expect(stats.runs).toBeGreaterThan(1);
    expect(stats.expired.spans).toBe(30 * 500);
    await store.close();

    const kept = new Set((await readFile(path, 'SELECT trace_id FROM otel_spans')).map(([id]) => id as string));
    expect(kept.size).toBe(fresh.length);
    for (const id of fresh) expect(kept.has(id)).toBe(true);
    expect(await count(path, 'otel_logs')).toBe(fresh.length);
  }, 120_000);

  it('refuses a retention that is not whole days, and a size cap without a file', () => {
    expect(() => new DuckDBStore({ path, retentionDays: { logs: 0 } })).toThrow(
      /DuckDB retention for logs must be a whole number of days >= 1/,
    );
    expect(() => new DuckDBStore({ path: ':memory:', maxSizeMb: 10 })).toThrow(ConfigurationError);
    expect(() => new DuckDBStore({ path, maxSizeMb: -1 })).toThrow(/maxSizeMb must be a number of MiB > 0/);
  });

  it('takes --retention-days and --duckdb-max-size-mb from the command line', async () => {
    const store = storeFrom(parseSettings(['--duckdb-path', path, '--retention-days', '3'], {})) as DuckDBStore;
    await store.init();
    const kept = makeSpan({ startTimeUnixNano: nowNano() - 3n * DAY + MINUTE });
    await store.batchCreateSpans({ spans: [makeSpan({ startTimeUnixNano: nowNano() - 3n * DAY - MINUTE }), kept] });
    await store.enforceRetention();
    expect(store.retentionStats.expired.spans).toBe(1);
    expect((await store.getTrace(kept.traceId))!.spans).toEqual([kept]);
    await store.close();
    expect(() => storeFrom(parseSettings(['--duckdb-max-size-mb', '0'], {}))).toThrow(
      '--duckdb-max-size-mb must be a whole number >= 1, got "0"',
    );
  });

  it('has the memory store refuse --retention-days, which it cannot honour', () => {
    expect(() => storeFrom(parseSettings(['--store', 'memory', '--retention-days', '7'], {}))).toThrow(
      /--retention-days: the memory store keeps nothing across restarts/,
    );
  });
});
