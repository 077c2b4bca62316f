import { defineStoreFactory } from '../factory';
import { DUCKDB_DEFAULTS, DuckDBStore } from './store';

/** `--store duckdb`, the default: one DuckDB file. */
export const duckdbFactory = defineStoreFactory({
  kind: 'duckdb',
  options: {
    'duckdb-path': { env: 'OTEL_BRIDGE_DUCKDB_PATH', help: 'DuckDB file', default: DUCKDB_DEFAULTS.path },
  },
  create: (settings) => new DuckDBStore({ path: settings['duckdb-path'] }),
  describe: (settings) => `duckdb ${settings['duckdb-path'] ?? DUCKDB_DEFAULTS.path}`,
});
