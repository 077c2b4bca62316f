import { ConfigurationError } from '../../errors';
import { definedOnly } from '../../options';
import { SIGNALS, type RecordOf, type Signal, type SpanOrigin, type SpanRecord } from '../../records/types';
import {
  StoreBase,
  compareAscending,
  toMetricSeries,
  type AggregateRow,
  type PageOf,
  type RecordSignal,
  type ResolvedPage,
  type StoreStrategies,
} from '../base';
import {
  COLUMNS,
  IDENTITY_COLUMNS,
  TIME_COLUMNS,
  TRACE_SUMMARY_COLUMNS,
  columnIndex,
  inputPreview,
  type Cell,
  type Column,
  type ColumnType,
} from '../columns';
import type { ColumnPredicateOp, Predicate, PredicateOf, CopyPredicates } from '../filters';
import { preferredCopies } from '../precedence';
import { encodeTypedValue } from '../typed-json';
import { PRICED_COLUMN, SPEND_SUMS, spendGroupColumn, toSpendResult, type SpendRow } from '../spend';
import {
  totalsFilterOf,
  totalsMatch,
  traceOrder,
  unboundedListError,
  type TraceListPage,
  type TraceListQuery,
} from '../trace-list';
import { byTrace, summarizeSpans } from '../trace-parts';
import { TOTAL_CAP } from '../types';
import type { MetricAggregateQuery, MetricAggregateResult, SpendQuery, SpendResult, TraceSummary } from '../types';

/** Every option is optional; {@link MEMORY_DEFAULTS} says what one left out means. */
export interface MemoryStoreOptions {
  /** Most records kept per signal; beyond it the oldest written go first, counted in `stats`. */
  maxRecordsPerSignal?: number;
}

/** What an option of {@link MemoryStoreOptions} left out means. */
export const MEMORY_DEFAULTS = { maxRecordsPerSignal: 100_000 } as const satisfies MemoryStoreOptions;

/** What one signal's table holds, and how many of its records were dropped to keep within the bound. */
export interface MemoryTableStats {
  stored: number;
  dropped: number;
}

/**
 * A row as the other stores keep one: the canonical cell of each column (`columns.ts`), so that a
 * record reads back exactly as DuckDB and ClickHouse give it, and never as the object written.
 */
type Row = Cell[];

interface Table {
  rows: Row[];
  dropped: number;
}

type Tables = Record<Signal, Table>;

const emptyTable = (): Table => ({ rows: [], dropped: 0 });

/** Lists are the only mutable cells: copied in and out, so that no caller shares a stored row. */
const copyCell = (cell: Cell): Cell => (Array.isArray(cell) ? ([...cell] as Cell) : cell);

type Test<Op extends ColumnPredicateOp> = (predicate: PredicateOf<Op>) => (cell: Cell) => boolean;

/** The cell is exactly the predicate's value. */
const holds =
  ({ value }: { value: string | boolean }) =>
  (cell: Cell): boolean =>
    cell === value;

/** Each neutral predicate as a test of one cell, prepared once per query. */
const TESTS: { [Op in ColumnPredicateOp]: Test<Op> } = {
  equals: holds,
  flag: holds,
  in:
    ({ values }) =>
    (cell) =>
      values.includes(cell as string),
  hasAll:
    ({ values }) =>
    (cell) =>
      values.every((value) => (cell as string[]).includes(value)),
  containsIgnoreCase: ({ text }) => {
    const lower = text.toLowerCase();
    return (cell) => (cell as string).toLowerCase().includes(lower);
  },
  // Typed JSON spells each value one way, so equal values have equal text.
  attributeEquals: ({ key, value }) => {
    const expected = encodeTypedValue(value);
    return (cell) => {
      const map = JSON.parse(cell as string) as Record<string, unknown>;
      return Object.hasOwn(map, key) && JSON.stringify(map[key]) === expected;
    };
  },
  timeRange:
    ({ from, to }) =>
    (cell) =>
      (from === null || (cell as bigint) >= from) && (to === null || (cell as bigint) < to),
  isNull: () => (cell) => cell === null,
  isNotNull: () => (cell) => cell !== null,
};

/** Whether a row of the signal matches every predicate. */
function matcher(signal: Signal, predicates: readonly Predicate[]): (row: Row) => boolean {
  const tests = predicates.map((predicate) => rowTest(signal, predicate));
  return (row) => tests.every((test) => test(row));
}

function rowTest(signal: Signal, predicate: Predicate): (row: Row) => boolean {
  if (predicate.op === 'anyOf') {
    const tests = predicate.predicates.map((each) => rowTest(signal, each));
    return (row) => tests.some((test) => test(row));
  }
  return columnTest(signal, predicate);
}

