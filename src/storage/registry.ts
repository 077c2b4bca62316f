import { clickhouseFactory } from './clickhouse/factory';
import { duckdbFactory } from './duckdb/factory';
import type { StoreFactory } from './factory';
import { memoryFactory } from './memory/factory';

/**
 * Every kind of store that `otel-bridge` can make from settings, the default first. A new store
 * registers here, with one line.
 */
export const STORE_FACTORIES = [duckdbFactory, clickhouseFactory, memoryFactory] as const;

/** The option names of every registered store. */
export type StoreOptionName = (typeof STORE_FACTORIES)[number] extends infer F
  ? F extends StoreFactory<infer Name>
    ? Name
    : never
  : never;
