import { RecordValidationError } from '../../../src/records/validate';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { ConfigurationError } from '../../../src/errors';
import type { Signal } from '../../../src/records/types';
import { COLUMNS, TABLE_NAMES, type Column } from '../../../src/storage/columns';
import { StorageError } from '../../../src/storage/errors';
import { failureReason } from '../../../src/storage/clickhouse/errors';
import { Params, traceSpansQuery, where } from '../../../src/storage/clickhouse/query';
import { FILTERS, type FilterOf } from '../../../src/storage/filters';
import { toTabSeparated } from '../../../src/storage/clickhouse/rows';
import { ClickHouseSchema, clickhouseType } from '../../../src/storage/clickhouse/schema';
import { ClickHouseStore, type ClickHouseStoreSettings } from '../../../src/storage/clickhouse/store';
import {
  closeChdbClient,
  dropDatabase,
  openChdbClient,
  queryRows,
  queryValue,
  uniqueDatabase,
} from '../../support/clickhouse';
import { describeColumnEvolution } from '../../support/column-evolution';
import { BASE_TIME, makeFeedback, makeLog, makeMetric, makeScore, makeSpan, traceId } from '../../support/records';

const DAY = 86_400_000_000_000n;

let client: ClickHouseClient;
const opened: ClickHouseStore[] = [];

beforeAll(async () => {
  client = await openChdbClient();
});

afterEach(async () => {
  for (const store of opened.splice(0)) {
    await store.close();
    await dropDatabase(client, store.schema.database);
  }
});

afterAll(async () => {
  await closeChdbClient(client);
});

async function openStore(settings: ClickHouseStoreSettings = {}): Promise<ClickHouseStore> {
  const store = new ClickHouseStore({ client, database: uniqueDatabase('store'), ...settings });
  opened.push(store);
  await store.init();
  return store;
}

/** Rows physically stored, copies included: no FINAL. */
async function storedRows(store: ClickHouseStore, signal: Signal): Promise<number> {
  return Number(await queryValue(client, `SELECT count() FROM ${store.schema.table(signal)}`));
}

async function showCreate(store: ClickHouseStore, table: string): Promise<string> {
  return queryValue(client, `SHOW CREATE TABLE ${store.schema.database}.${table}`);
}

/** The WHERE clause that a list with this filter reads with, and its parameters. */
function whereOf<S extends Signal>(signal: S, filter: FilterOf[S]): { sql: string; params: Record<string, unknown> } {
  const params = new Params();
  return { sql: where(FILTERS[signal](filter), params), params: params.values };
}

/** The lines of `EXPLAIN indexes = 1` for a query. */
async function explain(sql: string, params: Record<string, unknown>): Promise<string> {
  const rows = await queryRows<[string]>(client, `EXPLAIN indexes = 1 ${sql}`, params);
  return rows.map(([line]) => line).join('\n');
}

/** An older store's table of a signal: only `columns`, the sorting key it had, and `records`. */
async function createOlderTable(
  database: string,
  signal: 'spans' | 'logs',
  columns: Column<unknown>[],
  records: readonly unknown[],
): Promise<void> {
  const table = `${database}.${TABLE_NAMES[signal]}`;
  const [time, order] =
    signal === 'spans'
      ? ['start_time', 'service_name, start_time, trace_id, span_id']
      : ['time', 'service_name, level, time, message'];
  await client.command({
    query: `CREATE TABLE ${table} (${columns.map((c) => `${c.name} ${clickhouseType(c)}`).join(', ')})
      ENGINE = ReplacingMergeTree PARTITION BY toDate32(${time}) ORDER BY (${order})`,
  });
  await client.insert({
    table,
    columns: columns.map((column) => column.name) as [string],
    format: 'TabSeparated',
    values: Readable.from([toTabSeparated(columns, records)], { objectMode: false }),
  });
}

describeColumnEvolution('ClickHouse (chdb)', async () => {
  const database = uniqueDatabase('older');
  await client.command({ query: `CREATE DATABASE ${database}` });
  return {
    createOlder: (signal, columns, records) => createOlderTable(database, signal, columns, records),
    openStore: () => new ClickHouseStore({ client, database }),
    cleanup: () => dropDatabase(client, database),
  };
});

