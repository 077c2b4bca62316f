import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { TABLE_NAMES } from '../../../src/storage/columns';
import { DuckDBEngine } from '../../../src/storage/duckdb/engine';
import { createTable } from '../../../src/storage/duckdb/schema';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { describeColumnEvolution } from '../../support/column-evolution';
import type { SpanRecord } from '../../../src/records/types';
import { BASE_TIME, makeSpan, spanId, traceId } from '../../support/records';

describeColumnEvolution('DuckDB', () => {
  const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-duckdb-older-'));
  const path = join(directory, 'older.duckdb');
  return Promise.resolve({
    // The tables as an older store made them, through the same engine.
    createOlder: async (signal, columns, records) => {
      const engine = new DuckDBEngine();
      const table = TABLE_NAMES[signal];
      await engine.handle({ op: 'open', path, config: {}, statements: [createTable(signal, columns)] });
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

  it('lists and finds the traces of a file written before the trace-parts table existed', async () => {
    const path = join(directory, 'old.duckdb');
    const root = makeSpan({ name: 'root', inputTokens: 5, totalTokens: 5, totalCost: 0.5 });
    const spans = [
      root,
      makeSpan({
        traceId: root.traceId,
        parentSpanId: root.spanId,
        totalTokens: 7,
        totalCost: 0.25,
        startTimeUnixNano: BASE_TIME + 5n,
        endTimeUnixNano: BASE_TIME + 9_000_000n,
        durationNano: 9_000_000n - 5n,
      }),
    ];
    const rootless = makeSpan({ parentSpanId: spanId(), name: 'orphan', startTimeUnixNano: BASE_TIME - 10n });
    const store = new DuckDBStore({ path });
    await store.init();
    await store.batchCreateSpans({ spans });
    // A retried batch: the copies count once.
    await store.batchCreateSpans({ spans });
    await store.batchCreateSpans({ spans: [rootless] });
    await store.close();

    // The tables as an older version left them: no parts, and the trace ranges with their index.
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run('DROP TABLE otel_trace_parts');
    await connection.run('CREATE TABLE otel_trace_ranges (trace_id VARCHAR, min_start_unix_nano BIGINT)');
    await connection.run('CREATE INDEX otel_trace_ranges_trace_id ON otel_trace_ranges (trace_id)');
    connection.closeSync();
    instance.closeSync();

    const reopened = new DuckDBStore({ path });
    await reopened.init();
    expect((await reopened.getTrace(root.traceId))!.spans).toEqual(spans);
    const { traces, pagination } = await reopened.listTraces();
    expect(pagination).toMatchObject({ total: 2, totalExact: true });
    expect(traces.map((t) => [t.name, t.hasRoot, t.trace.spanCount, t.trace.totalTokens, t.trace.cost])).toEqual([
      ['root', true, 2, 12, 0.75],
      ['orphan', false, 1, null, null],
    ]);
    // Written after the backfill, a later part of the trace still lists once.
    await reopened.batchCreateSpans({ spans: [spans[1]!] });
    expect((await reopened.listTraces({ filter: { traceId: root.traceId } })).traces).toHaveLength(1);
    const tables = await reopened['read']('test', 'SELECT table_name FROM duckdb_tables() ORDER BY 1', []);
    expect(tables.flat()).not.toContain('otel_trace_ranges');
    await reopened.close();
  });

  it('reads only a fraction of the parts and spans for the newest page, a 1-hour window and getTrace', async () => {
    const store = new DuckDBStore({ path: join(directory, 'plans.duckdb') });
    await store.init();
    const minute = 60_000_000_000n;
    // 48 hours of traces, a minute apart, written in time order as a collector sends them: many row groups.
    const traces = 2880;
    const perTrace = 50;
    for (let batch = 0; batch < traces; batch += 40) {
      const spans: SpanRecord[] = [];
      for (let i = batch; i < batch + 40; i++) {
        const start = BASE_TIME + BigInt(i) * minute;
        const root = makeSpan({ startTimeUnixNano: start, endTimeUnixNano: start + 1_000n, durationNano: 1_000n });
        spans.push(root);
        for (let child = 1; child < perTrace; child++) {
          spans.push(
            makeSpan({
              traceId: root.traceId,
              parentSpanId: root.spanId,
              startTimeUnixNano: start + BigInt(child),
              endTimeUnixNano: start + 1_000n,
              durationNano: 1_000n - BigInt(child),
            }),
          );
        }
      }
      await store.batchCreateSpans({ spans });
    }
    const spanRows = traces * perTrace;
    /** The rows each table scan of the statement read (not the rows it kept), by table, from DuckDB's profile. */
    interface ProfileNode {
      operator_type?: string;
      operator_rows_scanned?: number;
      extra_info?: { Table?: string };
      children?: ProfileNode[];
    }
    const scanned = async (sql: string, params: unknown[]): Promise<Map<string, number>> => {
      const [[, profile]] = (await store['read']('test', `EXPLAIN (ANALYZE, FORMAT json) ${sql}`, params as never)) as [
        [string, string],
      ];
      const rows = new Map<string, number>();
      const visit = (node: ProfileNode): void => {
        const table = node.extra_info?.Table?.replace(/^.*\./, '');
        if (node.operator_type === 'TABLE_SCAN' && table)
          rows.set(table, (rows.get(table) ?? 0) + node.operator_rows_scanned!);
        node.children?.forEach(visit);
      };
      visit(JSON.parse(profile) as ProfileNode);
      return rows;
    };
    const window = BASE_TIME + 24n * 60n * minute;
    const hour = await scanned(
      `SELECT trace_id, written, start_time_unix_nano FROM otel_trace_parts
       WHERE start_time_unix_nano >= $1 AND start_time_unix_nano < $2 ORDER BY start_time_unix_nano DESC LIMIT 101`,
      [window, window + 60n * minute],
    );
    // Rows scanned, not kept: the zone maps skip by vectors of 2,048 rows, so the hour's 60 parts cost the one
    // vector they lie in, of the 2,880 a scan without the bound reads.
    expect(hour.get('otel_trace_parts')).toBeLessThanOrEqual(2048);
    // The statements the store itself runs, to profile them as they are.
    const statements: [string, unknown[]][] = [];
    const read = store['read'].bind(store);
    store['read'] = (operation, sql, params) => {
      statements.push([sql, params]);
      return read(operation, sql, params);
    };
    const { traces: newest } = await store.listTraces({ perPage: 50 });
    const [trace] = newest;
    const listed = statements.length;
    expect((await store.getTrace(trace!.traceId))!.spans).toHaveLength(perTrace);
    const [spansSql, spansParams] = statements.slice(listed).find(([sql]) => sql.includes('FROM otel_spans'))!;
    const ofOne = await scanned(spansSql, spansParams);
    expect(ofOne.get('otel_spans')).toBeLessThan(spanRows / 10);
    expect((await store.listTraces({ filter: { from: window, to: window + 60n * minute } })).pagination.total).toBe(60);
    await store.close();
  }, 120_000);

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
