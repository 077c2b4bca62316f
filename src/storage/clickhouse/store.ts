import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { formatUnixNano } from '../../records/primitives';
import type { RecordOf, Signal, SpanRecord } from '../../records/types';
import {
  compareAscending,
  listOperation,
  toMetricSeries,
  type PageOf,
  type RecordSignal,
  type ResolvedPage,
  type StoreStrategies,
} from '../base';
import { COLUMNS, TABLE_NAMES, TIME_COLUMNS, type Cell, type Column, type ColumnType } from '../columns';
import { aggregateRows, spendRows, type EngineNumbers } from '../engine-rows';
import type { StorageFailureReason } from '../errors';
import type { Predicate, CopyPredicates } from '../filters';
import { PRICED_COLUMN, SPEND_SUMS, spendGroupColumn, toSpendResult } from '../spend';
import { TracePartsStore, resolveCandidates, type CandidateRound, type CandidateSlice } from '../trace-list';
import {
  TOTAL_CAP,
  type MetricAggregateQuery,
  type MetricAggregateResult,
  type SpendQuery,
  type SpendResult,
} from '../types';
import {
  TRACE_PART_COLUMNS,
  TRACE_PART_KEY_COLUMNS,
  TRACE_PART_PICK_COLUMNS,
  traceHash,
  traceParts,
  type TracePart,
} from '../trace-parts';
import { failureReason } from './errors';
import { Params, attributeOrNull, condition, traceSpansQuery, where } from './query';
import { EXACT_JSON_OUTPUT, readDouble, selectList, toCell, toTabSeparated } from './rows';
import { ClickHouseSchema, HEAD_ROW, SPAN_PRECEDENCE, identityColumns, modelColumns } from './schema';

/**
 * Where to reach a ClickHouse server over HTTP; the store creates the client and closes it on
 * `close()`. {@link CLICKHOUSE_DEFAULTS} says what an option left out means.
 */
export interface ClickHouseConnectionOptions {
  url?: string;
  username?: string;
  password?: string;
}

/** Everything about the store but the connection. */
export interface ClickHouseStoreSettings {
  /** The database that holds the tables; created by `init()` when missing. */
  database?: string;
  /** Table names per signal, over the defaults (`otel_spans`, `otel_logs`, …). */
  tables?: Partial<Record<Signal, string>>;
  /**
   * Days to keep each signal, as a table TTL on whole daily partitions (`ttl_only_drop_parts = 1`).
   * Applied when `init()` creates a table; a signal left out is kept forever.
   */
  retentionDays?: Partial<Record<Signal, number>>;
  /**
   * A cluster from the server's `remote_servers`: DDL runs `ON CLUSTER`, tables are Replicated*, and
   * reads and writes go through Distributed tables. The servers need `{shard}` and `{replica}` macros.
   */
  cluster?: string;
  /**
   * Settings for every insert, over the defaults: direct inserts for batches of 1,000 rows or more,
   * async insert with `wait_for_async_insert = 1` below that.
   */
  insertSettings?: ClickHouseSettings;
}

/** What an option of {@link ClickHouseConnectionOptions} and {@link ClickHouseStoreSettings} left out means. */
export const CLICKHOUSE_DEFAULTS = {
  url: 'http://localhost:8123',
  username: 'default',
  database: 'otel',
} as const satisfies ClickHouseConnectionOptions & ClickHouseStoreSettings;

/** Either a ready client, which the store leaves open on `close()`, or where to connect. */
export type ClickHouseStoreOptions = ClickHouseStoreSettings &
  ({ client: ClickHouseClient } | (ClickHouseConnectionOptions & { client?: undefined }));

/**
 * Small inserts make many small parts, which ClickHouse must merge ("too many parts"). A batch of at
 * least this many rows (ClickHouse's own guidance) is inserted directly, as one part per day it
 * spans; a smaller one goes through async insert, where the server gathers concurrent writes into one
 * part, and waiting for that flush keeps an acknowledged write durable.
 */
const DIRECT_INSERT_MIN_ROWS = 1000;
const DIRECT_INSERT: ClickHouseSettings = { async_insert: 0 };
const ASYNC_INSERT: ClickHouseSettings = { async_insert: 1, wait_for_async_insert: 1, async_insert_deduplicate: 1 };

