import type { AggregateRow } from './base';
import type { SpendRow } from './spend';

/**
 * The row layouts the SQL stores share for aggregates, so that an engine's SQL only has to return the
 * columns in this order; how an engine's driver hands back numbers is its own {@link EngineNumbers}.
 */

/** How an engine's driver returns a bucket (an Int64) and a double that is not `NULL`. */
export interface EngineNumbers {
  bucket(value: unknown): bigint;
  double(value: unknown): number;
}

/** Metric aggregate rows laid out as `bucket, g0 … gN-1, value`. */
export function aggregateRows(groups: number, rows: readonly unknown[][], numbers: EngineNumbers): AggregateRow[] {
  return rows.map((row) => ({
    bucket: numbers.bucket(row[0]),
    groups: row.slice(1, 1 + groups) as (string | null)[],
    value: row[1 + groups] === null ? null : numbers.double(row[1 + groups]),
  }));
}

/** Spend rows laid out as `bucket, group, calls, priced calls`, then the sums in `SPEND_SUMS` order. */
export function spendRows(rows: readonly unknown[][], numbers: EngineNumbers): SpendRow[] {
  return rows.map((row) => ({
    bucket: numbers.bucket(row[0]),
    group: row[1] as string | null,
    calls: Number(row[2]),
    pricedCalls: Number(row[3]),
    sums: row.slice(4).map((sum) => (sum === null ? null : numbers.double(sum))),
  }));
}
