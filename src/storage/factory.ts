import type { ObservabilityStore } from './types';

/**
 * One setting of a store. Options are named as the command line spells them (`duckdb-path`, the
 * flag without its dashes), and each has an environment variable.
 */
export interface StoreOption {
  env: string;
  help: string;
  /** What an unset option means, shown in the help; the store applies it. */
  default?: string | number;
}

/** The settings a factory reads: the text of each of its options that is set. */
export type StoreSettings<Name extends string = string> = Partial<Record<Name, string>>;

/**
 * How to make one kind of store from settings, as the Collector's component factories do: its
 * kind, its options with their defaults and help, how to create it and how to describe it. The
 * command line lists every registered factory (`registry.ts`) and builds its flags, its help and
 * its `--store` choice from them.
 *
 * @example
 * ```ts
 * export const duckdbFactory = defineStoreFactory({
 *   kind: 'duckdb',
 *   options: { 'duckdb-path': { env: 'OTEL_BRIDGE_DUCKDB_PATH', help: 'DuckDB file', default: DUCKDB_DEFAULTS.path } },
 *   create: (settings) => new DuckDBStore({ path: settings['duckdb-path'] }),
 *   describe: (settings) => `duckdb ${settings['duckdb-path'] ?? DUCKDB_DEFAULTS.path}`,
 * });
 * ```
 */
export interface StoreFactory<Name extends string = string> {
  /** What `--store` names it by; also the store's `kind`. */
  kind: string;
  options: { readonly [N in Name]: StoreOption };
  /** An option that, when set, chooses this store without `--store` (a ClickHouse URL does). */
  impliedBy?: NoInfer<Name>;
  /** A store, not yet initialised; a setting it cannot use is a `ConfigurationError` naming the option. */
  create(settings: StoreSettings<NoInfer<Name>>): ObservabilityStore;
  /**
   * The store over the data it already holds, opened for reading only (`otel-bridge view`); absent
   * for a store that keeps nothing between runs.
   */
  openExisting?: (settings: StoreSettings<NoInfer<Name>>) => ObservabilityStore;
  /** Where the store keeps its data, for people: `duckdb otel-bridge.duckdb`. */
  describe(settings: StoreSettings<NoInfer<Name>>): string;
}

/** A factory, with its option names kept as types so that `create` and `describe` can only read those. */
export function defineStoreFactory<Name extends string>(factory: StoreFactory<Name>): StoreFactory<Name> {
  return factory;
}