const READ_SETTINGS: ClickHouseSettings = {
  ...EXACT_JSON_OUTPUT,
  // Copies of a row share its time, hence its partition, so FINAL need not merge across partitions.
  do_not_merge_across_partitions_select_final: 1,
  use_skip_indexes_if_final: 1,
  // A newest page reads the trace parts in reverse order from every day's part; with virtual rows ClickHouse
  // stops at the days that cannot reach the page (measured on chdb, 2M spans: under 9k of 400k rows read, and
  // twice as fast, where each day's last granule was read before). A setting since ClickHouse 24.11.
  read_in_order_use_virtual_row: 1,
};

/**
 * For reads by a set of trace hashes that may hold thousands (a deep page's candidates): checking the bloom filter
 * for a large set costs more than it skips (400k parts on chdb, best of 7: 256 hashes 16 ms either way, 2,000
 * hashes 27 ms with the index and 40 without, 5,000 about even, 20,000 64 ms with and 38 without).
 */
const LARGE_SETS: ClickHouseSettings = { use_index_for_in_with_subqueries_max_values: '5000' };

/** JSON output quotes Int64 (see `EXACT_JSON_OUTPUT`) and writes non-finite doubles as strings. */
const NUMBERS: EngineNumbers = { bucket: (value) => BigInt(value as string), double: readDouble };

