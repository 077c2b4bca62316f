import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import type { ObservabilityStore } from '../../../src/storage/types';
import { FaultInjector, outage, permanent, type Fault } from '../../support/faulty-store';
import { send } from '../../support/http';
import { sdkSpans, tracesBody } from '../../support/telemetry';

/**
 * A store that fails for a while is an outage: clients get 503 with Retry-After (never a 500, never a
 * 200 for data not written), and everything acknowledged is stored once the cause is gone.
 */

const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Delivery {
  statuses: number[];
  retryAfter: Set<string>;
  /** Trace ids of every span acknowledged with a 200. */
  acknowledged: string[];
}

/** An OTLP client that retries 429 and 503 as the exporters do, and fails on any other status. */
async function deliver(
  receiver: ReceiverHandle,
  spansPerBatch: number,
  batches: number,
  log: Delivery,
  attribute = {},
) {
  for (let b = 0; b < batches; b++) {
    const spans = sdkSpans(spansPerBatch, attribute);
    const body = tracesBody(spans, 'protobuf');
    for (let attempt = 0; ; attempt++) {
      const response = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body });
      log.statuses.push(response.status);
      if (response.status === 200) {
        log.acknowledged.push(...spans.map((span) => span.spanContext().traceId));
        break;
      }
      if (response.status !== 503 && response.status !== 429) {
        throw new Error(`status ${response.status}: ${response.body.toString()}`);
      }
      log.retryAfter.add(String(response.headers['retry-after']));
      if (attempt > 400) throw new Error('never delivered');
      await sleep(25);
    }
  }
}

async function missing(store: ObservabilityStore, traceIds: string[]): Promise<string[]> {
  const absent: string[] = [];
  for (const id of traceIds) if ((await store.getTrace(id)) === null) absent.push(id);
  return absent;
}

const QUICK_RETRIES = { retryDelayMs: 20, maxRetryDelayMs: 40, maxRetries: 2 };

describe.each<[string, Fault]>([
  ['reports an outage (a lost connection)', () => outage('connection lost', 'connection')],
  ['refuses every write with an error it calls permanent', () => permanent('cannot write')],
])('a store that %s for a while', (_name, fault) => {
  it('gets 503 with Retry-After, never 500, and stores everything acknowledged once it recovers', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const faults = new FaultInjector();
    const receiver = await startReceiver({ store: faults.wrap(store), port: 0, ...QUICK_RETRIES });
    const log: Delivery = { statuses: [], retryAfter: new Set(), acknowledged: [] };
    try {
      faults.fault = fault;
      const clients = Array.from({ length: 4 }, () => deliver(receiver, 20, 5, log));
      while (!log.statuses.includes(503)) await sleep(10);
      await sleep(300);
      faults.fault = null;
      await Promise.all(clients);
      expect(log.statuses).toContain(503);
      expect(log.statuses.filter((status) => status !== 200 && status !== 503 && status !== 429)).toEqual([]);
      expect([...log.retryAfter]).toEqual(['1']);
      expect(log.acknowledged).toHaveLength(4 * 5 * 20);
      expect(await missing(store, log.acknowledged)).toEqual([]);
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});

const isRoot = process.getuid?.() === 0;

describe('a full disk under a DuckDB file', () => {
  if (!isRoot) {
    const why = 'needs root to mount a small tmpfs for the DuckDB file (CI runs as root)';
    if (process.env.CI)
      it(`runs in CI: ${why}`, () => {
        throw new Error(`${why}; this run is not root`);
      });
    else it.skip(why, () => undefined);
    return;
  }

  it('gets 503s while the disk is full, recovers by itself when space is freed, and loses nothing acknowledged', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', directory]);
    const path = join(directory, 'full.duckdb');
    const filler = join(directory, 'filler');
    let store = new DuckDBStore({ path });
    let receiver: ReceiverHandle | null = null;
    try {
      receiver = await startReceiver({ store, port: 0, ...QUICK_RETRIES });
      // Leave about 2 MB: the write-ahead log fills it within a few batches.
      const { bavail, bsize } = statfsSync(directory);
      writeFileSync(filler, Buffer.alloc(bavail * bsize - 2 * 1024 * 1024));
      const log: Delivery = { statuses: [], retryAfter: new Set(), acknowledged: [] };
      const payload = { 'gen_ai.prompt': 'x'.repeat(2000) };
      const clients = Array.from({ length: 3 }, () => deliver(receiver!, 50, 8, log, payload));
      while (log.statuses.filter((status) => status === 503).length < 5) await sleep(20);
      rmSync(filler);
      await Promise.all(clients);
      expect(log.statuses.filter((status) => status !== 200 && status !== 503 && status !== 429)).toEqual([]);
      expect(log.acknowledged).toHaveLength(3 * 8 * 50);
      await receiver.close();
      receiver = null;
      await store.close();
      // Reopened, the file holds every acknowledged span.
      store = new DuckDBStore({ path });
      await store.init();
      expect(await missing(store, log.acknowledged)).toEqual([]);
    } finally {
      await receiver?.close();
      await store.close();
      execFileSync('umount', [directory]);
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
