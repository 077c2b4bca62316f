import { randomUUID } from 'node:crypto';
import { StorePipeline } from '../../../src/pipeline/store-pipeline';
import { MAX_ATTRIBUTE_DEPTH } from '../../../src/records/attribute-check';
import { MAX_TIME_NANO } from '../../../src/records/primitives';
import type { AttributeValue, RecordOf, Signal } from '../../../src/records/types';
import { MAX_RECORD_TEXT_BYTES } from '../../../src/records/validate';
import type { ObservabilityStore } from '../../../src/storage/types';
import { makeFeedback, makeLog, makeMetric, makeScore, makeSpan } from '../../support/records';
import { describeOnRealStores } from '../../support/stores';

/**
 * Values at the edge of what both stores hold. Past each bound DuckDB refused the whole batch and
 * ClickHouse silently stored another value; validation must reject such a record alone, by name, and
 * the rest of its batch must be stored. At each bound the value must be stored and read back exactly.
 */

/** A value nested `depth` maps deep: the innermost string is at level `depth`. */
function nested(depth: number): AttributeValue {
  let value: AttributeValue = 'leaf';
  for (let level = 0; level < depth; level++) value = { inner: value };
  return value;
}

const HISTOGRAM: Partial<RecordOf['metrics']> = {
  type: 'histogram',
  temporality: 'delta',
  isMonotonic: null,
  value: null,
  count: 3,
  sum: 1.5,
  explicitBounds: [1],
  bucketCounts: [1, 2],
};

const EXPONENTIAL: Partial<RecordOf['metrics']> = {
  type: 'exponential_histogram',
  temporality: 'delta',
  isMonotonic: null,
  value: null,
  count: 1,
  sum: 1,
  scale: 2,
  zeroCount: 0,
  zeroThreshold: 0,
  positive: { offset: 0, bucketCounts: [1] },
  negative: { offset: 0, bucketCounts: [] },
};

/** A valid record of each signal, for one service; logs and points differ, so ClickHouse keeps both copies. */
const VALID: { [S in Signal]: (service: string) => RecordOf[S] } = {
  spans: (service) => makeSpan({ serviceName: service }),
  logs: (service) => makeLog({ serviceName: service, attributes: { copy: randomUUID() } }),
  metrics: (service) => makeMetric({ serviceName: service, attributes: { copy: randomUUID() } }),
  scores: (service) => makeScore({ serviceName: service }),
  feedback: (service) => makeFeedback({ serviceName: service }),
};

const MiB = 2 ** 20;
const TOO_MUCH_TEXT = new RegExp(`holds more than ${MAX_RECORD_TEXT_BYTES / MiB} MiB of text`);

interface Case<S extends Signal> {
  signal: S;
  what: string;
  make: (service: string) => RecordOf[S];
  path: string;
  message?: RegExp;
}

const span = (overrides: Partial<RecordOf['spans']>) => (service: string) =>
  makeSpan({ serviceName: service, ...overrides });