const maxOf = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * The ClickHouse store: one table per signal, written and read only through `@clickhouse/client`
 * (over HTTP, or in-process through chdb's connection). See `schema.ts` for the table design and for
 * how duplicates are kept out of reads. {@link CLICKHOUSE_DEFAULTS} says what an option left out means.
 *
 * @example
 * ```ts
 * const store = new ClickHouseStore({
 *   url: 'https://clickhouse.internal:8443',
 *   username: 'otel',
 *   password: process.env.CLICKHOUSE_PASSWORD,
 *   database: 'observability',
 *   retentionDays: { logs: 14, metrics: 90 },
 * });
 * const exporter = new DefaultExporter({ storage: store });
 * // or over a client of your own, which the store leaves open on close():
 * const shared = new ClickHouseStore({ client: createClient({ url: 'http://localhost:8123' }) });
 * ```
 */
export class ClickHouseStore extends TracePartsStore<ClickHouseClient> {
  readonly kind = 'clickhouse';
  readonly schema: ClickHouseSchema;
  /**
   * Each copy of a span is a row until a merge; writing spans once, when they end, keeps the table
   * small. Every signal is written in batches.
   */
  protected readonly strategies: StoreStrategies = {
    tracing: { preferred: 'insert-only', supported: ['insert-only', 'event-sourced'] },
    signals: { preferred: 'batch', supported: ['batch'] },
  };
  private readonly newClient: () => ClickHouseClient;
  private readonly ownsClient: boolean;
  /** Insert settings over the defaults: the cluster's, then the caller's. */
  private readonly insertOverrides: ClickHouseSettings;
  private lastWritten = 0n;

  constructor(options: ClickHouseStoreOptions = {}) {
    super();
    this.schema = new ClickHouseSchema({
      database: options.database ?? CLICKHOUSE_DEFAULTS.database,
      tables: { ...TABLE_NAMES, ...options.tables },
      cluster: options.cluster ?? null,
      retentionDays: options.retentionDays ?? {},
    });
    // A Distributed table acknowledges only once the shards have the rows.
    const cluster: ClickHouseSettings = options.cluster ? { insert_distributed_sync: 1 } : {};
    this.insertOverrides = { ...cluster, ...options.insertSettings };
    if (options.client) {
      const client = options.client;
      this.newClient = () => client;
      this.ownsClient = false;
    } else {
      const { url = CLICKHOUSE_DEFAULTS.url, username = CLICKHOUSE_DEFAULTS.username, password } = options;
      this.newClient = () => createClient({ url, username, password });
      this.ownsClient = true;
    }
  }

  /**
   * Creates the database, the tables, the trace-range side table and its view, each only if missing;
   * safe to call again, and from several stores at once.
   *
   * On an existing, older table it adds the columns that the table lacks (see
   * {@link ClickHouseSchema.addMissingColumns}); the rows already stored read those columns' empty
   * defaults. It changes nothing else: engine, keys, partitioning, TTL and indexes stay as they are
   * (change retention with `ALTER TABLE … MODIFY TTL`). When the span table is older than its side
   * table, the side table is filled from the stored spans, so getTrace finds them.
   */
  protected async connect(): Promise<ClickHouseClient> {
    const client = this.newClient();
    try {
      await this.createSchema(client);
    } catch (error) {
      if (this.ownsClient) await client.close();
      throw error;
    }
    return client;
  }

  protected async disconnect(client: ClickHouseClient): Promise<void> {
    if (this.ownsClient) await client.close();
  }

  private async createSchema(client: ClickHouseClient): Promise<void> {
    const { schema } = this;
    // Nullable lists are Variant columns, experimental before ClickHouse 25.3.
    const run = (query: string) =>
      client.command({ query, clickhouse_settings: { allow_experimental_variant_type: 1 } });
    await run(schema.createDatabase());
    const before = await this.tableNames(client);
    for (const signal of Object.keys(COLUMNS) as Signal[]) {
      for (const statement of schema.createTable(signal)) await run(statement);
    }
    const columns = await this.columnsByTable(client);
    for (const signal of Object.keys(COLUMNS) as Signal[]) {
      for (const table of schema.columnHolders(signal)) {
        const alter = schema.addMissingColumns(signal, table, columns.get(table) ?? new Set());
        if (alter) await run(alter);
      }
    }
    for (const statement of schema.createTraceRanges()) await run(statement);
    if (before.has(schema.localName('spans')) && !before.has(schema.traceRangesName())) {
      await run(schema.backfillTraceRanges());
    }
    for (const statement of schema.createTraceParts()) await run(statement);
    // Spans stored before the parts table existed get their parts, a day at a time; a crash midway leaves the
    // days not yet filled unlisted (drop the parts table to fill it again).
    if (before.has(schema.localName('spans')) && !before.has(schema.tracePartsName())) {
      const days = await client.query({ query: schema.spanDays(), format: 'JSONCompactEachRow' });
      for (const [day] of await days.json<[string]>()) {
        await client.command({ query: schema.backfillTraceParts(), query_params: { day } });
      }
    }
  }

  private async tableNames(client: ClickHouseClient): Promise<Set<string>> {
    const result = await client.query({
      query: 'SELECT name FROM system.tables WHERE database = {database:String}',
      query_params: { database: this.schema.database },
      format: 'JSONCompactEachRow',
    });
    return new Set((await result.json<[string]>()).map(([name]) => name));
  }

  private async columnsByTable(client: ClickHouseClient): Promise<Map<string, Set<string>>> {
    const result = await client.query({
      query: 'SELECT table, name FROM system.columns WHERE database = {database:String}',
      query_params: { database: this.schema.database },
      format: 'JSONCompactEachRow',
    });
    const columns = new Map<string, Set<string>>();
    for (const [table, name] of await result.json<[string, string]>()) {
      let names = columns.get(table);
      if (!names) columns.set(table, (names = new Set()));
      names.add(name);
    }
    return columns;
  }

  async ping(): Promise<void> {
    const result = await this.connected().ping();
    if (!result.success) throw this.storageError('ping', result.error);
  }

  protected override failureReason(error: unknown): StorageFailureReason {
    return failureReason(error);
  }

  protected toCell(type: ColumnType, value: unknown): Cell {
    return toCell(type, value);
  }

  /**
   * Writes a batch; a span batch then writes its trace parts (`trace-parts.ts`). Parts come second: a crash
   * between the two inserts leaves the batch's spans stored (getTrace finds them) but not listed until the batch
   * is written again (the pipeline retries a failed write), when its spans are dropped as a retried copy (or kept
   * as copies, which reads show once) and its parts written. Parts first would list traces whose spans are missing.
   */
  protected async insert<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void> {
    const columns = COLUMNS[signal] as Column<RecordOf[S]>[];
    const token = await this.insertRows(`insert ${signal}`, this.schema.table(signal), columns, records);
    if (signal !== 'spans') return;
    const parts = traceParts(records as readonly SpanRecord[], this.nextWritten());
    // The spans' token: a retried batch's parts are dropped with its spans.
    await this.insertRows('insert trace parts', this.schema.tracePartsTable(), TRACE_PART_COLUMNS, parts, token);
  }

  /**
   * Inserts rows of `columns`, with a deterministic `insert_deduplication_token` (a hash of the body unless
   * given), so that ClickHouse drops a retried copy; returns the token.
   */
  private async insertRows<R>(
    operation: string,
    table: string,
    columns: readonly Column<R>[],
    rows: readonly R[],
    token?: string,
  ): Promise<string> {
    try {
      const body = toTabSeparated(columns, rows);
      const deduplication = token ?? createHash('sha256').update(body).digest('hex');
      await this.connected().insert({
        table,
        columns: columns.map((column) => column.name) as [string, ...string[]],
        format: 'TabSeparated',
        values: Readable.from([body], { objectMode: false }),
        clickhouse_settings: {
          ...(rows.length >= DIRECT_INSERT_MIN_ROWS ? DIRECT_INSERT : ASYNC_INSERT),
          ...this.insertOverrides,
          insert_deduplication_token: deduplication,
        },
      });
      return deduplication;
    } catch (error) {
      throw this.storageError(operation, error);
    }
  }

  /**
   * The `written` sequence of the next batch's trace parts: the wall clock in nanoseconds, strictly increasing in
   * this process, so that of two parts the later written has the larger value across writers too (to the
   * precision of their clocks).
   */
  private nextWritten(): bigint {
    this.lastWritten = maxOf(BigInt(Date.now()) * 1_000_000n, this.lastWritten + 1n);
    return this.lastWritten;
  }

  private async read(
    operation: string,
    query: string,
    params: Record<string, unknown>,
    settings: ClickHouseSettings = {},
  ): Promise<unknown[][]> {
    const client = this.connected();
    try {
      const result = await client.query({
        query,
        query_params: params,
        format: 'JSONCompactEachRow',
        clickhouse_settings: { ...READ_SETTINGS, ...settings },
      });
      return await result.json<unknown[]>();
    } catch (error) {
      throw this.storageError(operation, error);
    }
  }

  protected override async queryTraceSpans(traceId: string): Promise<SpanRecord[]> {
    const { sql, params } = traceSpansQuery(this.schema, selectList(modelColumns('spans')), traceId);
    const rows = await this.read('getTrace', sql, params);
    return rows.map((row) => this.decode(COLUMNS.spans, row));
  }

  /**
   * A round in one statement (each costs ~3.5 ms on chdb): every part of the first `limit` matching parts' traces,
   * each flagged whether it matches, and the capped count as a scalar subquery. The keys are the first `limit`
   * flagged rows in page order: every one of the first `limit` matching parts is among the rows, and any other
   * flagged row comes after them; {@link resolveCandidates} resolves their traces. The candidates never leave the
   * server, so a deep page sends nothing that grows with it (20k trace ids took ~300 ms to bind as a parameter on
   * chdb).
   */
  protected async readCandidates(
    predicates: readonly Predicate[],
    order: 'asc' | 'desc',
    limit: number,
    countLimit: number | null,
    slice: CandidateSlice,
  ): Promise<CandidateRound> {
    const params = new Params();
    const parts = this.schema.tracePartsTable();
    const matched = `toBool(${condition(predicates, params)})`;
    const count = countLimit === null ? '' : `, (SELECT ${this.countParts(predicates, countLimit, params)})`;
    const candidates = this.firstParts('trace_hash', predicates, order, limit, params);
    const rows = await this.read(
      'listTraces',
      `SELECT ${selectList(TRACE_PART_PICK_COLUMNS)}, ${matched}${count}
       FROM ${parts} WHERE trace_hash ${this.schema.inSubquery} (${candidates})`,
      params.values,
      LARGE_SETS,
    );
    const width = TRACE_PART_PICK_COLUMNS.length;
    const sign = order === 'desc' ? -1 : 1;
    const keys = rows
      .filter((row) => row[width] === true)
      .map((row) => row.slice(0, TRACE_PART_KEY_COLUMNS.length))
      .sort(
        ([idA, , startA], [idB, , startB]) =>
          sign *
          (compareAscending(BigInt(startA as string), BigInt(startB as string)) ||
            compareAscending(idA as string, idB as string)),
      )
      .slice(0, limit);
    // A part of another trace that shares a candidate's hash is no part of the candidates' traces.
    const traces = new Set(keys.map(([id]) => id));
    const ofTraces = rows.filter(([id]) => traces.has(id)).map((row) => this.decode(TRACE_PART_PICK_COLUMNS, row));
    return {
      matching: countLimit === null ? null : Number(rows[0]?.[width + 1] ?? 0),
      ...resolveCandidates(
        keys.map((row) => this.decode(TRACE_PART_KEY_COLUMNS, row)),
        ofTraces,
        order,
        limit,
        slice,
      ),
      headRows: false,
    };
  }

  /** `count()` of the parts that match, reading at most `limit` of them: a capped total costs at most that. */
  private countParts(predicates: readonly Predicate[], limit: number, params: Params): string {
    return `count() FROM (SELECT 1 FROM ${this.schema.tracePartsTable()} ${where(predicates, params)}
      LIMIT ${params.bind(limit, 'UInt32')})`;
  }

  /**
   * The first `limit` parts that match, in the sorting key's own order (or its reverse), which ClickHouse reads in
   * order from the newest (or oldest) granules. Of the parts that share the last one's start, which come first does
   * not matter: the resolver keeps only the traces strictly before it.
   */
  private firstParts(
    select: string,
    predicates: readonly Predicate[],
    order: 'asc' | 'desc',
    limit: number,
    params: Params,
  ): string {
    return `SELECT ${select} FROM ${this.schema.tracePartsTable()} ${where(predicates, params)}
      ORDER BY start_time ${order}, trace_id ${order} LIMIT ${params.bind(limit, 'UInt32')}`;
  }

  /**
   * Every part of these traces, found through the trace hash's bloom filter. Only the 4-byte hashes are sent (20k
   * trace ids took ~300 ms to bind on chdb, their hashes ~120 ms); a part of another trace with the same hash is
   * dropped here.
   */
  protected async queryTraceParts(traceIds: readonly string[], columns: readonly Column<TracePart>[]) {
    const params = new Params();
    const rows = await this.read(
      'listTraces',
      `SELECT trace_id, ${selectList(columns)} FROM ${this.schema.tracePartsTable()}
       WHERE trace_hash IN ${params.bind(traceIds.map(traceHash), 'Array(UInt32)')}`,
      params.values,
      LARGE_SETS,
    );
    const wanted = new Set(traceIds);
    return rows.filter(([id]) => wanted.has(id as string)).map(([, ...row]) => row);
  }

  /**
   * A page's head rows, through the primary key (each head's start) and the trace hash, from the packed
   * {@link HEAD_ROW} column: one column read per head instead of ~50 (see `schema.ts`).
   */
  protected override async queryTraceHeads(heads: readonly TracePart[]): Promise<unknown[][]> {
    const params = new Params();
    const starts = heads.map((part) => formatUnixNano(part.head.startTimeUnixNano));
    const rows = await this.read(
      'listTraces',
      `SELECT ${HEAD_ROW} FROM ${this.schema.tracePartsTable()}
       WHERE start_time IN ${params.bind(starts, "Array(DateTime64(9, 'UTC'))")}
         AND trace_hash IN ${params.bind(
           heads.map((part) => traceHash(part.head.traceId)),
           'Array(UInt32)',
         )}`,
      params.values,
    );
    return rows.map(([row]) => JSON.parse(row as string) as unknown[]);
  }

  /** Every stored copy of these traces' spans that start in `[from, to]`: the days and granules of that range. */
  protected querySpans(traceIds: readonly string[], from: bigint, to: bigint, columns: readonly Column<SpanRecord>[]) {
    const params = new Params();
    return this.read(
      'listTraces',
      `SELECT ${selectList(columns)} FROM ${this.schema.table('spans')}
       WHERE trace_id IN ${params.bind(traceIds, 'Array(String)')}
         AND start_time BETWEEN fromUnixTimestamp64Nano(${params.bind(from, 'Int64')}, 'UTC')
                            AND fromUnixTimestamp64Nano(${params.bind(to, 'Int64')}, 'UTC')`,
      params.values,
    );
  }

  /** A subquery of the spans that match `copies`, each span once: its preferred copy (`precedence.ts`). */
  private preferredSpans(copies: readonly Predicate[], params: Params): string {
    return `(SELECT *, ${SPAN_PRECEDENCE} FROM ${this.schema.table('spans')} FINAL ${where(copies, params)}
      ORDER BY ${SPAN_PRECEDENCE} DESC LIMIT 1 BY ${identityColumns('spans').join(', ')})`;
  }

  /**
   * One page of a signal's records, newest first unless asked otherwise, each identity once (FINAL), and one more
   * row for `hasMore`; the total counts at most {@link TOTAL_CAP} + 1 records, as a scalar subquery of the same
   * statement. A page past the end has no row to carry the count, so it counts on its own.
   */
  protected async queryRecords<S extends RecordSignal>(
    signal: S,
    predicates: readonly Predicate[],
    page: ResolvedPage,
  ): Promise<PageOf<RecordOf[S]>> {
    const operation = listOperation(signal);
    const columns = COLUMNS[signal] as Column<RecordOf[S]>[];
    const source = `${this.schema.table(signal)} FINAL`;
    const params = new Params();
    const count = (limit: number) =>
      `(SELECT count() FROM (SELECT 1 FROM ${source} ${where(predicates, params)} LIMIT ` +
      `${params.bind(limit, 'UInt32')}))`;
    const order = [TIME_COLUMNS[signal], ...identityColumns(signal)]
      .map((column) => `${column} ${page.order}`)
      .join(', ');
    const rows = await this.read(
      operation,
      `SELECT ${selectList(columns)}, ${count(TOTAL_CAP + 1)} FROM ${source} ${where(predicates, params)}
       ORDER BY ${order} LIMIT ${params.bind(page.perPage + 1, 'UInt32')} OFFSET ${params.bind(page.offset, 'UInt64')}`,
      params.values,
    );
    const [first] =
      rows.length > 0 ? rows : await this.read(operation, `SELECT ${count(TOTAL_CAP + 1)}`, params.values);
    const counted = Number(first!.at(-1));
    return {
      items: rows.slice(0, page.perPage).map((row) => this.decode(columns, row)),
      total: Math.min(counted, TOTAL_CAP),
      totalExact: counted <= TOTAL_CAP,
      hasMore: rows.length > page.perPage,
    };
  }

  protected queryDistinct(
    operation: string,
    signal: Signal,
    columns: readonly string[],
    predicates: readonly Predicate[],
  ): Promise<unknown[][]> {
    const params = new Params();
    return this.read(
      operation,
      `SELECT DISTINCT ${columns.join(', ')} FROM ${this.schema.table(signal)} ${where(predicates, params)}`,
      params.values,
    );
  }

  protected async queryMetricAggregate(
    query: MetricAggregateQuery,
    predicates: readonly Predicate[],
  ): Promise<MetricAggregateResult> {
    const params = new Params();
    const filter = where(predicates, params);
    const field = query.field ?? 'value';
    const bucket = params.bind(query.bucketSizeNano, 'Int64');
    const groupBy = query.groupBy ?? [];
    const groups = groupBy.map((key, i) => `${attributeOrNull(params, key)} AS g${i}`);
    const keys = ['bucket', ...groupBy.map((_, i) => `g${i}`)].join(', ');
    // Buckets align to the epoch; the aggregate is a double, NULL where a bucket has no values.
    const rows = await this.read(
      'aggregateMetrics',
      `SELECT intDiv(toUnixTimestamp64Nano(${TIME_COLUMNS.metrics}), ${bucket}) * ${bucket} AS bucket,
         ${[...groups, `toFloat64(${query.aggregation}(${field})) AS aggregate`].join(', ')}
       FROM ${this.schema.table('metrics')} FINAL ${filter}
       GROUP BY ${keys} ORDER BY ${keys}`,
      params.values,
    );
    return toMetricSeries(groupBy, aggregateRows(groupBy.length, rows, NUMBERS));
  }

  /** Model calls, one copy each as trace lists choose it, summed per bucket and group. */
  protected async querySpend(query: SpendQuery, predicates: CopyPredicates): Promise<SpendResult> {
    const params = new Params();
    const bucket = params.bind(query.bucketSizeNano, 'Int64');
    const calls = this.preferredSpans(predicates.copies, params);
    const group = spendGroupColumn(query);
    const keys = ['bucket', ...(group === null ? [] : [group])].join(', ');
    const rows = await this.read(
      'aggregateSpend',
      `SELECT intDiv(toUnixTimestamp64Nano(${TIME_COLUMNS.spans}), ${bucket}) * ${bucket} AS bucket,
         ${group === null ? 'NULL' : group}, count(), count(${PRICED_COLUMN}),
         ${SPEND_SUMS.map(([, column]) => `toFloat64(sumKahan(${column}))`).join(', ')}
       FROM ${calls} ${where(predicates.chosen, params)}
       GROUP BY ${keys} ORDER BY ${keys}`,
      params.values,
    );
    return toSpendResult(query, spendRows(rows, NUMBERS));
  }
}
