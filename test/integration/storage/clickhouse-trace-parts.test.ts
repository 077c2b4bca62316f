import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseStore } from '../../../src/storage/clickhouse/store';
import { EXACT_JSON_OUTPUT, selectList, toCell } from '../../../src/storage/clickhouse/rows';
import { HEAD_ROW } from '../../../src/storage/clickhouse/schema';
import { TRACE_PART_HEAD_ROW_COLUMNS } from '../../../src/storage/trace-parts';
import { closeChdbClient, dropDatabase, openChdbClient, queryValue, uniqueDatabase } from '../../support/clickhouse';
import { BASE_TIME, makeSpan, spanId, traceId } from '../../support/records';

const HOUR = 3_600_000_000_000n;

let client: ClickHouseClient;
const databases: string[] = [];

beforeAll(async () => {
  client = await openChdbClient();
});

afterEach(async () => {
  for (const database of databases.splice(0)) await dropDatabase(client, database);
});

afterAll(async () => {
  await closeChdbClient(client);
});

/** A store on `database` through `through` (the test's client unless given), opened; closed after the test. */
async function openStore(database: string, through: ClickHouseClient = client): Promise<ClickHouseStore> {
  if (!databases.includes(database)) databases.push(database);
  const store = new ClickHouseStore({ client: through, database });
  await store.init();
  return store;
}

/**
 * The same client, with `settings` added to every query: a real ClickHouse limit such as `max_rows_to_read`
 * then fails any read of the store that reads more.
 */
