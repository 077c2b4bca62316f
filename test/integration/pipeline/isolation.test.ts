import { MAX_ISOLATION_WRITES } from '../../../src/pipeline/batch-writer';
import { WriteDroppedError } from '../../../src/pipeline/errors';
import { StorePipeline } from '../../../src/pipeline/store-pipeline';
import type { SpanRecord } from '../../../src/records/types';
import { ClickHouseStore } from '../../../src/storage/clickhouse/store';
import { StorageError } from '../../../src/storage/errors';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { closeChdbClient, openChdbClient, uniqueDatabase } from '../../support/clickhouse';
import { FaultInjector, failingOn, outage, permanent } from '../../support/faulty-store';
import { makeSpan } from '../../support/records';

/**
 * When a store fails a batch permanently for a reason validation did not foresee, the pipeline
 * bisects it: the records at fault are rejected against their own submissions, everything else is
 * written. Proven on a real DuckDB store whose writes fail when they hold a chosen record.
 */

const POISON = 'poison';
const poisoned = (record: unknown): boolean => (record as SpanRecord).name === POISON;

describe('isolating the records a store refuses', () => {
  let store: DuckDBStore;
  let faults: FaultInjector;
  let pipeline: StorePipeline;

  beforeEach(async () => {
    store = new DuckDBStore({ path: ':memory:' });
    await store.init();
    faults = new FaultInjector();
    pipeline = new StorePipeline(faults.wrap(store), { retryDelayMs: 10, maxRetryDelayMs: 20, maxRetries: 8 });
  });

  afterEach(async () => {
    await pipeline.shutdown();
    await store.close();
  });

  const stored = async () => (await store.listTraces({ perPage: 1000 })).pagination.total;
  const submission = (size: number, poisonAt: number[] = []) =>
    Array.from({ length: size }, (_, index) => makeSpan(poisonAt.includes(index) ? { name: POISON } : {}));

  it('rejects only the records at fault, against their own submissions, and writes the rest', async () => {
    faults.fault = failingOn(poisoned);
    const poisonAt: number[][] = [[], [3], [], [], [0, 24], [], [10], []];
    const submissions = poisonAt.map((at) => submission(25, at));
    // Submitted together, they are written as one batch.
    const outcomes = await Promise.all(submissions.map((spans) => pipeline.submit('spans', spans)));
    outcomes.forEach((outcome, i) => {
      expect(outcome.accepted).toBe(25 - poisonAt[i]!.length);
      expect(outcome.rejected.map((issue) => issue.index)).toEqual(poisonAt[i]);
    });
    expect(outcomes[4]!.rejected[0]!.message).toMatch(/the store refused this record alone.*cannot hold this value/);
    expect(await stored()).toBe(200 - 4);
    for (const spans of submissions) {
      for (const span of spans)
        expect(await store.getTrace(span.traceId)).toEqual(poisoned(span) ? null : expect.anything());
    }
    expect(faults.attempts.length).toBeLessThanOrEqual(1 + MAX_ISOLATION_WRITES);
    expect(pipeline.stats.spans.dropped.invalid).toBe(4);
  });

  it('finds the records at fault in several rounds when one round’s writes run out', async () => {
    faults.fault = failingOn(poisoned);
    // One bad record in 40 costs more than one round of isolation writes.
    const poisonAt = Array.from({ length: 40 }, (_, i) => i * 5);
    const outcome = await pipeline.submit('spans', submission(200, poisonAt));
    expect(outcome.accepted).toBe(160);
    expect(outcome.rejected.map((issue) => issue.index).sort((a, b) => a - b)).toEqual(poisonAt);
    expect(await stored()).toBe(160);
  });

  it('treats a store that refuses every write as an outage, and writes the batch once it passes', async () => {
    let failures = 0;
    faults.fault = () => (++failures <= 6 ? permanent('the disk is unhappy') : null);
    const outcomes = await Promise.all(
      [submission(30), submission(1), submission(12)].map((spans) => pipeline.submit('spans', spans)),
    );
    expect(outcomes).toEqual([
      { accepted: 30, rejected: [] },
      { accepted: 1, rejected: [] },
      { accepted: 12, rejected: [] },
    ]);
    expect(await stored()).toBe(43);
    expect(pipeline.stats.spans.dropped.invalid).toBe(0);
  });

  it('gives up on a store that refuses everything with a retryable error, blaming no record', async () => {
    faults.fault = () => permanent('refuses everything');
    const quick = new StorePipeline(faults.wrap(store), { retryDelayMs: 1, maxRetryDelayMs: 2, maxRetries: 2 });
    const error = await quick.submit('spans', submission(8)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteDroppedError);
    const cause = (error as WriteDroppedError).cause as StorageError;
    expect(cause.retryable).toBe(true);
    expect(cause.message).toMatch(/no part of the batch could be written.*refuses everything/);
    expect(quick.stats.spans.dropped).toEqual({ invalid: 0, buffer_full: 0, write_failed: 8 });
    await quick.shutdown();
  });

  it('blames a record alone in its batch once other writes succeed, without turning them away meanwhile', async () => {
    faults.fault = failingOn(poisoned);
    const lone = pipeline.submit('spans', submission(1, [0]));
    // The lone record fails; while it waits to be retried, the writer is not failing, and others write.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pipeline.writer('spans').isFailing).toBe(false);
    await expect(pipeline.submit('spans', submission(5))).resolves.toEqual({ accepted: 5, rejected: [] });
    await expect(lone).resolves.toEqual({ accepted: 0, rejected: [expect.objectContaining({ index: 0 })] });
    expect(await stored()).toBe(5);
  });

  it('stops isolating when the store goes down, and writes the rest once it is back', async () => {
    let writes = 0;
    faults.fault = (signal, records) => {
      writes++;
      if (writes >= 3 && writes <= 6) return outage('connection lost', 'connection');
      return failingOn(poisoned)(signal, records);
    };
    const submissions = [submission(10), submission(10, [7]), submission(10)];
    const outcomes = await Promise.all(submissions.map((spans) => pipeline.submit('spans', spans)));
    expect(outcomes.map((outcome) => outcome.rejected.map((issue) => issue.index))).toEqual([[], [7], []]);
    expect(outcomes.map((outcome) => outcome.accepted)).toEqual([10, 9, 10]);
    expect(await stored()).toBe(29);
  });
});

describe('a ClickHouse batch that spans more days than one insert may (chdb)', () => {
  it('is split and written whole, blaming no record', async () => {
    const client = await openChdbClient();
    const store = new ClickHouseStore({ client, database: uniqueDatabase('isolation') });
    const pipeline = new StorePipeline(store, { retryDelayMs: 10 });
    try {
      const day = 86_400_000_000_000n;
      const spans = Array.from({ length: 150 }, (_, i) => {
        const start = 1_700_000_000_000_000_000n - BigInt(i) * day;
        return makeSpan({ startTimeUnixNano: start, endTimeUnixNano: start + 10n, durationNano: 10n });
      });
      await expect(pipeline.submit('spans', spans)).resolves.toEqual({ accepted: 150, rejected: [] });
      expect((await store.listTraces({ perPage: 1000 })).pagination.total).toBe(150);
    } finally {
      await pipeline.shutdown();
      await store.close();
      await closeChdbClient(client);
    }
  });
});