function columnTest<Op extends ColumnPredicateOp>(signal: Signal, predicate: PredicateOf<Op>): (row: Row) => boolean {
  const index = columnIndex(signal, predicate.column);
  const test = (TESTS[predicate.op] as Test<Op>)(predicate);
  return (row) => test(row[index]!);
}

/** Where a span row holds what tells copies of a span apart and ranks them (`precedence.ts`). */
const SPAN_COPY = {
  traceId: columnIndex('spans', 'trace_id'),
  spanId: columnIndex('spans', 'span_id'),
  running: columnIndex('spans', 'running'),
  origin: columnIndex('spans', 'origin'),
};

/**
 * A store that keeps records in this process's memory, bounded per signal: a test double (as the
 * OpenTelemetry SDK's `InMemorySpanExporter` is), `otel-bridge serve --store memory` for demos,
 * and the template of a store. It is a whole store: records go through the same validation and the
 * same row model as in DuckDB and ClickHouse, read back the same, and every list filter works.
 *
 * Rows are kept as written; reads show a record with an identity once: a span's preferred copy
 * (`precedence.ts`), a score's or feedback's last written, and logs and metrics at least once, as
 * DuckDB does. Beyond
 * `maxRecordsPerSignal` records of a signal the oldest written are dropped, and counted in
 * {@link MemoryStore.stats}. The records outlive `close()`: `init()` opens the same ones again.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const exporter = new DefaultExporter({ storage: store });
 * const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter.spanExporter)] });
 * provider.getTracer('test').startSpan('checkout').end();
 * await exporter.forceFlush();
 * const { traces } = await store.listTraces();
 * expect(traces.map((trace) => trace.name)).toEqual(['checkout']);
 * ```
 */
export class MemoryStore extends StoreBase<Tables> {
  readonly kind = 'memory';
  readonly maxRecordsPerSignal: number;
  /** A started span costs a row until its end arrives; reads keep the preferred copy. */
  protected readonly strategies: StoreStrategies = {
    tracing: { preferred: 'event-sourced', supported: ['insert-only', 'event-sourced'] },
    signals: { preferred: 'batch', supported: ['batch', 'realtime'] },
  };
  private readonly tables: Tables = {
    spans: emptyTable(),
    logs: emptyTable(),
    metrics: emptyTable(),
    scores: emptyTable(),
    feedback: emptyTable(),
  };

  constructor(options: MemoryStoreOptions = {}) {
    super();
    const { maxRecordsPerSignal } = { ...MEMORY_DEFAULTS, ...definedOnly(options) };
    if (!Number.isInteger(maxRecordsPerSignal) || maxRecordsPerSignal < 1) {
      throw new ConfigurationError(`maxRecordsPerSignal must be a positive integer, got ${maxRecordsPerSignal}`);
    }
    this.maxRecordsPerSignal = maxRecordsPerSignal;
  }

  /** Per signal: the records held, and those dropped, oldest first, to stay within the bound. */
  get stats(): Record<Signal, MemoryTableStats> {
    return Object.fromEntries(
      SIGNALS.map((signal) => [
        signal,
        { stored: this.tables[signal].rows.length, dropped: this.tables[signal].dropped },
      ]),
    ) as Record<Signal, MemoryTableStats>;
  }

  protected connect(): Promise<Tables> {
    return Promise.resolve(this.tables);
  }

  protected disconnect(): Promise<void> {
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return Promise.resolve().then(() => {
      this.connected();
    });
  }

  /** Rows hold canonical cells already. */
  protected toCell(_type: ColumnType, value: unknown): Cell {
    return copyCell(value as Cell);
  }

  protected insert<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void> {
    const table = this.connected()[signal];
    const columns = COLUMNS[signal] as Column<RecordOf[S]>[];
    // Every row is encoded before any is stored: a batch is all or nothing.
    const rows = records.map((record) => columns.map((column) => copyCell(column.get(record))));
    for (const row of rows) table.rows.push(row);
    const excess = table.rows.length - this.maxRecordsPerSignal;
    if (excess > 0) {
      table.rows.splice(0, excess);
      table.dropped += excess;
    }
    return Promise.resolve();
  }

  /** Every row that matches, copies included, oldest written first. */
  private matching(signal: Signal, predicates: readonly Predicate[]): Row[] {
    return this.connected()[signal].rows.filter(matcher(signal, predicates));
  }

