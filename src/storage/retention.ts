import { ConfigurationError } from '../errors';
import { wholeNumberSetting } from '../options';
import { SIGNALS, type Signal } from '../records/types';
import type { StoreOption, StoreSettings } from './factory';

/** Days to keep each signal's records; a signal left out is kept forever. */
export type RetentionDays = Partial<Record<Signal, number>>;

/** `--retention-days`, which every store that keeps data between runs reads. */
export const RETENTION_DAYS_OPTION = {
  env: 'OTEL_BRIDGE_RETENTION_DAYS',
  help: 'days to keep every signal: DuckDB deletes older rows on a schedule, ClickHouse by TTL (default: keep forever)',
} as const satisfies StoreOption;

/** The same retention for every signal, from `--retention-days`; `undefined` when it is not set. */
export function retentionDaysFrom(settings: StoreSettings<'retention-days'>): RetentionDays | undefined {
  const days = wholeNumberSetting(settings, 'retention-days', 1);
  return days === undefined ? undefined : Object.fromEntries(SIGNALS.map((signal) => [signal, days]));
}

/**
 * The retention, checked: a {@link ConfigurationError} naming the store and signal of a count that is
 * not whole days >= 1.
 */
export function checkRetentionDays(store: string, retentionDays: RetentionDays): RetentionDays {
  for (const [signal, days] of Object.entries(retentionDays)) {
    if (days !== undefined && (!Number.isInteger(days) || days < 1)) {
      throw new ConfigurationError(
        `${store} retention for ${signal} must be a whole number of days >= 1, got ${String(days)}`,
      );
    }
  }
  return { ...retentionDays };
}

/** What the retention job has done since the store was created. */
export interface RetentionStats {
  /** Records deleted for being older than their signal's retention. */
  expired: Record<Signal, number>;
  /** Records deleted, the oldest first across signals, to bring the database under the size cap. */
  evicted: Record<Signal, number>;
  /** Runs finished, failed ones included. */
  runs: number;
  failedRuns: number;
  /** Why the last run failed; `null` once a run succeeds. The next run tries again. */
  lastError: string | null;
  /** Bytes the file's live blocks held at the cap's last measurement; `null` without a cap. */
  usedBytes: number | null;
}

/** A store whose retention job deletes records, and counts them. */
export interface RetainingStore {
  readonly retentionStats: RetentionStats;
}

/** Whether `store` runs a retention job of its own (DuckDB does; ClickHouse's TTL counts nothing). */
export function isRetainingStore(store: object): store is RetainingStore {
  return 'retentionStats' in store;
}
