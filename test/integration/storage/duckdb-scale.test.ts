import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogRecord, SpanRecord } from '../../../src/records/types';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { TOTAL_CAP } from '../../../src/storage/types';
import { BASE_TIME, makeLog, makeSpan, spanId } from '../../support/records';

/**
 * Issue 10: a DuckDB file with the default settings (64MB memory) holds many spans and still lists, pages, filters
 * and searches without running out of memory. CI writes 200k spans; `OTEL_BRIDGE_SCALE_SPANS=1000000` runs the
 * issue's million (several minutes on a 2-core machine, so `npm run bench` runs it).
 */
const SPANS = Number(process.env.OTEL_BRIDGE_SCALE_SPANS ?? 200_000);
const SPANS_PER_TRACE = 5;
const BATCH = 2_000;
const SERVICES = ['checkout', 'search', 'billing', 'auth'];
const SECOND = 1_000_000_000n;

describe(`DuckDB with default settings, ${SPANS} spans in a file`, () => {
  let directory: string;
  let store: DuckDBStore;
  const traces = SPANS / SPANS_PER_TRACE;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'otel-bridge-scale-'));
    store = new DuckDBStore({ path: join(directory, 'scale.duckdb') });
    await store.init();
    const started = Date.now();
    for (let first = 0; first < traces; first += BATCH / SPANS_PER_TRACE) {
      const spans: SpanRecord[] = [];
      const logs: LogRecord[] = [];
      for (let i = first; i < first + BATCH / SPANS_PER_TRACE; i++) {
        // A trace a second; every 200th lost its root.
        const start = BASE_TIME + BigInt(i) * SECOND;
        const root = makeSpan({
          startTimeUnixNano: start,
          endTimeUnixNano: start + SECOND / 2n,
          durationNano: SECOND / 2n,
          serviceName: SERVICES[i % SERVICES.length]!,
          parentSpanId: i % 200 === 0 ? spanId() : null,
        });
        spans.push(root);
        for (let child = 1; child < SPANS_PER_TRACE; child++) {
          const at = start + BigInt(child) * 1_000n;
          spans.push(
            makeSpan({
              traceId: root.traceId,
              parentSpanId: root.spanId,
              serviceName: root.serviceName,
              startTimeUnixNano: at,
              endTimeUnixNano: at + 1_000n,
              durationNano: 1_000n,
            }),
          );
        }
        if (i % 2 === 0) {
          logs.push(
            makeLog({
              timeUnixNano: start,
              traceId: root.traceId,
              message: `order ${i} ${i % 7 === 0 ? 'declined' : 'ok'}`,
            }),
          );
        }
      }
      await store.batchCreateSpans({ spans });
      await store.batchCreateLogs({ logs });
    }
    console.log(`wrote ${SPANS} spans and ${traces / 2} logs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 3_600_000);

  afterAll(async () => {
    await store?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const startOf = (i: number) => BASE_TIME + BigInt(i) * SECOND;

  it('lists the newest traces, pages deep, and filters, with a capped total', async () => {
    const started = Date.now();
    const newest = await store.listTraces({ perPage: 50 });
    expect(newest.pagination).toMatchObject({ total: TOTAL_CAP, totalExact: false, hasMore: true });
    expect(newest.traces.map((t) => t.startTimeUnixNano)).toEqual(
      Array.from({ length: 50 }, (_, i) => startOf(traces - 1 - i)),
    );
    expect(newest.traces.every((t) => t.trace.spanCount === SPANS_PER_TRACE)).toBe(true);
    const deep = await store.listTraces({ perPage: 50, page: 200 });
    expect(deep.traces.map((t) => t.startTimeUnixNano)).toEqual(
      Array.from({ length: 50 }, (_, i) => startOf(traces - 1 - 10_000 - i)),
    );
    const billing = await store.listTraces({ perPage: 50, filter: { serviceName: 'billing' } });
    expect(billing.traces).toHaveLength(50);
    expect(billing.traces.every((t) => t.serviceName === 'billing')).toBe(true);
    const middle = Math.floor(traces / 2);
    const hour = { from: startOf(middle), to: startOf(middle + 3600) };
    const window = await store.listTraces({ perPage: 50, filter: hour, orderBy: 'duration' });
    expect(window.pagination).toMatchObject({ total: Math.min(3600, traces - middle), totalExact: true });
    const rootless = window.traces.filter((t) => !t.hasRoot);
    expect(rootless.every((t) => t.trace.spanCount === SPANS_PER_TRACE)).toBe(true);
    const trace = await store.getTrace(newest.traces[0]!.traceId);
    expect(trace!.spans).toHaveLength(SPANS_PER_TRACE);
    console.log(`trace reads took ${Date.now() - started} ms`);
  }, 600_000);

  it('searches logs over a one-hour window', async () => {
    const middle = Math.floor(traces / 2);
    const { logs } = await store.listLogs({
      perPage: 100,
      filter: { from: startOf(middle), to: startOf(middle + 3600), search: 'DECLINED' },
    });
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((log) => log.message.includes('declined'))).toBe(true);
  }, 600_000);
});
