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

/** The retention, checked: a {@link ConfigurationError} naming the store and signal of a count that is not whole days >= 1. */
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