const BEYOND: Case<Signal>[] = [
  {
    signal: 'spans',
    what: 'a start time past DuckDB’s TIMESTAMP_NS',
    make: span({ startTimeUnixNano: MAX_TIME_NANO + 1n, endTimeUnixNano: MAX_TIME_NANO + 1n, durationNano: 0n }),
    path: '/startTimeUnixNano',
  },
  {
    signal: 'spans',
    what: 'an end time beyond int64',
    make: span({ endTimeUnixNano: 2n ** 63n, durationNano: 2n ** 63n - 1_700_000_000_123_456_789n }),
    path: '/endTimeUnixNano',
  },
  {
    signal: 'spans',
    what: 'an event time beyond int64',
    make: span({ events: [{ timeUnixNano: 2n ** 64n, name: 'e', attributes: {}, droppedAttributesCount: 0 }] }),
    path: '/events/0/timeUnixNano',
  },
  {
    signal: 'spans',
    what: 'a dropped-attributes count beyond UInt32 (ClickHouse wraps it)',
    make: span({ droppedAttributesCount: 2 ** 32 + 5 }),
    path: '/droppedAttributesCount',
  },
  {
    signal: 'spans',
    what: 'a dropped-events count beyond UInt32',
    make: span({ droppedEventsCount: 2 ** 32 }),
    path: '/droppedEventsCount',
  },
  {
    signal: 'spans',
    what: 'a link’s dropped-attributes count beyond UInt32',
    make: span({
      links: [
        {
          traceId: 'a'.repeat(32),
          spanId: 'b'.repeat(16),
          traceState: '',
          flags: 0,
          attributes: {},
          droppedAttributesCount: 2 ** 32,
        },
      ],
    }),
    path: '/links/0/droppedAttributesCount',
  },
  {
    signal: 'spans',
    what: 'a token count of 2^64 (DuckDB refuses it as UBIGINT)',
    make: span({ inputTokens: 2 ** 64 }),
    path: '/inputTokens',
  },
  {
    signal: 'spans',
    what: 'a token count of 1e300 (ClickHouse stores 0)',
    make: span({ totalTokens: 1e300 }),
    path: '/totalTokens',
  },
  {
    signal: 'spans',
    what: 'an int attribute beyond int64',
    make: span({ attributes: { big: 2n ** 63n } }),
    path: '/attributes/big',
  },
  {
    signal: 'spans',
    what: `an attribute nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`,
    make: span({ attributes: { deep: nested(MAX_ATTRIBUTE_DEPTH + 1) } }),
    path: `/attributes/deep${'/inner'.repeat(MAX_ATTRIBUTE_DEPTH + 1)}`,
    message: /nested deeper than 64 levels/,
  },
  {
    signal: 'spans',
    what: 'an input nested too deep',
    make: span({ input: [nested(MAX_ATTRIBUTE_DEPTH)] }),
    path: `/input/0${'/inner'.repeat(MAX_ATTRIBUTE_DEPTH)}`,
  },
  {
    signal: 'spans',
    what: 'a name longer than DuckDB holds in one cell',
    make: span({ name: 'x'.repeat(MAX_RECORD_TEXT_BYTES + 1) }),
    path: '',
    message: TOO_MUCH_TEXT,
  },
  {
    signal: 'spans',
    what: 'attributes that together hold too much text',
    make: span({
      attributes: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`part.${i}`, 'y'.repeat(MiB)])),
    }),
    path: '',
    message: TOO_MUCH_TEXT,
  },
  {
    signal: 'spans',
    what: 'text that is short in characters but too long in UTF-8',
    make: span({ input: '日'.repeat(Math.ceil(MAX_RECORD_TEXT_BYTES / 3) + 1) }),
    path: '',
    message: TOO_MUCH_TEXT,
  },
  {
    signal: 'logs',
    what: 'an observed time beyond int64',
    make: (service) => makeLog({ serviceName: service, observedTimeUnixNano: 2n ** 63n }),
    path: '/observedTimeUnixNano',
  },
  {
    signal: 'logs',
    what: 'a body nested too deep',
    make: (service) => makeLog({ serviceName: service, body: nested(MAX_ATTRIBUTE_DEPTH + 1) }),
    path: `/body${'/inner'.repeat(MAX_ATTRIBUTE_DEPTH + 1)}`,
  },
  {
    signal: 'logs',
    what: 'a dropped-attributes count beyond UInt32',
    make: (service) => makeLog({ serviceName: service, droppedAttributesCount: 2 ** 32 }),
    path: '/droppedAttributesCount',
  },
  {
    signal: 'metrics',
    what: 'a point time past TIMESTAMP_NS',
    make: (service) => makeMetric({ serviceName: service, timeUnixNano: MAX_TIME_NANO + 1n }),
    path: '/timeUnixNano',
  },
  {
    signal: 'metrics',
    what: 'a histogram count of 2^64',
    make: (service) => makeMetric({ serviceName: service, ...HISTOGRAM, count: 2 ** 64 }),
    path: '/count',
  },
  {
    signal: 'metrics',
    what: 'a bucket count of 2^64 (ClickHouse refuses the Array(UInt64))',
    make: (service) => makeMetric({ serviceName: service, ...HISTOGRAM, bucketCounts: [1, 2 ** 64] }),
    path: '/bucketCounts/1',
  },
  {
    signal: 'metrics',
    what: 'an exponential bucket offset beyond int32',
    make: (service) =>
      makeMetric({ serviceName: service, ...EXPONENTIAL, positive: { offset: 2 ** 31, bucketCounts: [1] } }),
    path: '/positive/offset',
  },
  {
    signal: 'metrics',
    what: 'an int exemplar beyond int64',
    make: (service) =>
      makeMetric({
        serviceName: service,
        exemplars: [{ timeUnixNano: 1n, value: 2n ** 63n, traceId: null, spanId: null, filteredAttributes: {} }],
      }),
    path: '/exemplars/0/value',
  },
  {
    signal: 'scores',
    what: 'a time beyond int64',
    make: (service) => makeScore({ serviceName: service, timeUnixNano: 2n ** 63n }),
    path: '/timeUnixNano',
  },
  {
    signal: 'feedback',
    what: 'a time past TIMESTAMP_NS',
    make: (service) => makeFeedback({ serviceName: service, timeUnixNano: MAX_TIME_NANO + 1n }),
    path: '/timeUnixNano',
  },
];