  /** The rows that match, each identity once (the copy written last), oldest written first. */
  private select(signal: Signal, predicates: readonly Predicate[]): Row[] {
    const matches = this.matching(signal, predicates);
    const identity = IDENTITY_COLUMNS[signal].map((column) => columnIndex(signal, column));
    if (identity.length === 0) return matches;
    const latest = new Map<string, Row>();
    for (const row of matches) latest.set(identity.map((index) => row[index]).join('\0'), row);
    return [...latest.values()];
  }

  /**
   * One page of rows, by time (ties in the order written), newest first unless asked otherwise; the total capped
   * at {@link TOTAL_CAP} as the other stores cap it.
   */
  private page(signal: Signal, rows: Row[], page: ResolvedPage): Omit<PageOf<Row>, 'items'> & { rows: Row[] } {
    const time = columnIndex(signal, TIME_COLUMNS[signal]);
    const sorted = rows.sort((a, b) => compareAscending(a[time] as bigint, b[time] as bigint));
    if (page.order === 'desc') sorted.reverse();
    return {
      rows: sorted.slice(page.offset, page.offset + page.perPage),
      total: Math.min(sorted.length, TOTAL_CAP),
      totalExact: sorted.length <= TOTAL_CAP,
      hasMore: sorted.length > page.offset + page.perPage,
    };
  }

  /** Each span once: of its copies that match `copies`, the preferred one, if it matches `chosen`. */
  private chosenSpans(predicates: CopyPredicates): Row[] {
    const copies = this.matching('spans', predicates.copies).map((row) => ({
      traceId: row[SPAN_COPY.traceId] as string,
      spanId: row[SPAN_COPY.spanId] as string,
      running: row[SPAN_COPY.running] as boolean,
      origin: row[SPAN_COPY.origin] as SpanOrigin,
      row,
    }));
    return preferredCopies(copies)
      .map((copy) => copy.row)
      .filter(matcher('spans', predicates.chosen));
  }

  /** Every copy, in the order written: getTrace keeps the preferred one. */
  protected queryTraceSpans(traceId: string): Promise<SpanRecord[]> {
    const rows = this.matching('spans', [{ op: 'equals', column: 'trace_id', value: traceId }]);
    return Promise.resolve(rows.map((row) => this.decode(COLUMNS.spans, row)));
  }

  /**
   * The contract's reference for trace lists, computed exactly from every stored span: each trace's spans in the
   * order written, summarized as trace parts summarize a batch (`trace-parts.ts`), the predicates on the head.
   */
  protected queryTraceList(query: TraceListQuery): Promise<TraceListPage> {
    const { predicates, page, orderBy } = query;
    const light = TRACE_SUMMARY_COLUMNS.map((column) => columnIndex('spans', column.name));
    const input = columnIndex('spans', 'input');
    const matches = matcher('spans', predicates);
    const spans = this.connected().spans.rows.map((row) =>
      Object.assign(
        this.decode(
          TRACE_SUMMARY_COLUMNS,
          light.map((index) => row[index]),
        ),
        { row },
      ),
    );
    let traces = [...byTrace(spans, (span) => span.traceId).values()]
      .map((group) => summarizeSpans(group))
      .filter(({ head }) => matches(head.row));
    const bounded = traces.length <= TOTAL_CAP;
    if (!bounded && orderBy !== 'startTime') throw unboundedListError(`orderBy ${orderBy}`);
    const totalsFilter = totalsFilterOf(query);
    if (!bounded && totalsFilter !== null) throw unboundedListError(totalsFilter);
    traces = traces.filter(({ totals }) => totalsMatch(query, totals));
    const ordered = traces
      .map((trace) => ({ ...trace, traceId: trace.head.traceId, start: trace.head.startTimeUnixNano }))
      .sort(traceOrder(page.order, orderBy));
    const items = ordered.slice(page.offset, page.offset + page.perPage).map(({ head, hasRoot, totals }) => {
      const { row, ...fields } = head;
      const summary = fields as unknown as Omit<TraceSummary, 'inputPreview' | 'hasRoot' | 'trace'>;
      return { ...summary, inputPreview: inputPreview(row[input] as string | null), hasRoot, trace: totals };
    });
    return Promise.resolve({
      items,
      total: bounded ? ordered.length : TOTAL_CAP,
      totalExact: bounded,
      hasMore: ordered.length > page.offset + page.perPage,
    });
  }

