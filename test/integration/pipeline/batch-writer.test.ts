import { BatchWriter, type BatchWriterOptions, type DropReport } from '../../../src/pipeline/batch-writer';
import {
  BufferFullError,
  UnisolatedFailureError,
  WriteDroppedError,
  WriterShutdownError,
} from '../../../src/pipeline/errors';
import type { SpanRecord } from '../../../src/records/types';
import { StorageError } from '../../../src/storage/errors';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { makeSpan } from '../../support/records';

/** A gate that holds writes until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('BatchWriter over a DuckDB store', () => {
  let store: DuckDBStore;
  let batches: number[];
  let drops: DropReport[];

  beforeEach(async () => {
    store = new DuckDBStore({ path: ':memory:' });
    await store.init();
    batches = [];
    drops = [];
  });

  afterEach(() => store.close());

  function writer(options: Partial<BatchWriterOptions<SpanRecord>> = {}, before?: () => Promise<void>) {
    return new BatchWriter<SpanRecord>({
      signal: 'spans',
      write: async (records) => {
        batches.push(records.length);
        await before?.();
        await store.batchCreateSpans({ spans: records });
      },
      maxBatchSize: 1000,
      maxBufferSize: 10_000,
      maxRetries: 3,
      retryDelayMs: 1,
      maxRetryDelayMs: 5,
      groupCommit: true,
      maxConcurrentWrites: 1,
      onDrop: (report) => drops.push(report),
      ...options,
    });
  }

  const stored = async () => (await store.listTraces({ perPage: 1000 })).pagination.total;
  const spans = (count: number) => Array.from({ length: count }, () => makeSpan());

  it('starts a write at once when idle, without waiting for a timer', async () => {
    const w = writer();
    const done = w.submit(spans(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([1]);
    await done;
  });

  it('groups submissions that arrive while a write is in flight into the next write', async () => {
    const hold = gate();
    let first = true;
    const w = writer({}, async () => {
      if (first) {
        first = false;
        await hold.opened;
      }
    });
    const a = w.submit(spans(2));
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [w.submit(spans(3)), w.submit(spans(4)), w.submit(spans(5))];
    expect(w.bufferedCount).toBe(12);
    hold.open();
    const outcomes = await Promise.all([a, ...rest]);
    expect(batches).toEqual([2, 12]);
    expect(outcomes.map((outcome) => outcome.accepted)).toEqual([2, 3, 4, 5]);
    expect(await stored()).toBe(14);
  });

  it('runs up to maxConcurrentWrites writes at once, and groups what arrives while all are busy', async () => {
    const hold = gate();
    let running = 0;
    let peak = 0;
    const w = writer({ maxConcurrentWrites: 2 }, async () => {
      peak = Math.max(peak, ++running);
      await hold.opened;
      running--;
    });
    const all = [w.submit(spans(1))];
    await new Promise((resolve) => setImmediate(resolve));
    all.push(w.submit(spans(2)));
    await new Promise((resolve) => setImmediate(resolve));
    all.push(w.submit(spans(3)), w.submit(spans(4)));
    hold.open();
    await Promise.all(all);
    expect(peak).toBe(2);
    expect(batches).toEqual([1, 2, 7]);
    expect(await stored()).toBe(10);
  });

  it('writes at most maxBatchSize records at a time, and settles a large submission after all of it', async () => {
    const w = writer({ maxBatchSize: 1000 });
    const outcome = await w.submit(spans(2500));
    expect(batches).toEqual([1000, 1000, 500]);
    expect(outcome).toEqual({ accepted: 2500, rejected: [] });
    expect(await stored()).toBe(2500);
  });

  it('writes each submission on its own when group commit is off (realtime)', async () => {
    const hold = gate();
    const w = writer({ groupCommit: false }, () => hold.opened);
    const all = [w.submit(spans(1)), w.submit(spans(2)), w.submit(spans(3))];
    hold.open();
    await Promise.all(all);
    expect(batches).toEqual([1, 2, 3]);
  });

  it('fails fast when the buffer is full, queues nothing, and reports it', async () => {
    const hold = gate();
    const w = writer({ maxBufferSize: 100, maxBatchSize: 50 }, () => hold.opened);
    const inFlight = w.submit(spans(50));
    await new Promise((resolve) => setImmediate(resolve));
    const queued = w.submit(spans(100));
    const refused = await w.submit(spans(1)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BufferFullError);
    expect((refused as BufferFullError).message).toMatch(/100 of 100 spans records are waiting/);
    expect((refused as BufferFullError).oversized).toBe(false);
    const oversized = await w.submit(spans(101)).catch((error: unknown) => error);
    expect((oversized as BufferFullError).oversized).toBe(true);
    expect(drops.map((drop) => [drop.reason, drop.count])).toEqual([
      ['buffer_full', 1],
      ['buffer_full', 101],
    ]);
    hold.open();
    await Promise.all([inFlight, queued]);
    expect(await stored()).toBe(150);
    expect(w.stats.committed).toBe(150);
  });

  it('retries a failed write with the same batch, and reports the store as failing meanwhile', async () => {
    let failures = 2;
    const seen: SpanRecord[][] = [];
    const w = new BatchWriter<SpanRecord>({
      signal: 'spans',
      write: async (records) => {
        seen.push([...records]);
        if (failures-- > 0)
          throw new StorageError({ store: 'duckdb', operation: 'insert', retryable: true, message: 'lock timeout' });
        await store.batchCreateSpans({ spans: records });
      },
      maxBatchSize: 1000,
      maxBufferSize: 1000,
      maxRetries: 3,
      retryDelayMs: 20,
      maxRetryDelayMs: 100,
      groupCommit: true,
      maxConcurrentWrites: 1,
    });
    const done = w.submit(spans(3));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(w.isFailing).toBe(true);
    await expect(done).resolves.toEqual({ accepted: 3, rejected: [] });
    expect(w.isFailing).toBe(false);
    expect(seen).toHaveLength(3);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    expect(w.stats.retries).toBe(2);
    expect(await stored()).toBe(3);
  });

  it('drops a batch after its retries run out, reports how many and why, and keeps what was stored', async () => {
    const kept = spans(2);
    let broken = false;
    const w = writer({ maxRetries: 2 }, () =>
      broken ? Promise.reject(new Error('disk unplugged')) : Promise.resolve(),
    );
    await w.submit(kept);
    broken = true;
    const error = await w.submit(spans(4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteDroppedError);
    expect((error as WriteDroppedError).attempts).toBe(3);
    expect((error as Error).message).toBe('dropped 4 spans records after 3 attempt(s): disk unplugged');
    expect(drops).toEqual([expect.objectContaining({ signal: 'spans', count: 4, reason: 'write_failed' })]);
    expect(w.stats.dropped.write_failed).toBe(4);
    expect(await stored()).toBe(2);
    expect((await store.getTrace(kept[0]!.traceId))!.spans).toEqual([kept[0]]);
  });

  it('retries a permanent failure that no record can be blamed for, as an outage', async () => {
    const w = writer({}, () =>
      Promise.reject(
        new StorageError({ store: 'duckdb', operation: 'insert', retryable: false, message: 'table is read-only' }),
      ),
    );
    const error = await w.submit(spans(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteDroppedError);
    expect((error as Error).message).toMatch(
      /after 4 attempt\(s\): .*no part of the batch could be written.*table is read-only/,
    );
    expect((error as WriteDroppedError).cause).toBeInstanceOf(UnisolatedFailureError);
    expect(((error as WriteDroppedError).cause as StorageError).retryable).toBe(true);
    expect(batches).toEqual([1, 1, 1, 1]);
  });

  it('stores the valid records of a grouped batch and rejects only the invalid ones, against their own submission', async () => {
    const hold = gate();
    let first = true;
    const w = writer({}, async () => {
      if (first) {
        first = false;
        await hold.opened;
      }
    });
    const warmup = w.submit(spans(1));
    await new Promise((resolve) => setImmediate(resolve));
    const clean = w.submit(spans(2));
    const dirty = w.submit([makeSpan(), { ...makeSpan(), spanId: 'short' }, makeSpan()]);
    hold.open();
    await warmup;
    expect(await clean).toEqual({ accepted: 2, rejected: [] });
    expect(await dirty).toEqual({ accepted: 2, rejected: [expect.objectContaining({ index: 1, path: '/spanId' })] });
    expect(drops).toEqual([expect.objectContaining({ reason: 'invalid', count: 1 })]);
    expect(await stored()).toBe(5);
  });

  it('drains on shutdown, then refuses new records', async () => {
    const hold = gate();
    const w = writer({}, () => hold.opened);
    const pending = w.submit(spans(3));
    const shutdown = w.shutdown();
    await expect(w.submit(spans(1))).rejects.toBeInstanceOf(WriterShutdownError);
    hold.open();
    await shutdown;
    await expect(pending).resolves.toEqual({ accepted: 3, rejected: [] });
    expect(await stored()).toBe(3);
  });

  it('flush() waits for everything submitted before it', async () => {
    const hold = gate();
    const w = writer({}, () => hold.opened);
    void w.submit(spans(2));
    void w.submit(spans(3));
    let flushed = false;
    const flushing = w.flush().then(() => (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(flushed).toBe(false);
    hold.open();
    await flushing;
    expect(await stored()).toBe(5);
  });
});