/** The records of `signal` stored for `service`, however the store lists them. */
async function storedFor(store: ObservabilityStore, signal: Signal, service: string): Promise<unknown[]> {
  const args = { perPage: 100, filter: { serviceName: service } };
  switch (signal) {
    case 'spans':
      return (await store.listTraces(args)).traces;
    case 'logs':
      return (await store.listLogs(args)).logs;
    case 'metrics':
      return (await store.listMetrics(args)).metrics;
    case 'scores':
      return (await store.listScores(args)).scores;
    default:
      return (await store.listFeedback(args)).feedback;
  }
}

describeOnRealStores('values the stores cannot hold', 'storable', (store) => {
  let pipeline: StorePipeline;
  beforeAll(() => {
    pipeline = new StorePipeline(store(), { retryDelayMs: 1 });
  });
  afterAll(() => pipeline.shutdown());

  it.each(BEYOND)('rejects $what alone, by name, and stores the rest of the batch', async (limit) => {
    const service = `svc-${randomUUID()}`;
    const records = [VALID[limit.signal](service), limit.make(service), VALID[limit.signal](service)];
    // Through the pipeline's writer, past the record limits, which would cut some of these values first.
    const outcome = await pipeline.writer(limit.signal).submit(records);
    expect(outcome.accepted).toBe(2);
    expect(outcome.rejected).toEqual([
      expect.objectContaining({
        index: 1,
        path: limit.path,
        ...(limit.message ? { message: expect.stringMatching(limit.message) as unknown } : {}),
      }),
    ]);
    expect(await storedFor(store(), limit.signal, service)).toHaveLength(2);
  });

  it('stores and reads back exactly the values at each bound', async () => {
    const service = `svc-${randomUUID()}`;
    const edge = makeSpan({
      serviceName: service,
      startTimeUnixNano: MAX_TIME_NANO - 5n,
      endTimeUnixNano: MAX_TIME_NANO,
      durationNano: 5n,
      flags: 0xffff_ffff,
      droppedAttributesCount: 0xffff_ffff,
      droppedEventsCount: 0xffff_ffff,
      droppedLinksCount: 0xffff_ffff,
      // The largest double below 2^64.
      inputTokens: 18_446_744_073_709_549_568,
      attributes: { deep: nested(MAX_ATTRIBUTE_DEPTH), min: -(2n ** 63n), max: 2n ** 63n - 1n },
      events: [{ timeUnixNano: MAX_TIME_NANO, name: 'last', attributes: {}, droppedAttributesCount: 0xffff_ffff }],
    });
    const large = makeSpan({ serviceName: service, input: 'z'.repeat(MAX_RECORD_TEXT_BYTES - 64 * 1024) });
    const outcome = await pipeline.writer('spans').submit([edge, large]);
    expect(outcome).toEqual({ accepted: 2, rejected: [] });
    expect((await store().getTrace(edge.traceId))?.spans).toEqual([edge]);
    expect((await store().getTrace(large.traceId))?.spans[0]?.input).toBe(large.input);
    const point = makeMetric({
      serviceName: service,
      ...EXPONENTIAL,
      count: 18_446_744_073_709_549_568,
      positive: { offset: 0x7fff_ffff, bucketCounts: [18_446_744_073_709_549_568] },
      negative: { offset: -0x8000_0000, bucketCounts: [1] },
    });
    expect(await pipeline.writer('metrics').submit([point])).toEqual({ accepted: 1, rejected: [] });
    expect((await store().listMetrics({ filter: { serviceName: service } })).metrics).toEqual([point]);
  });
});