  protected queryRecords<S extends RecordSignal>(
    signal: S,
    predicates: readonly Predicate[],
    page: ResolvedPage,
  ): Promise<PageOf<RecordOf[S]>> {
    const { rows, ...counts } = this.page(signal, this.select(signal, predicates), page);
    const columns = COLUMNS[signal] as Column<RecordOf[S]>[];
    return Promise.resolve({ ...counts, items: rows.map((row) => this.decode(columns, row)) });
  }

  protected queryDistinct(
    _operation: string,
    signal: Signal,
    columns: readonly string[],
    predicates: readonly Predicate[],
  ): Promise<unknown[][]> {
    const indexes = columns.map((column) => columnIndex(signal, column));
    const distinct = new Map<string, Cell[]>();
    for (const row of this.matching(signal, predicates)) {
      const values = indexes.map((index) => row[index]!);
      distinct.set(JSON.stringify(values), values);
    }
    return Promise.resolve([...distinct.values()]);
  }

  protected queryMetricAggregate(
    query: MetricAggregateQuery,
    predicates: readonly Predicate[],
  ): Promise<MetricAggregateResult> {
    const time = columnIndex('metrics', TIME_COLUMNS.metrics);
    const field = columnIndex('metrics', query.field ?? 'value');
    const attributes = columnIndex('metrics', 'attributes');
    const groupBy = query.groupBy ?? [];
    const buckets = new Map<string, { bucket: bigint; groups: (string | null)[]; values: number[] }>();
    for (const row of this.select('metrics', predicates)) {
      const bucket = ((row[time] as bigint) / query.bucketSizeNano) * query.bucketSizeNano;
      const map = groupBy.length === 0 ? {} : (JSON.parse(row[attributes] as string) as Record<string, unknown>);
      const groups = groupBy.map((key) => (Object.hasOwn(map, key) ? JSON.stringify(map[key]) : null));
      const key = JSON.stringify([String(bucket), groups]);
      let entry = buckets.get(key);
      if (!entry) buckets.set(key, (entry = { bucket, groups, values: [] }));
      // As SQL aggregates do, an unset value counts for nothing.
      if (row[field] !== null) entry.values.push(row[field] as number);
    }
    const rows: AggregateRow[] = [...buckets.values()]
      .sort((a, b) => compareAscending(a.bucket, b.bucket) || compareGroups(a.groups, b.groups))
      .map(({ bucket, groups, values }) => ({ bucket, groups, value: aggregate(query.aggregation, values) }));
    return Promise.resolve(toMetricSeries(groupBy, rows));
  }

  /** Model calls, one copy each as trace lists choose it, summed per bucket and group. */
  protected querySpend(query: SpendQuery, predicates: CopyPredicates): Promise<SpendResult> {
    const time = columnIndex('spans', TIME_COLUMNS.spans);
    const column = spendGroupColumn(query);
    const group = column === null ? null : columnIndex('spans', column);
    const priced = columnIndex('spans', PRICED_COLUMN);
    const summed = SPEND_SUMS.map(([, name]) => columnIndex('spans', name));
    const buckets = new Map<string, SpendRow & { sums: (number | null)[] }>();
    for (const row of this.chosenSpans(predicates)) {
      const bucket = ((row[time] as bigint) / query.bucketSizeNano) * query.bucketSizeNano;
      const value = group === null ? null : (row[group] as string | null);
      const key = JSON.stringify([String(bucket), value]);
      let entry = buckets.get(key);
      if (!entry)
        buckets.set(key, (entry = { bucket, group: value, calls: 0, pricedCalls: 0, sums: summed.map(() => null) }));
      entry.calls++;
      if (row[priced] !== null) entry.pricedCalls++;
      // As SQL's sum does, an unset value adds nothing, and a sum of none is null.
      summed.forEach((index, i) => {
        const cell = row[index] as number | null;
        if (cell !== null) entry.sums[i] = (entry.sums[i] ?? 0) + cell;
      });
    }
    const rows = [...buckets.values()].sort((a, b) => compareAscending(a.bucket, b.bucket));
    return Promise.resolve(toSpendResult(query, rows));
  }
}

/** Group values in SQL's ascending order: by text, an absent value last. */
function compareGroups(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** The aggregate of a bucket's values; `null` (no point) where there are none, but a count of 0. */
function aggregate(aggregation: MetricAggregateQuery['aggregation'], values: readonly number[]): number | null {
  if (aggregation === 'count') return values.length;
  if (values.length === 0) return null;
  switch (aggregation) {
    case 'sum':
      return values.reduce((sum, value) => sum + value, 0);
    case 'avg':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    case 'min':
      return values.reduce((min, value) => (value < min ? value : min));
    case 'max':
      return values.reduce((max, value) => (value > max ? value : max));
  }
}