describe('ClickHouseStore on chdb', () => {
  describe('duplicates', () => {
    it.each([
      ['async insert (small batches)', {}],
      ['direct insert', { insertSettings: { async_insert: 0 as const } }],
    ])(
      'drops a retried batch at insert time by its deduplication token, for every signal: %s',
      async (_mode, settings) => {
        const store = await openStore(settings);
        const spans = [makeSpan(), makeSpan()];
        const logs = [makeLog(), makeLog({ message: 'other', timeUnixNano: BASE_TIME + 1n })];
        const metrics = [makeMetric(), makeMetric({ value: 11n })];
        const scores = [makeScore(), makeScore()];
        const feedback = [makeFeedback(), makeFeedback()];
        for (let attempt = 0; attempt < 2; attempt++) {
          await store.batchCreateSpans({ spans });
          await store.batchCreateLogs({ logs });
          await store.batchRecordMetrics({ metrics });
          await store.batchCreateScores({ scores });
          await store.batchCreateFeedback({ feedback });
        }
        for (const signal of ['spans', 'logs', 'metrics', 'scores', 'feedback'] as const) {
          expect([signal, await storedRows(store, signal)]).toEqual([signal, 2]);
        }
      },
    );

    it('drops the retry of a batch large enough to be inserted directly', async () => {
      const store = await openStore();
      const scores = Array.from({ length: 1000 }, (_, i) => makeScore({ timeUnixNano: BASE_TIME + BigInt(i) }));
      await store.batchCreateScores({ scores });
      await store.batchCreateScores({ scores });
      expect(await storedRows(store, 'scores')).toBe(1000);
    });

    it('shows a record that two different batches both carried once in every read', async () => {
      const store = await openStore();
      const trace = traceId();
      const root = makeSpan({ traceId: trace });
      const child = makeSpan({ traceId: trace, parentSpanId: root.spanId, startTimeUnixNano: BASE_TIME + 1n });
      const other = makeSpan({ startTimeUnixNano: BASE_TIME + 2n });
      await store.batchCreateSpans({ spans: [root, child] });
      await store.batchCreateSpans({ spans: [child, root, other] });

      const logs = [0, 1, 2].map((i) => makeLog({ timeUnixNano: BASE_TIME + BigInt(i), message: `log ${i}` }));
      await store.batchCreateLogs({ logs: [logs[0]!, logs[1]!] });
      await store.batchCreateLogs({ logs: [logs[1]!, logs[2]!] });

      const minute = 60_000_000_000n;
      const start = (BASE_TIME / minute) * minute;
      const points = [1, 2, 3].map((value, i) =>
        makeMetric({
          name: 'load',
          type: 'gauge',
          temporality: null,
          isMonotonic: null,
          value,
          timeUnixNano: start + BigInt(i),
        }),
      );
      await store.batchRecordMetrics({ metrics: [points[0]!, points[1]!] });
      await store.batchRecordMetrics({ metrics: [points[1]!, points[2]!] });

      const scores = [makeScore(), makeScore(), makeScore()];
      await store.batchCreateScores({ scores: [scores[0]!, scores[1]!] });
      await store.batchCreateScores({ scores: [scores[1]!, scores[2]!] });
      const feedback = [makeFeedback(), makeFeedback(), makeFeedback()];
      await store.batchCreateFeedback({ feedback: [feedback[0]!, feedback[1]!] });
      await store.batchCreateFeedback({ feedback: [feedback[1]!, feedback[2]!] });

      // The second batches differ from the first, so their tokens differ and the copies are stored.
      expect(await storedRows(store, 'spans')).toBe(5);
      expect(await storedRows(store, 'logs')).toBe(4);
      expect(await storedRows(store, 'metrics')).toBe(4);
      expect(await storedRows(store, 'scores')).toBe(4);
      expect(await storedRows(store, 'feedback')).toBe(4);

      expect((await store.getTrace(trace))!.spans).toEqual([root, child]);
      const traces = await store.listTraces();
      expect(traces.pagination.total).toBe(2);
      expect(traces.traces.map((summary) => summary.spanId)).toEqual([other.spanId, root.spanId]);
      const listed = await store.listLogs({ order: 'asc' });
      expect(listed.pagination.total).toBe(3);
      expect(listed.logs).toEqual(logs);
      expect((await store.listMetrics()).pagination.total).toBe(3);
      const sum = await store.aggregateMetrics({ name: 'load', aggregation: 'sum', bucketSizeNano: minute });
      expect(sum.series).toEqual([{ group: {}, points: [{ timeUnixNano: start, value: 6 }] }]);
      const count = await store.aggregateMetrics({ name: 'load', aggregation: 'count', bucketSizeNano: minute });
      expect(count.series[0]!.points[0]!.value).toBe(3);
      expect((await store.listScores({ order: 'asc' })).scores).toHaveLength(3);
      expect((await store.listScores()).pagination.total).toBe(3);
      expect((await store.listFeedback()).pagination.total).toBe(3);
    });
  });

  describe('schema', () => {
    it('puts the retention of each signal, with ttl_only_drop_parts, in SHOW CREATE TABLE', async () => {
      const store = await openStore({ retentionDays: { spans: 7, logs: 3, metrics: 30 } });
      const spans = await showCreate(store, 'otel_spans');
      expect(spans).toContain('TTL start_time + toIntervalDay(7)');
      expect(spans).toContain('ttl_only_drop_parts = 1');
      expect(await showCreate(store, 'otel_spans_trace_ranges')).toContain('TTL start_max + toIntervalDay(7)');
      expect(await showCreate(store, 'otel_logs')).toContain('TTL time + toIntervalDay(3)');
      expect(await showCreate(store, 'otel_metrics')).toContain('TTL time + toIntervalDay(30)');
      const scores = await showCreate(store, 'otel_scores');
      expect(scores).not.toContain('TTL');
      expect(scores).toContain('ttl_only_drop_parts = 1');
    });

    it('drops the days past retention and keeps the rest', async () => {
      const store = await openStore({ retentionDays: { logs: 2 } });
      const now = BigInt(Date.now()) * 1_000_000n;
      const recent = makeLog({ timeUnixNano: now, message: 'recent' });
      await store.batchCreateLogs({ logs: [makeLog({ timeUnixNano: now - 3n * DAY, message: 'expired' }), recent] });
      await client.command({ query: `OPTIMIZE TABLE ${store.schema.table('logs')} FINAL` });
      expect((await store.listLogs()).logs).toEqual([recent]);
    });

    it('types, compresses, orders and indexes the tables for the read API', async () => {
      const store = await openStore();
      const spans = await showCreate(store, 'otel_spans');
      expect(spans).toContain("`start_time` DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1))");
      expect(spans).toContain('`service_name` LowCardinality(String) CODEC(ZSTD(1))');
      expect(spans).toContain('`trace_id` String CODEC(ZSTD(1))');
      expect(spans).toContain('ENGINE = ReplacingMergeTree');
      expect(spans).toContain('PARTITION BY toDate32(start_time)');
      expect(spans).toContain('ORDER BY (service_name, start_time, trace_id, span_id)');
      expect(spans).toContain('INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1');
      expect(spans).toContain(
        'INDEX idx_attribute_values mapValues(attributes_map) TYPE bloom_filter(0.01) GRANULARITY 1',
      );
      const logs = await showCreate(store, 'otel_logs');
      expect(logs).toContain('ORDER BY (service_name, level, time, row_hash)');
      expect(logs).toContain('INDEX idx_message lowerUTF8(message) TYPE ngrambf_v1(3, 32768, 2, 0) GRANULARITY 1');
      expect(await showCreate(store, 'otel_metrics')).toContain(
        '`bucket_counts` Variant(Array(UInt64)) CODEC(ZSTD(1))',
      );
    });

    it('lets log search and attribute filters skip granules through their indexes', async () => {
      const store = await openStore();
      await store.batchCreateLogs({ logs: [makeLog({ message: 'payment accepted' })] });
      await store.batchRecordMetrics({ metrics: [makeMetric({ attributes: { route: '/checkout' } })] });
      const skipped = async (
        signal: Signal,
        where: { sql: string; params: Record<string, unknown> },
        index: string,
      ) => {
        const plan = await explain(`SELECT count() FROM ${store.schema.table(signal)} ${where.sql}`, where.params);
        return plan
          .match(new RegExp(`Name: ${index}\\n.*\\n.*\\n\\s*Granules: (\\d+)/(\\d+)`))
          ?.slice(1)
          .map(Number);
      };
      expect(await skipped('logs', whereOf('logs', { search: 'ACCEPTED' }), 'idx_message')).toEqual([1, 1]);
      expect(await skipped('logs', whereOf('logs', { search: 'refunded' }), 'idx_message')).toEqual([0, 1]);
      expect(
        await skipped('metrics', whereOf('metrics', { attributes: { route: '/checkout' } }), 'idx_attribute_values'),
      ).toEqual([1, 1]);
      expect(
        await skipped('metrics', whereOf('metrics', { attributes: { route: '/refund' } }), 'idx_attribute_values'),
      ).toEqual([0, 1]);
    });
  });

  describe('trace lookup', () => {
    it('reads only the days that the side table gives for the trace', async () => {
      const store = await openStore();
      const target = traceId();
      for (let day = 0n; day < 5n; day++) {
        const start = BASE_TIME + day * DAY;
        await store.batchCreateSpans({
          spans: [
            makeSpan({
              traceId: day === 2n ? target : traceId(),
              startTimeUnixNano: start,
              endTimeUnixNano: start + 1n,
              durationNano: 1n,
            }),
          ],
        });
      }
      const { sql, params } = traceSpansQuery(store.schema, 'span_id', target);
      const plan = await explain(sql, params);
      expect(plan).toMatch(/Min-Max\n(.*\n){3}\s*Parts: 1\/5/);
      expect((await store.getTrace(target))!.spans).toHaveLength(1);
    });

    it('finds the spans of one trace written days apart, through its range in the side table', async () => {
      const store = await openStore();
      const trace = traceId();
      const root = makeSpan({ traceId: trace });
      const later = BASE_TIME + 3n * DAY;
      const late = makeSpan({
        traceId: trace,
        parentSpanId: root.spanId,
        startTimeUnixNano: later,
        endTimeUnixNano: later + 1n,
        durationNano: 1n,
      });
      await store.batchCreateSpans({ spans: [root] });
      await store.batchCreateSpans({ spans: [late] });
      expect((await store.getTrace(trace))!.spans).toEqual([root, late]);
      const range = await queryRows(
        client,
        `SELECT toUnixTimestamp64Nano(min(start_min)), toUnixTimestamp64Nano(max(start_max))
         FROM ${store.schema.traceRangesTable()} WHERE trace_id = {trace:String}`,
        { trace },
      );
      expect(range).toEqual([[String(BASE_TIME), String(later)]]);
    });
  });

  describe('exact values', () => {
    it('keeps TabSeparated specials, NaN, infinities, -0 and large counts exactly', async () => {
      const store = await openStore();
      const nasty = 'tab\there, newline\nand CR\r, back\\slash, \\N, quote \' and "double", nul \0 end';
      const log = makeLog({
        message: nasty,
        body: nasty,
        serviceName: nasty,
        tags: [nasty, '', "'", '\\', '[]'],
        eventName: '\\t',
      });
      await store.batchCreateLogs({ logs: [log] });
      expect((await store.listLogs()).logs).toEqual([log]);

      const metric = makeMetric({
        name: nasty,
        type: 'histogram',
        temporality: 'delta',
        isMonotonic: null,
        value: null,
        count: 2 ** 53,
        sum: Number.NaN,
        min: -0,
        max: Number.POSITIVE_INFINITY,
        explicitBounds: [Number.NEGATIVE_INFINITY, -0, 5e-324, 1e300],
        bucketCounts: [0, 1, 2 ** 53, 3, 4],
      });
      const gauge = makeMetric({
        type: 'gauge',
        temporality: null,
        isMonotonic: null,
        value: -0,
        timeUnixNano: BASE_TIME + 1n,
      });
      await store.batchRecordMetrics({ metrics: [metric, gauge] });
      const [storedGauge, storedMetric] = (await store.listMetrics()).metrics;
      expect(storedMetric).toEqual(metric);
      expect(Object.is(storedMetric!.min, -0)).toBe(true);
      expect(Object.is(storedMetric!.explicitBounds![1], -0)).toBe(true);
      expect(Object.is(storedGauge!.value, -0)).toBe(true);
    });

    it('matches typed attribute values exactly, whatever their JSON spelling', async () => {
      const store = await openStore();
      const values = ['line\u2028separator', 9_007_199_254_740_993n, 1e300, { nested: [1n, 'x'] }, true, null, 2];
      await store.batchRecordMetrics({
        metrics: values.map((value, i) => makeMetric({ attributes: { key: value }, value: BigInt(i) })),
      });
      for (const [i, value] of values.entries()) {
        const { metrics } = await store.listMetrics({ filter: { attributes: { key: value } } });
        expect([value, metrics.map((metric) => metric.value)]).toEqual([value, [BigInt(i)]]);
      }
      const grouped = await store.aggregateMetrics({
        name: 'http.server.requests',
        aggregation: 'count',
        bucketSizeNano: DAY,
        groupBy: ['key'],
      });
      expect(grouped.series.map((series) => series.group.key)).toEqual(expect.arrayContaining(values));
    });

    it('searches logs case-insensitively, in any script, taking % _ and \\ literally', async () => {
      const store = await openStore();
      const messages = ['École fermée', 'rate 100%', 'a_b', 'axb', 'C:\\temp'];
      await store.batchCreateLogs({
        logs: messages.map((message, i) => makeLog({ message, timeUnixNano: BASE_TIME + BigInt(i) })),
      });
      const found = async (search: string) =>
        (await store.listLogs({ filter: { search }, order: 'asc' })).logs.map((log) => log.message);
      expect(await found('éCOLE FERMÉE')).toEqual(['École fermée']);
      expect(await found('0%')).toEqual(['rate 100%']);
      expect(await found('a_b')).toEqual(['a_b']);
      expect(await found(':\\t')).toEqual(['C:\\temp']);
    });

    it('refuses a time beyond DateTime64(9) as bad data, naming the record, and writes nothing of the batch', async () => {
      const store = await openStore();
      const error = await store
        .batchCreateLogs({ logs: [makeLog(), makeLog({ timeUnixNano: 2n ** 63n })] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecordValidationError);
      expect((error as RecordValidationError).issues).toEqual([
        expect.objectContaining({ index: 1, path: '/timeUnixNano' }),
      ]);
      expect((await store.listLogs()).pagination.total).toBe(0);
    });
  });

  describe('init on an existing older table', () => {
    it('adds the derived columns too, and leaves the sorting key and the data as they were', async () => {
      const database = uniqueDatabase('older');
      await client.command({ query: `CREATE DATABASE ${database}` });
      const older = (COLUMNS.logs as Column<unknown>[]).filter((column) => column.name !== 'attributes');
      const oldLog = makeLog({ attributes: {} });
      await createOlderTable(database, 'logs', older, [oldLog]);
      const store = new ClickHouseStore({ client, database });
      opened.push(store);
      await store.init();

      const columns = await queryRows<[string, string]>(
        client,
        'SELECT table, name FROM system.columns WHERE database = {database:String}',
        { database },
      );
      const names = new Set(columns.filter(([table]) => table === 'otel_logs').map(([, name]) => name));
      for (const name of ['attributes', 'attributes_map', 'row_hash']) expect(names).toContain(name);
      // The older sorting key stays: init never rewrites a table.
      expect(await showCreate(store, 'otel_logs')).toContain('ORDER BY (service_name, level, time, message)');
      expect((await store.listLogs()).logs).toEqual([oldLog]);
    });
  });

  describe('cluster mode', () => {
    const cluster = new ClickHouseSchema({
      database: 'obs',
      tables: TABLE_NAMES,
      cluster: 'prod',
      retentionDays: { spans: 14 },
    });
    const single = new ClickHouseSchema({ database: 'obs', tables: TABLE_NAMES, cluster: null, retentionDays: {} });
    const statements = (schema: ClickHouseSchema) => [
      schema.createDatabase(),
      ...(['spans', 'logs', 'metrics', 'scores', 'feedback'] as const).flatMap((signal) => schema.createTable(signal)),
      ...schema.createTraceRanges(),
      ...schema.createTraceParts(),
      schema.addMissingColumns('logs', 'otel_logs_distributed', new Set())!,
    ];

    it('runs every DDL statement ON CLUSTER, with Replicated engines, and a Distributed table per table', () => {
      const ddl = statements(cluster);
      for (const statement of ddl) expect(statement).toContain(' ON CLUSTER prod');
      const [spans, spansDistributed] = cluster.createTable('spans');
      // The span table's version is a copy's precedence; the other tables keep the last row written.
      expect(spans).toContain(
        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', span_precedence)",
      );
      expect(cluster.createTable('logs')[0]).toContain(
        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
      );
      expect(spans).toContain('TTL start_time + INTERVAL 14 DAY');
      expect(spans).not.toContain('non_replicated_deduplication_window');
      expect(spansDistributed).toBe(
        'CREATE TABLE IF NOT EXISTS obs.otel_spans_distributed ON CLUSTER prod AS obs.otel_spans\n' +
          'ENGINE = Distributed(prod, obs, otel_spans, cityHash64(trace_id))',
      );
      expect(cluster.createTable('logs')[1]).toContain(
        'ENGINE = Distributed(prod, obs, otel_logs, cityHash64(time, message))',
      );
      expect(cluster.createTable('scores')[1]).toContain(
        'ENGINE = Distributed(prod, obs, otel_scores, cityHash64(score_id))',
      );
      const [ranges, view, rangesDistributed] = cluster.createTraceRanges();
      expect(ranges).toContain(
        "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
      );
      // The view reads the local span table: each node folds the spans it stores.
      expect(view).toContain(
        'TO obs.otel_spans_trace_ranges AS\nSELECT trace_id, min(start_time) AS start_min, max(start_time) AS ' +
          'start_max\nFROM obs.otel_spans ',
      );
      expect(rangesDistributed).toContain(
        'ENGINE = Distributed(prod, obs, otel_spans_trace_ranges, cityHash64(trace_id))',
      );
      const [parts, partsDistributed] = cluster.createTraceParts();
      expect(parts).toContain(
        "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
      );
      expect(parts).toContain('TTL start_time + INTERVAL 14 DAY');
      // All parts of a trace on one shard, with its spans.
      expect(partsDistributed).toContain(
        'ENGINE = Distributed(prod, obs, otel_spans_trace_parts, cityHash64(trace_id))',
      );
      // The backfill reads and writes through the Distributed tables.
      expect(cluster.backfillTraceParts()).toMatch(
        /^INSERT INTO obs\.otel_spans_trace_parts_distributed [\s\S]* FROM obs\.otel_spans_distributed WHERE/,
      );
      expect(cluster.inSubquery).toBe('GLOBAL IN');
      expect(single.inSubquery).toBe('IN');
    });

    it('reads and writes through the Distributed tables, and alters both tables of a signal', () => {
      expect(cluster.table('spans')).toBe('obs.otel_spans_distributed');
      expect(cluster.traceRangesTable()).toBe('obs.otel_spans_trace_ranges_distributed');
      expect(cluster.tracePartsTable()).toBe('obs.otel_spans_trace_parts_distributed');
      expect(cluster.columnHolders('logs')).toEqual(['otel_logs', 'otel_logs_distributed']);
      expect(cluster.addMissingColumns('logs', 'otel_logs_distributed', new Set(['time']))).toMatch(
        /^ALTER TABLE obs\.otel_logs_distributed ON CLUSTER prod ADD COLUMN IF NOT EXISTS observed_time /,
      );
      expect(single.table('spans')).toBe('obs.otel_spans');
      expect(single.columnHolders('logs')).toEqual(['otel_logs']);
    });

    it('generates only valid ClickHouse SQL, and no cluster DDL without a cluster', async () => {
      const reads = (schema: ClickHouseSchema) => [schema.backfillTraceParts(), schema.spanDays()];
      for (const statement of [...statements(cluster), ...statements(single), ...reads(cluster), ...reads(single)]) {
        await expect(queryRows(client, 'SELECT formatQuery({statement:String})', { statement })).resolves.toHaveLength(
          1,
        );
      }
      for (const statement of statements(single)) expect(statement).not.toMatch(/ON CLUSTER|Replicated|Distributed/);
    });
  });

  describe('configuration', () => {
    it.each([
      ['database name', { database: 'otel; DROP DATABASE x' }],
      ['database name', { database: '1abc' }],
      ['table name for spans', { tables: { spans: 'spans-v2' } }],
      ['table name for logs', { tables: { logs: 'logs`' } }],
      ['cluster name', { cluster: 'prod cluster' }],
    ])('rejects an unsafe %s before any SQL is sent', (what, settings: ClickHouseStoreSettings) => {
      const create = () => new ClickHouseStore({ url: 'http://127.0.0.1:1', ...settings });
      expect(create).toThrow(ConfigurationError);
      expect(create).toThrow(new RegExp(`^ClickHouse ${what} must be a letter or underscore`));
    });

    it.each([0, 1.5, -3])('rejects a retention of %s days', (days) => {
      expect(() => new ClickHouseStore({ client, retentionDays: { logs: days } })).toThrow(
        /retention for logs must be a whole number of days/,
      );
    });
  });

  describe('errors', () => {
    it('turns a server error into a StorageError with the server message, not retryable', async () => {
      const store = await openStore();
      await client.command({ query: `DROP TABLE ${store.schema.table('feedback')}` });
      const error = await store.createFeedback({ feedback: makeFeedback() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({
        store: 'clickhouse',
        operation: 'insert feedback',
        retryable: false,
        code: 'STORAGE_FAILED',
      });
      expect((error as Error).message).toMatch(
        /^clickhouse insert feedback: Table store_\w+\.otel_feedback does not exist/,
      );
      const read = await store.listFeedback().catch((e: unknown) => e);
      expect(read).toMatchObject({ operation: 'listFeedback', retryable: false });
    });

    it('marks too many parts as retryable', async () => {
      const store = await openStore();
      const table = store.schema.table('scores');
      await client.command({
        query: `ALTER TABLE ${table} MODIFY SETTING parts_to_throw_insert = 1, parts_to_delay_insert = 1`,
      });
      await client.command({ query: `SYSTEM STOP MERGES ${table}` });
      await store.createScore({ score: makeScore() });
      const error = await store.createScore({ score: makeScore() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ retryable: true, code: 'STORAGE_RETRYABLE' });
      expect((error as Error).message).toMatch(/Too many parts/);
    });

    it('marks a refused connection as retryable', async () => {
      // The client logs the failed request as well; keep that out of the test output.
      const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const store = new ClickHouseStore({ url: 'http://127.0.0.1:1' });
      const error = await store.init().catch((e: unknown) => e);
      log.mockRestore();
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ operation: 'init', retryable: true });
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
    });

    it.each([
      ['a timeout', 'SELECT count() FROM numbers(100000000000) SETTINGS max_execution_time = 0.01', true],
      [
        'the memory limit',
        'SELECT groupArray(number) FROM numbers(10000000) SETTINGS max_memory_usage = 1000000',
        true,
      ],
      ['a syntax error', 'SELEC 1', false],
      ['bad data', "SELECT toDateTime64('yesterday', 9)", false],
    ])('classifies %s from the engine by its code', async (_case, query, retryable) => {
      const error = await client
        .query({ query })
        .then((result) => result.text())
        .catch((e: unknown) => e);
      expect(failureReason(error) !== 'refused').toBe(retryable);
    });
  });
});
