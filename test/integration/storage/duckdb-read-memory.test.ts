import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { makeSpan, spanId, traceId } from '../../support/records';

const MiB = 2 ** 20;

/**
 * A read's result holds native memory in the DuckDB worker until V8 collects it (`worker.ts`); a
 * reader that polls, with nothing else allocating there, must not make the process grow read by read.
 */
describe('DuckDB reads and resident memory', () => {
  it('frees each read’s result: 400 reads of one trace grow the process by less than 64 MiB', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    await store.init();
    try {
      const trace = traceId();
      await store.batchCreateSpans({
        spans: Array.from({ length: 20 }, () => makeSpan({ traceId: trace, spanId: spanId() })),
      });
      for (let i = 0; i < 20; i++) await store.getTrace(trace);
      const before = process.memoryUsage.rss();
      let peak = before;
      for (let i = 0; i < 400; i++) {
        expect((await store.getTrace(trace))!.spans).toHaveLength(20);
        peak = Math.max(peak, process.memoryUsage.rss());
      }
      // Each read's result holds about 1 MiB natively until it is collected: 400 reads kept would be 400 MiB.
      expect((peak - before) / MiB).toBeLessThan(64);
    } finally {
      await store.close();
    }
  }, 120_000);
});
