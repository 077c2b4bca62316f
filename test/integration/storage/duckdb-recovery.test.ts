import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBEngine, type TableRows } from '../../../src/storage/duckdb/engine';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { StorageError } from '../../../src/storage/errors';
import { makeSpan, spanId, traceId } from '../../support/records';

/**
 * A write that DuckDB fails (its memory exhausted, a rollback that cannot allocate either) costs that
 * write only: the connection it ran on stays usable, and the failure is an outage to retry.
 */

const spans = (count: number, nameBytes: number) =>
  Array.from({ length: count }, () =>
    makeSpan({ traceId: traceId(), spanId: spanId(), name: randomBytes(nameBytes).toString('hex') }),
  );

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('DuckDB under memory pressure', () => {
  it('fails a batch larger than its memory as a retryable overload, and writes the next batches', async () => {
    // In memory and without a temporary directory, DuckDB cannot spill: a 12 MB budget (the schema's tables take 8)
    // cannot hold 32 MB of names.
    const store = new DuckDBStore({ path: ':memory:', memoryLimit: '12MB', threads: 1 });
    await store.init();
    try {
      const error = await failure(store.batchCreateSpans({ spans: spans(4000, 4000) }));
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toMatch(/could not allocate/);
      expect((error as StorageError).retryable).toBe(true);
      expect((error as StorageError).reason).toBe('overload');
      // More batches than a table has write connections, so that each connection writes after the failure.
      const small = Array.from({ length: 5 }, () => spans(10, 16));
      for (const batch of small) await store.batchCreateSpans({ spans: batch });
      for (const batch of small) expect((await store.getTrace(batch[3]!.traceId))!.spans).toHaveLength(1);
    } finally {
      await store.close();
    }
  }, 60_000);
});

/** A real engine whose next rollbacks fail as they can when DuckDB cannot allocate. */
class FailingRollbackEngine extends DuckDBEngine {
  failures = 0;

  protected override async rollback(connection: DuckDBConnection): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('Out of Memory Error: could not allocate block of size 256.0 KiB');
    }
    await super.rollback(connection);
  }
}

const KEYS = 'keys';
const rows = (keys: (number | string)[]): TableRows => ({
  table: KEYS,
  types: ['int32'],
  columns: [keys],
  rowCount: keys.length,
});

describe('DuckDB engine after a failed insert', () => {
  let engine: FailingRollbackEngine;
  const insert = (keys: (number | string)[]) =>
    engine.handle({ op: 'insert', table: KEYS, rows: rows(keys), with: [] });
  const stored = async () =>
    ((await engine.handle({ op: 'query', sql: `SELECT k FROM ${KEYS} ORDER BY k`, params: [] })) as [number][]).map(
      ([key]) => key,
    );

  beforeEach(async () => {
    engine = new FailingRollbackEngine();
    const statements = [`CREATE TABLE ${KEYS} (k INTEGER PRIMARY KEY)`];
    await engine.handle({ op: 'open', path: ':memory:', config: {}, statements });
  });

  afterEach(() => engine.handle({ op: 'close' }));

  it('replaces a connection whose rollback failed, instead of answering "transaction is aborted" for ever', async () => {
    await insert([1]);
    engine.failures = 1;
    // A duplicate key fails the transaction; its rollback fails too, and the transaction would stay open.
    expect(await failure(insert([2, 1]))).toHaveProperty('message', expect.stringMatching(/duplicate key/i));
    for (let key = 3; key <= 6; key++) await insert([key]);
    expect(await stored()).toEqual([1, 3, 4, 5, 6]);
  });

  it('discards an appender left holding rows and half a row, so that none of them is written later', async () => {
    // The third cell is not an int32: appending fails halfway through the batch.
    expect(await failure(insert([7, 8, 'nine', 10]))).toHaveProperty('message', expect.stringMatching(/expected/i));
    engine.failures = 1;
    expect(await failure(insert([11, 11]))).toHaveProperty('message', expect.stringMatching(/duplicate key/i));
    await insert([12]);
    await insert([13]);
    expect(await stored()).toEqual([12, 13]);
  });
});
