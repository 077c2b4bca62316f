import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { send } from '../../support/http';
import { untilListening, type ServeProcess } from '../../support/serve';

/**
 * Crash safety: `otel-bridge serve` as a child process, concurrent OTLP clients, SIGKILL at several
 * points (mid-stream, right after start, during the SIGTERM drain), restarted on the same data each
 * time. Every span and log acknowledged with a 200 must be stored exactly once.
 */

const ROOT = join(__dirname, '..', '..', '..');
const JSON_TYPE = { 'Content-Type': 'application/json' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

let build: string;

beforeAll(() => {
  // Built once, serve starts in about a second; through ts-node it took twelve on a loaded machine.
  // Inside node_modules, so that the built code finds the project's dependencies.
  build = join(ROOT, 'node_modules', '.cache', `otel-bridge-crash-${hex(4)}`);
  mkdirSync(build, { recursive: true });
  const config = join(build, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.build.json'),
      compilerOptions: { outDir: build, rootDir: ROOT, typeRoots: [join(ROOT, 'node_modules', '@types')] },
      include: [join(ROOT, 'src')],
    }),
  );
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], { stdio: 'inherit' });
}, 120_000);

afterAll(() => rmSync(build, { recursive: true, force: true }));

function serve(args: string[], cwd: string): Promise<ServeProcess> {
  // --grpc-port 0: no gRPC listener, so that concurrent serves never fight over 4317.
  const argv = [join(build, 'src', 'cli', 'main.js'), 'serve', '--port', '0', '--grpc-port', '0', ...args];
  const child = spawn(process.execPath, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return untilListening(child, 30_000);
}

/** An OTLP/JSON request of `count` spans, or of `count` logs each with a unique `crash.uid`. */
function request(signal: 'traces' | 'logs', count: number): { body: string; ids: string[] } {
  const ids = Array.from({ length: count }, () => (signal === 'traces' ? hex(8) : hex(12)));
  const now = BigInt(Date.now()) * 1_000_000n;
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'crash' } }] };
  if (signal === 'traces') {
    const traceId = hex(16);
    const spans = ids.map((spanId) => ({
      traceId,
      spanId,
      name: 'work',
      startTimeUnixNano: String(now),
      endTimeUnixNano: String(now + 1000n),
    }));
    return { body: JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ spans }] }] }), ids };
  }
  const logRecords = ids.map((uid) => ({
    timeUnixNano: String(now),
    body: { stringValue: 'step' },
    attributes: [{ key: 'crash.uid', value: { stringValue: uid } }],
  }));
  return { body: JSON.stringify({ resourceLogs: [{ resource, scopeLogs: [{ logRecords }] }] }), ids };
}

interface Acks {
  spans: string[];
  logs: string[];
}

