import { existsSync } from 'node:fs';
import { ConfigurationError } from '../../errors';
import { wholeNumberSetting } from '../../options';
import { defineStoreFactory } from '../factory';
import { RETENTION_DAYS_OPTION, retentionDaysFrom } from '../retention';
import { DUCKDB_DEFAULTS, DuckDBStore } from './store';

/** `--store duckdb`, the default: one DuckDB file. */
export const duckdbFactory = defineStoreFactory({
  kind: 'duckdb',
  options: {
    'duckdb-path': { env: 'OTEL_BRIDGE_DUCKDB_PATH', help: 'DuckDB file', default: DUCKDB_DEFAULTS.path },
    'retention-days': RETENTION_DAYS_OPTION,
    'duckdb-max-size-mb': {
      env: 'OTEL_BRIDGE_DUCKDB_MAX_SIZE_MB',
      help: 'DuckDB: MiB of live data to stay under, the oldest records dropped first (default: no cap)',
    },
  },
  create: (settings) =>
    new DuckDBStore({
      path: settings['duckdb-path'],
      retentionDays: retentionDaysFrom(settings),
      maxSizeMb: wholeNumberSetting(settings, 'duckdb-max-size-mb', 1),
    }),
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
