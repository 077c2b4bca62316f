import { modelColumn } from './columns';
import { InvalidQueryError } from './errors';
import { toUnixNano } from './filters';
import {
  MAX_SPEND_BUCKETS,
  SPEND_GROUP_BYS,
  type SpendGroupBy,
  type SpendPoint,
  type SpendQuery,
  type SpendResult,
  type SpendSeries,
} from './types';

/**
 * The shared part of the spend aggregate (`ObservabilityStore.aggregateSpend`): what its group-bys
 * and sums are over the span columns of the row model, its checks, and how the rows an engine
 * returns become series. A store supplies only the query in its dialect; which spans count is in
 * `spendPredicates` (`filters.ts`).
 */

/** The span column whose value names each series of a group-by. */
export const SPEND_GROUP_COLUMNS: Record<SpendGroupBy, string> = {
  service: 'service_name',
  model: 'model',
  provider: 'provider',
  user: 'user_id',
  session: 'session_id',
  agent: 'entity_name',
};

/** The point fields that sum a span column, in the order engines return them. */
export const SPEND_SUMS = [
  ['inputCost', 'input_cost'],
  ['outputCost', 'output_cost'],
  ['totalCost', 'total_cost'],
  ['inputTokens', 'input_tokens'],
  ['outputTokens', 'output_tokens'],
  ['totalTokens', 'total_tokens'],
] as const satisfies readonly (readonly [keyof SpendPoint, string])[];

/** The column whose non-null values are the priced calls; the other calls are unpriced. */
export const PRICED_COLUMN = 'total_cost';

/** One row of a spend aggregate as an engine returns it: a bucket of one group. */
export interface SpendRow {
  bucket: bigint;
  group: string | null;
  calls: number;
  pricedCalls: number;
  /** In the order of {@link SPEND_SUMS}; `null` where no call had the value. */
  sums: readonly (number | null)[];
}

/** The span column of a query's group-by, or `null` when it has none; checks it. */
export function spendGroupColumn(query: SpendQuery): string | null {
  if (query.groupBy === undefined) return null;
  if (!SPEND_GROUP_BYS.includes(query.groupBy)) {
    throw new InvalidQueryError(`groupBy must be one of ${SPEND_GROUP_BYS.join(', ')}, got ${String(query.groupBy)}`);
  }
  return modelColumn('spans', SPEND_GROUP_COLUMNS[query.groupBy]).name;
}

/** Checks a spend query's bucket and range: a positive bucket, a bounded range, not too many buckets. */
export function checkSpendQuery(query: SpendQuery): void {
  if (typeof query.bucketSizeNano !== 'bigint' || query.bucketSizeNano <= 0n) {
    throw new InvalidQueryError('bucketSizeNano must be a positive bigint');
  }
  const { from, to } = query.filter ?? {};
  if (from === undefined || to === undefined) {
    throw new InvalidQueryError('a spend aggregate needs a range, from and to: it reads a bounded one');
  }
  const [start, end] = [toUnixNano(from), toUnixNano(to)];
  if (end <= start) throw new InvalidQueryError(`to (${end}) must be after from (${start})`);
  // `to` is exclusive: the last bucket is the one of the nanosecond before it.
  const buckets = (end - 1n) / query.bucketSizeNano - start / query.bucketSizeNano + 1n;
  if (buckets > BigInt(MAX_SPEND_BUCKETS)) {
    throw new InvalidQueryError(
      `the range spans ${buckets} buckets of ${query.bucketSizeNano} ns; at most ${MAX_SPEND_BUCKETS}: take ` +
        `wider buckets or a shorter range`,
    );
  }
  spendGroupColumn(query);
}

/** The total of values that may be unknown: `null` only when every one is. */
function addKnown(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : a + b;
}

const seriesCost = (series: SpendSeries): number | null =>
  series.points.reduce<number | null>((sum, point) => addKnown(sum, point.totalCost), null);

/**
 * Gathers rows, ordered by bucket, into one series per group: the most expensive first, series
 * without a known cost last, ties by group name (`null` last).
 */
export function toSpendResult(query: SpendQuery, rows: Iterable<SpendRow>): SpendResult {
  const series = new Map<string | null, SpendSeries>();
  let calls = 0;
  let unpricedCalls = 0;
  for (const row of rows) {
    let entry = series.get(row.group);
    if (!entry) series.set(row.group, (entry = { group: row.group, points: [] }));
    const point = {
      timeUnixNano: row.bucket,
      calls: row.calls,
      unpricedCalls: row.calls - row.pricedCalls,
    } as SpendPoint;
    SPEND_SUMS.forEach(([field], i) => {
      point[field] = row.sums[i] ?? null;
    });
    entry.points.push(point);
    calls += point.calls;
    unpricedCalls += point.unpricedCalls;
  }
  const costs = new Map([...series.values()].map((entry) => [entry, seriesCost(entry)]));
  const ordered = [...series.values()].sort((a, b) => {
    const [x, y] = [costs.get(a)!, costs.get(b)!];
    if (x !== y) return x === null ? 1 : y === null ? -1 : y - x;
    if (a.group === b.group) return 0;
    return a.group === null ? 1 : b.group === null ? -1 : a.group < b.group ? -1 : 1;
  });
  return {
    groupBy: query.groupBy ?? null,
    series: ordered,
    calls,
    unpricedCalls,
    totalCost: ordered.reduce<number | null>((sum, entry) => addKnown(sum, costs.get(entry)!), null),
  };
}
