import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDBStore } from '../../src/storage/duckdb/store';
import { BASE_TIME, makeSpan, traceId } from '../support/records';

describe('DuckDB store specifics', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'otel-bridge-duckdb-'));
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('finds the spans of a file written before the trace-range table existed', async () => {
    const path = join(directory, 'old.duckdb');
    const id = traceId();
    const spans = [makeSpan({ traceId: id }), makeSpan({ traceId: id, startTimeUnixNano: BASE_TIME + 5n, endTimeUnixNano: BASE_TIME + 9n, durationNano: 4n })];
    const store = new DuckDBStore({ path });
    await store.init();
    await store.batchCreateSpans({ spans });
    await store.close();

    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run('DROP TABLE otel_trace_ranges');
    connection.closeSync();
    instance.closeSync();

    const reopened = new DuckDBStore({ path });
    await reopened.init();
    expect((await reopened.getTrace(id))!.spans).toEqual(spans);
    await reopened.close();
  });

  it('finds every span of a trace written across several batches and hours', async () => {
    const store = new DuckDBStore({ path: join(directory, 'spread.duckdb') });
    await store.init();
    const id = traceId();
    const hour = 3_600_000_000_000n;
    const early = makeSpan({ traceId: id, name: 'early' });
    const late = makeSpan({ traceId: id, name: 'late', startTimeUnixNano: BASE_TIME + hour, endTimeUnixNano: BASE_TIME + hour + 1n, durationNano: 1n });
    await store.batchCreateSpans({ spans: [early, makeSpan()] });
    await store.batchCreateSpans({ spans: [makeSpan({ startTimeUnixNano: BASE_TIME + 5n, endTimeUnixNano: BASE_TIME + 6n, durationNano: 1n })] });
    await store.batchCreateSpans({ spans: [late] });
    expect((await store.getTrace(id))!.spans.map((span) => span.name)).toEqual(['early', 'late']);
    await store.close();
  });
});
