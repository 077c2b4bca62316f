import { existsSync } from 'node:fs';
import { ConfigurationError } from '../../errors';
import { defineStoreFactory } from '../factory';
import { DUCKDB_DEFAULTS, DuckDBStore } from './store';

/** `--store duckdb`, the default: one DuckDB file. */
export const duckdbFactory = defineStoreFactory({
  kind: 'duckdb',
  options: {
    'duckdb-path': { env: 'OTEL_BRIDGE_DUCKDB_PATH', help: 'DuckDB file', default: DUCKDB_DEFAULTS.path },
  },
  create: (settings) => new DuckDBStore({ path: settings['duckdb-path'] }),
  openExisting: (settings) => {
    const path = settings['duckdb-path'] ?? DUCKDB_DEFAULTS.path;
    if (!existsSync(path))
      throw new ConfigurationError(
        `--duckdb-path: no DuckDB file ${JSON.stringify(path)}; view opens a file that serve or an app wrote`,
      );
    return new DuckDBStore({ path, readOnly: true });
  },
  describe: (settings) => `duckdb ${settings['duckdb-path'] ?? DUCKDB_DEFAULTS.path}`,
});
