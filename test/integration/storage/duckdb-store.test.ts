import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { TABLE_NAMES } from '../../../src/storage/columns';
import { DuckDBEngine } from '../../../src/storage/duckdb/engine';
import { createTable } from '../../../src/storage/duckdb/schema';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { describeColumnEvolution } from '../../support/column-evolution';
import { BASE_TIME, makeSpan, traceId } from '../../support/records';

describeColumnEvolution('DuckDB', () => {
  const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-duckdb-older-'));
  const path = join(directory, 'older.duckdb');
  return Promise.resolve({
    // The tables as an older store made them, through the same engine.
    createOlder: async (signal, columns, records) => {
      const engine = new DuckDBEngine();
      const table = TABLE_NAMES[signal];
      await engine.handle({ op: 'open', path, config: {}, statements: [createTable(signal, columns)], backfills: [] });
      const rows = {
        table,
        types: columns.map((column) => column.type),
        columns: columns.map((column) => records.map((record) => column.get(record))),
        rowCount: records.length,
      };
      await engine.handle({ op: 'insert', table, rows, with: [] });
      await engine.handle({ op: 'close' });
    },
    openStore: () => new DuckDBStore({ path }),
    cleanup: () => Promise.resolve(rmSync(directory, { recursive: true, force: true })),
  });
});

describe('DuckDB store specifics', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'otel-bridge-duckdb-'));
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('finds the spans of a file written before the trace-range table existed', async () => {
    const path = join(directory, 'old.duckdb');
    const id = traceId();
    const spans = [
      makeSpan({ traceId: id }),
      makeSpan({ traceId: id, startTimeUnixNano: BASE_TIME + 5n, endTimeUnixNano: BASE_TIME + 9n, durationNano: 4n }),
    ];
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
    const late = makeSpan({
      traceId: id,
      name: 'late',
      startTimeUnixNano: BASE_TIME + hour,
      endTimeUnixNano: BASE_TIME + hour + 1n,
      durationNano: 1n,
    });
    await store.batchCreateSpans({ spans: [early, makeSpan()] });
    await store.batchCreateSpans({
      spans: [makeSpan({ startTimeUnixNano: BASE_TIME + 5n, endTimeUnixNano: BASE_TIME + 6n, durationNano: 1n })],
    });
    await store.batchCreateSpans({ spans: [late] });
    expect((await store.getTrace(id))!.spans.map((span) => span.name)).toEqual(['early', 'late']);
    await store.close();
  });

  it("stores an agent span's input once: its attribute holds a reference to the input column", async () => {
    const path = join(directory, 'payload.duckdb');
    const prompt = `Summarise: ${'long text '.repeat(200)}`;
    const span = makeSpan({
      attributes: { 'gen_ai.input.messages': prompt, 'gen_ai.request.model': 'gpt-4o' },
      input: prompt,
    });
    const store = new DuckDBStore({ path });
    await store.init();
    await store.batchCreateSpans({ spans: [span] });
    await store.close();

    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    const rows = (await connection.runAndReadAll('SELECT attributes, input FROM otel_spans')).getRows() as [
      string,
      string,
    ][];
    connection.closeSync();
    instance.closeSync();
    expect(rows).toHaveLength(1);
    const [attributes, input] = rows[0]!;
    expect(JSON.parse(attributes)).toEqual({
      'gen_ai.input.messages': { $ref: 'input' },
      'gen_ai.request.model': 'gpt-4o',
    });
    expect(JSON.parse(input)).toBe(prompt);
  });
});
