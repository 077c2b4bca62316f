import { wholeNumberSetting } from '../../options';
import { defineStoreFactory } from '../factory';
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
  },
  create: (settings) => new MemoryStore({ maxRecordsPerSignal: wholeNumberSetting(settings, 'memory-max-records', 1) }),
  describe: (settings) =>
    `memory (at most ${settings['memory-max-records'] ?? MEMORY_DEFAULTS.maxRecordsPerSignal} records per signal, lost on exit)`,
});
