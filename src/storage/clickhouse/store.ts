import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { RecordOf, Signal, SpanRecord } from '../../records/types';
import {
  listOperation,
  toMetricSeries,
  type PageOf,
  type RecordSignal,
  type ResolvedPage,
  type StoreStrategies,
} from '../base';
import { COLUMNS, TABLE_NAMES, TIME_COLUMNS, type Cell, type Column, type ColumnType } from '../columns';
import type { StorageFailureReason } from '../errors';
import type { Predicate, CopyPredicates } from '../filters';
import { PRICED_COLUMN, SPEND_SUMS, spendGroupColumn, toSpendResult } from '../spend';
import { TracePartsStore } from '../trace-list';
import type { MetricAggregateQuery, MetricAggregateResult, SpendQuery, SpendResult } from '../types';
import { failureReason } from './errors';
import { Params, attributeOrNull, traceSpansQuery, where } from './query';
import { EXACT_JSON_OUTPUT, readDouble, selectList, toCell, toTabSeparated } from './rows';
import { ClickHouseSchema, SPAN_PRECEDENCE, identityColumns, modelColumns } from './schema';

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
};

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

  protected async insert<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void> {
    const client = this.connected();
    const columns = COLUMNS[signal] as Column<RecordOf[S]>[];
    try {
      const body = toTabSeparated(columns, records);
      await client.insert({
        table: this.schema.table(signal),
        columns: columns.map((column) => column.name) as [string, ...string[]],
        format: 'TabSeparated',
        values: Readable.from([body], { objectMode: false }),
        clickhouse_settings: {
          ...(records.length >= DIRECT_INSERT_MIN_ROWS ? DIRECT_INSERT : ASYNC_INSERT),
          ...this.insertOverrides,
          // The same batch gives the same token, so ClickHouse drops a retried copy.
          insert_deduplication_token: createHash('sha256').update(body).digest('hex'),
        },
      });
    } catch (error) {
      throw this.storageError(`insert ${signal}`, error);
    }
  }

  private async read(operation: string, query: string, params: Record<string, unknown>): Promise<unknown[][]> {
    const client = this.connected();
    try {
      const result = await client.query({
        query,
        query_params: params,
        format: 'JSONCompactEachRow',
        clickhouse_settings: READ_SETTINGS,
      });
      return await result.json<unknown[]>();
    } catch (error) {
      throw this.storageError(operation, error);
    }
  }

  /**
   * One page of a signal's rows from `source` (its table, unless given), newest first unless asked
   * otherwise, with the total count.
   */
  private async page(
    operation: string,
    signal: Signal,
    list: string,
    predicates: readonly Predicate[],
    page: ResolvedPage,
    { source, params }: { source: string; params: Params } = {
      source: `${this.schema.table(signal)} FINAL`,
      params: new Params(),
    },
  ): Promise<{ total: number; rows: unknown[][] }> {
    const filter = where(predicates, params);
    const order = [TIME_COLUMNS[signal], ...identityColumns(signal)]
      .map((column) => `${column} ${page.order}`)
      .join(', ');
    const [counted, rows] = await Promise.all([
      this.read(operation, `SELECT count() FROM ${source} ${filter}`, params.values),
      this.read(
        operation,
        `SELECT ${list} FROM ${source} ${filter} ORDER BY ${order} LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
        { ...params.values, limit: page.perPage, offset: page.offset },
      ),
    ]);
    return { total: Number(counted[0]?.[0] ?? 0), rows };
  }

  protected override async queryTraceSpans(traceId: string): Promise<SpanRecord[]> {
    const { sql, params } = traceSpansQuery(this.schema, selectList(modelColumns('spans')), traceId);
    const rows = await this.read('getTrace', sql, params);
    return rows.map((row) => this.decode(COLUMNS.spans, row));
  }

  // Stubs of the trace-parts reads (`trace-list.ts`) until the ClickHouse side lands (engineer H10ch).
  protected countTraceParts(): Promise<number> {
    throw new Error('not implemented');
  }
  protected queryTracePartKeys(): Promise<unknown[][]> {
    throw new Error('not implemented');
  }
  protected queryTraceParts(): Promise<unknown[][]> {
    throw new Error('not implemented');
  }
  protected querySpans(): Promise<unknown[][]> {
    throw new Error('not implemented');
  }

  /** A subquery of the spans that match `copies`, each span once: its preferred copy (`precedence.ts`). */
  private preferredSpans(copies: readonly Predicate[], params: Params): string {
    return `(SELECT *, ${SPAN_PRECEDENCE} FROM ${this.schema.table('spans')} FINAL ${where(copies, params)}
      ORDER BY ${SPAN_PRECEDENCE} DESC LIMIT 1 BY ${identityColumns('spans').join(', ')})`;
  }

  protected async queryRecords<S extends RecordSignal>(
    signal: S,
    predicates: readonly Predicate[],
    page: ResolvedPage,
  ): Promise<PageOf<RecordOf[S]>> {
    const columns = COLUMNS[signal] as Column<RecordOf[S]>[];
    const { total, rows } = await this.page(listOperation(signal), signal, selectList(columns), predicates, page);
    const items = rows.map((row) => this.decode(columns, row));
    return { total, items, totalExact: true, hasMore: page.offset + items.length < total };
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
    return toMetricSeries(
      groupBy,
      rows.map((row) => ({
        bucket: BigInt(row[0] as string),
        groups: row.slice(1, 1 + groupBy.length) as (string | null)[],
        value: row[1 + groupBy.length] === null ? null : readDouble(row[1 + groupBy.length]),
      })),
    );
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
    return toSpendResult(
      query,
      rows.map((row) => ({
        bucket: BigInt(row[0] as string),
        group: row[1] as string | null,
        calls: Number(row[2]),
        pricedCalls: Number(row[3]),
        sums: row.slice(4).map((sum) => (sum === null ? null : readDouble(sum))),
      })),
    );
  }
}