function withQuerySettings(settings: Record<string, number | string>): ClickHouseClient {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') {
        return (params: Parameters<ClickHouseClient['query']>[0]) =>
          target.query({ ...params, clickhouse_settings: { ...params.clickhouse_settings, ...settings } });
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('ClickHouse trace parts on chdb', () => {
  it('lays the parts table out by head start and trace id, with the spans retention and a trace-hash bloom filter', async () => {
    const database = uniqueDatabase('parts');
    databases.push(database);
    const store = new ClickHouseStore({ client, database, retentionDays: { spans: 7 } });
    await store.init();
    const ddl = await queryValue(client, `SHOW CREATE TABLE ${store.schema.tracePartsTable()}`);
    expect(ddl).toContain('ENGINE = MergeTree');
    expect(ddl).toContain('PARTITION BY toDate32(start_time)');
    expect(ddl).toContain('ORDER BY (start_time, trace_id)');
    expect(ddl).toContain('TTL start_time + toIntervalDay(7)');
    expect(ddl).toContain('INDEX idx_trace_hash trace_hash TYPE bloom_filter(0.0001) GRANULARITY 1');
    await store.close();
  });

  it('packs the head row exactly as the light columns read, specials included', async () => {
    const store = await openStore(uniqueDatabase('parts'));
    const head = makeSpan({
      name: 'tab\there\nnewline "quoted" \\ back',
      statusMessage: 'ünïcødé 🚀',
      inputTokens: 2 ** 53 - 1,
      totalCost: -0,
      inputCost: 1e-300,
      outputCost: 0.1 + 0.2,
      tags: ["it's", 'a\ttag'],
      input: { messages: ['hi'] },
    });
    await store.batchCreateSpans({ spans: [head] });
    const table = store.schema.tracePartsTable();
    const read = async (select: string) => {
      const result = await client.query({
        query: `SELECT ${select} FROM ${table}`,
        format: 'JSONCompactEachRow',
        clickhouse_settings: EXACT_JSON_OUTPUT,
      });
      return (await result.json<unknown[]>())[0]!;
    };
    const cells = (row: readonly unknown[]) =>
      row.map((value, i) => toCell(TRACE_PART_HEAD_ROW_COLUMNS[i]!.type, value));
    const [packed] = await read(HEAD_ROW);
    expect(cells(JSON.parse(packed as string) as unknown[])).toEqual(
      cells(await read(selectList(TRACE_PART_HEAD_ROW_COLUMNS))),
    );
    const [listed] = (await store.listTraces()).traces;
    expect(listed).toMatchObject({ name: head.name, statusMessage: head.statusMessage, tags: head.tags });
    expect(listed!.inputTokens).toBe(2 ** 53 - 1);
    expect(Object.is(listed!.totalCost, -0)).toBe(true);
    expect(listed!.inputCost).toBe(1e-300);
    expect(listed!.outputCost).toBe(0.1 + 0.2);
    await store.close();
  });

  it('fills the parts of spans stored before the parts table existed, and lists them as before', async () => {
    const database = uniqueDatabase('parts');
    const store = await openStore(database);
    const split = traceId();
    const root = makeSpan({ traceId: split, inputTokens: 5, totalTokens: 5, totalCost: 0.5 });
    const child = makeSpan({
      traceId: split,
      parentSpanId: root.spanId,
      startTimeUnixNano: BASE_TIME + 1n,
      inputTokens: 3,
      totalTokens: 3,
      totalCost: 0.25,
    });
    // A trace whose root never came: listed by its earliest span, across midnight too.
    const orphan = traceId();
    const early = makeSpan({ traceId: orphan, parentSpanId: spanId(), startTimeUnixNano: BASE_TIME - 30n * HOUR });
    const late = makeSpan({ traceId: orphan, parentSpanId: spanId(), startTimeUnixNano: BASE_TIME - 2n * HOUR });
    await store.batchCreateSpans({ spans: [child, late] });
    await store.batchCreateSpans({ spans: [root, early, child] });
    const before = await store.listTraces();
    await store.close();

    await client.command({ query: `DROP TABLE ${database}.otel_spans_trace_parts` });
    const reopened = await openStore(database);
    const after = await reopened.listTraces();
    expect(after).toEqual(before);
    expect(after.traces.map((trace) => [trace.spanId, trace.hasRoot, trace.trace.spanCount])).toEqual([
      [root.spanId, true, 2],
      [early.spanId, false, 2],
    ]);
    expect(after.traces[0]!.trace).toMatchObject({ inputTokens: 8, totalTokens: 8, cost: 0.75 });
    await reopened.close();
  });

  it('reads a fraction of the stored parts for the newest page and for a 1-hour window', async () => {
    const database = uniqueDatabase('parts');
    const store = await openStore(database);
    // 200,000 one-span traces over 20 days, written straight into the span table; the parts come from the
    // backfill on the next open (as for an older database).
    const traces = 200_000;
    const step = (480n * HOUR) / BigInt(traces);
    await client.command({
      query: `INSERT INTO ${store.schema.table('spans')}
        (trace_id, span_id, name, kind, span_type, start_time, end_time, duration_nano, status_code, service_name)
      SELECT lower(hex(MD5(toString(number)))), lower(hex(substring(MD5(toString(number)), 1, 8))), 'GET /', 'server',
        'generic', fromUnixTimestamp64Nano(toInt64(${BASE_TIME}) + toInt64(number) * ${step}, 'UTC') AS start,
        start + toIntervalMillisecond(5), 5000000, 'ok', concat('svc-', toString(number % 4))
      FROM numbers(${traces})`,
    });
    await store.close();
    await client.command({ query: `DROP TABLE ${database}.otel_spans_trace_parts` });
    await openStore(database);
    const stored = Number(await queryValue(client, `SELECT count() FROM ${database}.otel_spans_trace_parts`));
    expect(stored).toBe(traces);

    // Every query of a list may read at most a quarter of the parts: ClickHouse fails the one that reads more.
    // Blocks of one granule: ClickHouse reads up to 65,536 rows at a time by default, a third of this small table.
    const limited = await openStore(
      database,
      withQuerySettings({ max_rows_to_read: traces / 4, max_block_size: 8192 }),
    );
    const newest = await limited.listTraces({ perPage: 50 });
    expect(newest.traces).toHaveLength(50);
    expect(newest.pagination).toMatchObject({ total: 10_000, totalExact: false, hasMore: true });
    const from = BASE_TIME + 240n * HOUR;
    const window = await limited.listTraces({ perPage: 50, filter: { from, to: from + HOUR } });
    const inWindow = Number(
      await queryValue(
        client,
        `SELECT count() FROM ${database}.otel_spans_trace_parts
         WHERE toUnixTimestamp64Nano(start_time) >= ${from} AND toUnixTimestamp64Nano(start_time) < ${from + HOUR}`,
      ),
    );
    expect(inWindow).toBeGreaterThan(300);
    expect(window.pagination).toMatchObject({ total: inWindow, totalExact: true, hasMore: true });
    for (const trace of window.traces) {
      expect(trace.startTimeUnixNano >= from && trace.startTimeUnixNano < from + HOUR).toBe(true);
    }
    // A filter that no sorting key serves reads every part, and fails the limit: the check does bind.
    await expect(limited.listTraces({ filter: { serviceName: 'svc-none' } })).rejects.toThrow(/rows/i);
    await limited.close();
  });
});
