import { wholeNumberSetting } from '../../options';
import { ConfigurationError } from '../../errors';
import { defineStoreFactory } from '../factory';
import { RETENTION_DAYS_OPTION } from '../retention';
import { MEMORY_DEFAULTS, MemoryStore } from './store';

/** `--store memory`: records in the server's memory, bounded, gone when it stops. For demos and tests. */
export const memoryFactory = defineStoreFactory({
  kind: 'memory',
  options: {
    'memory-max-records': {
      env: 'OTEL_BRIDGE_MEMORY_MAX_RECORDS',
      help: 'memory store: records kept per signal, the oldest dropped first',
      default: MEMORY_DEFAULTS.maxRecordsPerSignal,
    },
    'retention-days': RETENTION_DAYS_OPTION,
  },
  create: (settings) => {
    if (settings['retention-days'] !== undefined) {
      throw new ConfigurationError(
        '--retention-days: the memory store keeps nothing across restarts and bounds itself with --memory-max-records; retention is for duckdb and clickhouse',
      );
    }
    return new MemoryStore({ maxRecordsPerSignal: wholeNumberSetting(settings, 'memory-max-records', 1) });
  },
  describe: (settings) =>
    `memory (at most ${settings['memory-max-records'] ?? MEMORY_DEFAULTS.maxRecordsPerSignal} records per signal, lost on exit)`,
});
