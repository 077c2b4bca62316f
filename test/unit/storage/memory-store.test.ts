import { DefaultExporter } from '../../../src/exporters/default-exporter';
import { ConfigurationError } from '../../../src/errors';
import { StoreClosedError } from '../../../src/storage/errors';
import { MemoryStore } from '../../../src/storage/memory/store';
import { BASE_TIME, makeLog, makeScore, makeSpan } from '../../support/records';
import { describeStoreContract } from '../../support/store-contract';

describeStoreContract(
  'MemoryStore',
  async () => {
    const store = new MemoryStore();
    await store.init();
    return store;
  },
  (store) => store.close(),
);

describe('MemoryStore specifics', () => {
  it('keeps at most maxRecordsPerSignal records of a signal, dropping and counting the oldest', async () => {
    const store = new MemoryStore({ maxRecordsPerSignal: 3 });
    await store.init();
    const log = (i: number) => makeLog({ message: `log ${i}`, timeUnixNano: BASE_TIME + BigInt(i) });
    await store.batchCreateLogs({ logs: [log(0), log(1)] });
    await store.batchCreateLogs({ logs: [log(2), log(3), log(4)] });
    await store.createScore({ score: makeScore() });
    const { logs, pagination } = await store.listLogs({ order: 'asc' });
    expect(logs.map((stored) => stored.message)).toEqual(['log 2', 'log 3', 'log 4']);
    expect(pagination.total).toBe(3);
    expect(store.stats.logs).toEqual({ stored: 3, dropped: 2 });
    expect(store.stats.scores).toEqual({ stored: 1, dropped: 0 });
    expect(store.stats.spans).toEqual({ stored: 0, dropped: 0 });
  });

  it('shares no object with its callers: later changes to a written or a read record change nothing stored', async () => {
    const store = new MemoryStore();
    await store.init();
    const span = makeSpan({ tags: ['a'], attributes: { list: ['x'] } });
    const expected = structuredClone(span);
    await store.batchCreateSpans({ spans: [span] });
    span.tags.push('b');
    (span.attributes.list as string[]).push('y');
    const read = (await store.getTrace(span.traceId))!.spans[0]!;
    expect(read).toEqual(expected);
    read.tags.push('c');
    expect((await store.getTrace(span.traceId))!.spans[0]).toEqual(expected);
  });

  it('keeps its records across close() and init(), and refuses calls while closed', async () => {
    const store = new MemoryStore();
    await store.init();
    const span = makeSpan();
    await store.batchCreateSpans({ spans: [span] });
    await store.close();
    await expect(store.listTraces()).rejects.toThrow(StoreClosedError);
    await expect(store.ping()).rejects.toThrow(StoreClosedError);
    await store.init();
    expect((await store.getTrace(span.traceId))!.spans).toEqual([span]);
  });

  it('serves as a test double for the exporter', async () => {
    const store = new MemoryStore();
    const exporter = new DefaultExporter({ storage: store });
    const score = await exporter.recordScore({ scorerId: 'relevance', score: 0.9 });
    await exporter.shutdown();
    expect((await store.listScores()).scores).toEqual([score]);
  });

  it('rejects a bound that is not a positive integer', () => {
    expect(() => new MemoryStore({ maxRecordsPerSignal: 0 })).toThrow(ConfigurationError);
    expect(() => new MemoryStore({ maxRecordsPerSignal: 1.5 })).toThrow(
      /maxRecordsPerSignal must be a positive integer/,
    );
  });
});