/** Clients that send until told to stop, each request once (no retries), noting what got a 200. */
function clients(url: string, acks: Acks, count = 4): { stop: () => Promise<void>; requests: () => number } {
  let running = true;
  let requests = 0;
  const loops = Array.from({ length: count }, async (_, i) => {
    while (running) {
      const signal = i % 2 === 0 ? 'traces' : 'logs';
      const { body, ids } = request(signal, 25);
      requests++;
      try {
        const response = await send(url, { path: `/v1/${signal}`, headers: JSON_TYPE, body });
        if (response.status === 200) (signal === 'traces' ? acks.spans : acks.logs).push(...ids);
      } catch {
        return; // The server died mid-request: that request was not acknowledged.
      }
    }
  });
  return {
    requests: () => requests,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** How the server is stopped in one round: SIGKILL after some requests, or SIGTERM then SIGKILL. */
type KillPoint = { afterRequests: number; drainMs?: number };

const KILL_POINTS: KillPoint[] = [
  { afterRequests: 0 }, // right after start, before any write
  { afterRequests: 5 }, // the first batches
  { afterRequests: 60 }, // mid-stream
  { afterRequests: 30, drainMs: 0 }, // SIGTERM, then SIGKILL at once: the drain has just begun
  { afterRequests: 30, drainMs: 15 }, // during the drain, while queued records are written
  { afterRequests: 120 }, // later, with more in the file
];

async function crashRounds(args: string[], cwd: string, acks: Acks, points = KILL_POINTS): Promise<void> {
  for (const point of points) {
    const server = await serve(args, cwd);
    const load = clients(server.url, acks);
    while (load.requests() < point.afterRequests) await sleep(2);
    if (point.drainMs !== undefined) {
      server.child.kill('SIGTERM');
      await sleep(point.drainMs);
    }
    server.child.kill('SIGKILL');
    await server.exited;
    await load.stop();
  }
}

function expectExactlyOnce(acknowledged: string[], counts: Map<string, number>): void {
  const wrong = acknowledged.filter((id) => counts.get(id) !== 1).map((id) => `${id}: ${counts.get(id) ?? 0}`);
  expect(wrong).toEqual([]);
}

describe('otel-bridge serve killed with SIGKILL', () => {
  it('keeps every span and log it acknowledged, exactly once, in its DuckDB file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-crash-'));
    const path = join(directory, 'crash.duckdb');
    const acks: Acks = { spans: [], logs: [] };
    try {
      await crashRounds(['--duckdb-path', path], directory, acks);
      expect(acks.spans.length).toBeGreaterThan(500);
      expect(acks.logs.length).toBeGreaterThan(500);
      const instance = await DuckDBInstance.create(path);
      const connection = await instance.connect();
      const counted = async (sql: string) =>
        new Map(
          ((await connection.runAndReadAll(sql)).getRows() as [string, bigint][]).map(([id, n]) => [id, Number(n)]),
        );
      expectExactlyOnce(acks.spans, await counted('SELECT span_id, count(*) FROM otel_spans GROUP BY span_id'));
      expectExactlyOnce(
        acks.logs,
        await counted(`SELECT attributes->>'$."crash.uid"', count(*) FROM otel_logs GROUP BY 1`),
      );
      connection.closeSync();
      instance.closeSync();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 120_000);

  it('keeps every span and log it acknowledged, exactly once, in embedded ClickHouse (chdb)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-crash-chdb-'));
    const data = join(directory, 'data');
    const acks: Acks = { spans: [], logs: [] };
    try {
      // Fewer rounds: chdb takes seconds to start. Mid-stream, during the drain, and early.
      await crashRounds(['--clickhouse-url', `chdb:${data}`], directory, acks, [
        KILL_POINTS[2]!,
        KILL_POINTS[4]!,
        KILL_POINTS[1]!,
      ]);
      expect(acks.spans.length + acks.logs.length).toBeGreaterThan(500);
      // chdb holds one data directory per process: the rows are counted, without FINAL, in a process of their own.
      const script = `
        const { Session } = require(${JSON.stringify(require.resolve('chdb'))});
        const session = new Session(${JSON.stringify(data)});
        const rows = (sql) => JSON.parse(session.query(sql, 'JSONCompact')).data;
        console.log(JSON.stringify({
          spans: rows('SELECT span_id, count() FROM otel.otel_spans GROUP BY span_id'),
          logs: rows("SELECT JSONExtractString(attributes, 'crash.uid'), count() FROM otel.otel_logs GROUP BY 1"),
        }));
        session.cleanup?.();`;
      const counts = JSON.parse(execFileSync(process.execPath, ['-e', script]).toString()) as Record<
        'spans' | 'logs',
        [string, string | number][]
      >;
      const asMap = (rows: [string, string | number][]) => new Map(rows.map(([id, n]) => [id, Number(n)]));
      expectExactlyOnce(acks.spans, asMap(counts.spans));
      expectExactlyOnce(acks.logs, asMap(counts.logs));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 120_000);
});
