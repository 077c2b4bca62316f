import { COLUMNS, type Column } from '../../src/storage/columns';
import type { ObservabilityStore } from '../../src/storage/types';
import { BASE_TIME, makeLog, makeSpan, spanId, traceId } from './records';

/** A fresh database of one engine, where tables of an older column set can be made by hand. */
export interface OlderDatabase {
  /** Creates the signal's table with only `columns`, in their order, holding `records`. */
  createOlder(signal: 'spans' | 'logs', columns: Column<unknown>[], records: readonly unknown[]): Promise<void>;
  /** A store on this database, not yet initialised. */
  openStore(): ObservabilityStore;
  /** Drops the database. */
  cleanup(): Promise<void>;
}

/** Columns that an older store did not have: of every kind, nullable or not, a time among them. */
const MISSING = {
  spans: [
    'trace_state',
    'dropped_links_count',
    'events',
    'tags',
    'metadata',
    'model',
    'input_tokens',
    'input',
    'output',
    'running',
    'origin',
  ],
  logs: ['observed_time', 'body', 'event_name', 'attributes', 'tags', 'metadata'],
};

const olderColumns = (signal: 'spans' | 'logs'): Column<unknown>[] =>
  (COLUMNS[signal] as Column<unknown>[]).filter((column) => !MISSING[signal].includes(column.name));

/**
 * Column evolution, as a contract for stores that keep their data: a store opened on tables that an
 * older version created, with fewer columns, adds the missing ones, reads the old rows with those
 * columns blank, and writes and reads new records whole. Other changes add columns every release.
 */
export function describeColumnEvolution(name: string, fresh: () => Promise<OlderDatabase>): void {
  describe(`${name}: tables of an older column set`, () => {
    it('adds the missing columns, reads the old rows with them blank, and writes and reads new records', async () => {
      const database = await fresh();
      try {
        // What the old rows read in the columns they never had.
        const oldSpan = makeSpan({
          traceState: '',
          droppedLinksCount: 0,
          events: [],
          tags: [],
          metadata: {},
          model: null,
          inputTokens: null,
          input: null,
          output: null,
          running: false,
          origin: 'otel',
        });
        const oldLog = makeLog({
          observedTimeUnixNano: 0n,
          body: null,
          eventName: '',
          attributes: {},
          tags: [],
          metadata: {},
        });
        await database.createOlder('spans', olderColumns('spans'), [oldSpan]);
        await database.createOlder('logs', olderColumns('logs'), [oldLog]);

        const store = database.openStore();
        await store.init();
        try {
          expect((await store.getTrace(oldSpan.traceId))!.spans).toEqual([oldSpan]);
          expect((await store.listLogs()).logs).toEqual([oldLog]);

          const newSpan = makeSpan({
            traceId: traceId(),
            traceState: 'vendor=1',
            droppedLinksCount: 2,
            events: [{ timeUnixNano: BASE_TIME + 2n, name: 'retry', attributes: { n: 1n }, droppedAttributesCount: 0 }],
            links: [
              {
                traceId: traceId(),
                spanId: spanId(),
                traceState: '',
                flags: 0,
                attributes: {},
                droppedAttributesCount: 0,
              },
            ],
            tags: ['new'],
            metadata: { tier: 'gold' },
            model: 'gpt-4o',
            inputTokens: 12,
            input: 'hello',
            output: { answer: 42n },
            origin: 'mastra',
            startTimeUnixNano: BASE_TIME + 1n,
            endTimeUnixNano: BASE_TIME + 3n,
            durationNano: 2n,
          });
          const newLog = makeLog({
            timeUnixNano: BASE_TIME + 1n,
            observedTimeUnixNano: BASE_TIME + 5n,
            body: { user: 'ana', attempts: 3n },
            message: 'signed in again',
            eventName: 'session.start',
            attributes: { 'log.attr': 'v' },
            tags: ['t'],
            metadata: { source: 'test' },
          });
          await store.batchCreateSpans({ spans: [newSpan] });
          await store.batchCreateLogs({ logs: [newLog] });
          expect((await store.getTrace(newSpan.traceId))!.spans).toEqual([newSpan]);
          expect((await store.listLogs({ order: 'asc' })).logs).toEqual([oldLog, newLog]);
          // The trace list ranks copies by running and origin (precedence.ts): the old row reads as a finished
          // OpenTelemetry span.
          const { traces } = await store.listTraces({ order: 'asc' });
          expect(traces.map((trace) => [trace.spanId, trace.running, trace.origin])).toEqual([
            [oldSpan.spanId, false, 'otel'],
            [newSpan.spanId, false, 'mastra'],
          ]);
        } finally {
          await store.close();
        }

        // Opened again, it finds nothing to add and everything reads as before.
        const again = database.openStore();
        await again.init();
        try {
          expect((await again.getTrace(oldSpan.traceId))!.spans).toEqual([oldSpan]);
          expect((await again.listLogs()).pagination.total).toBe(2);
        } finally {
          await again.close();
        }
      } finally {
        await database.cleanup();
      }
    });
  });
}
