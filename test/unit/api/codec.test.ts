import { CodecError, RECORD_CODECS, codecFor } from '../../../src/api/codec';
import { MetricAggregateSchema, TraceSummarySchema } from '../../../src/api/schemas';
import { findInvalidRecords } from '../../../src/records/validate';
import { SIGNALS, type RecordOf, type Signal } from '../../../src/records/types';
import {
  BASE_TIME,
  TYPED_ATTRIBUTES,
  makeFeedback,
  makeLog,
  makeMetric,
  makeScore,
  makeSpan,
  resource,
  spanId,
  traceId,
} from '../../support/records';

/** A record of each signal with every value kind the codec has a rule for. */
const RECORDS: { [S in Signal]: RecordOf[S] } = {
  spans: makeSpan({
    attributes: TYPED_ATTRIBUTES,
    resource: resource('typed', TYPED_ATTRIBUTES),
    metadata: TYPED_ATTRIBUTES,
    startTimeUnixNano: 1_712_345_678_987_654_321n,
    endTimeUnixNano: 1_712_345_678_987_654_329n,
    durationNano: 8n,
    events: [{ timeUnixNano: BASE_TIME + 7n, name: 'e', attributes: TYPED_ATTRIBUTES, droppedAttributesCount: 1 }],
    links: [
      {
        traceId: traceId(),
        spanId: spanId(),
        traceState: '',
        flags: 1,
        attributes: { n: 1n },
        droppedAttributesCount: 0,
      },
    ],
    error: { message: 'boom', type: null, stack: 'at x' },
    input: TYPED_ATTRIBUTES,
    output: 9_007_199_254_740_993n,
    tags: ['a', 'b'],
    inputTokens: 12,
  }),
  logs: makeLog({ body: { nested: [1n, 2.5, new Uint8Array([9])] }, attributes: TYPED_ATTRIBUTES }),
  metrics: makeMetric({
    type: 'histogram',
    temporality: 'delta',
    isMonotonic: null,
    value: null,
    count: 3,
    sum: Number.NaN,
    min: -0,
    max: Number.POSITIVE_INFINITY,
    explicitBounds: [1, 2.5],
    bucketCounts: [1, 1, 1],
    exemplars: [
      {
        timeUnixNano: BASE_TIME,
        value: 9_223_372_036_854_775_807n,
        traceId: null,
        spanId: null,
        filteredAttributes: {},
      },
      { timeUnixNano: BASE_TIME, value: 2, traceId: traceId(), spanId: spanId(), filteredAttributes: { u: 'x' } },
    ],
  }),
  scores: makeScore({ metadata: { judge: 'gpt-4o', tokens: 12n, ratio: 2 } }),
  feedback: makeFeedback({ value: 'Kyoto, not Tokyo', tags: ['ui'] }),
};

describe('the record codec', () => {
  it.each(SIGNALS)('round-trips %s records exactly through JSON text', (signal) => {
    const codec = RECORD_CODECS[signal] as (typeof RECORD_CODECS)['spans'];
    const record = RECORDS[signal] as RecordOf['spans'];
    const text = codec.stringify(record);
    const { value, issues } = codec.parse(JSON.parse(text));
    expect(issues).toEqual([]);
    expect(value).toEqual(record);
    expect(findInvalidRecords(signal, [value])).toEqual([]);
    // The key order of the record is kept.
    expect(Object.keys(JSON.parse(text) as object)).toEqual(Object.keys(record));
  });

  it('writes int64 and nanosecond times as decimal strings, and doubles JSON cannot write as strings', () => {
    const span = JSON.parse(RECORD_CODECS.spans.stringify(RECORDS.spans)) as Record<string, unknown>;
    expect(span.startTimeUnixNano).toBe('1712345678987654321');
    expect(span.durationNano).toBe('8');
    expect(span.output).toEqual({ $int: '9007199254740993' });
    expect(span.inputTokens).toBe(12);
    const metric = JSON.parse(RECORD_CODECS.metrics.stringify(RECORDS.metrics)) as Record<string, unknown>;
    expect([metric.sum, metric.min, metric.max]).toEqual(['NaN', '-0', 'Infinity']);
    expect((metric.exemplars as { value: unknown }[]).map((exemplar) => exemplar.value)).toEqual([
      '9223372036854775807',
      2,
    ]);
  });

  it('keeps the int 200, the double 200 and the string "200" apart in attributes', () => {
    const span = makeSpan({ attributes: { int: 200n, double: 200, string: '200', bytes: new Uint8Array([255]) } });
    const json = JSON.parse(RECORD_CODECS.spans.stringify(span)) as { attributes: unknown };
    expect(json.attributes).toEqual({ int: 200, double: { $double: 200 }, string: '200', bytes: { $bytes: '/w==' } });
    const back = RECORD_CODECS.spans.parse(json).value.attributes;
    expect(back).toEqual({ int: 200n, double: 200, string: '200', bytes: new Uint8Array([255]) });
    expect(typeof back.double).toBe('number');
  });

  it('encodes store results that are not records: trace summaries and metric series', () => {
    const {
      input: _i,
      output: _o,
      attributes: _a,
      events: _e,
      links: _l,
      metadata: _m,
      resource: _r,
      scope: _s,
      ...light
    } = makeSpan();
    const summary = {
      ...light,
      inputPreview: 'Plan a trip',
      hasRoot: false,
      trace: {
        startTimeUnixNano: BASE_TIME,
        endTimeUnixNano: BASE_TIME + 7n,
        durationNano: 7n,
        spanCount: 2,
        errorCount: 0,
        inputTokens: 10,
        outputTokens: null,
        totalTokens: 10,
        cost: 0.1 + 0.2,
      },
    };
    const codec = codecFor(TraceSummarySchema);
    expect(codec.parse(JSON.parse(codec.stringify(summary))).value).toEqual(summary);
    const aggregate = codecFor(MetricAggregateSchema);
    const result = {
      series: [{ group: { route: '/a', code: 200n }, points: [{ timeUnixNano: BASE_TIME, value: 1.5 }] }],
    };
    expect(JSON.parse(aggregate.stringify(result))).toEqual({
      series: [{ group: { route: '/a', code: 200 }, points: [{ timeUnixNano: String(BASE_TIME), value: 1.5 }] }],
    });
    expect(aggregate.parse(JSON.parse(aggregate.stringify(result))).value).toEqual(result);
  });

  it('refuses to encode a field that the schema does not describe, rather than dropping it', () => {
    expect(() => RECORD_CODECS.scores.stringify({ ...makeScore(), label: 'good' } as never)).toThrow(CodecError);
    expect(() => RECORD_CODECS.scores.stringify({ ...makeScore(), label: 'good' } as never)).toThrow(
      /"label" is not in the schema/,
    );
  });

  it('reports every problem of a document with its path: JSON types, typed JSON, unknown fields, rounded ints', () => {
    const { issues } = RECORD_CODECS.scores.parse({
      scorerId: 7,
      score: '0.5',
      timeUnixNano: 2 ** 60,
      traceId: false,
      source: 'robot',
      tags: 'a',
      metadata: { good: 1, bad: { $int: '0x10' }, huge: 2 ** 60 },
      colour: 'blue',
    });
    expect(issues).toEqual([
      { path: '/scorerId', message: 'must be a string' },
      { path: '/score', message: 'must be a number' },
      { path: '/timeUnixNano', message: expect.stringMatching(/beyond ±2\^53.*decimal string/) as unknown },
      { path: '/traceId', message: 'must be a string or null' },
      { path: '/source', message: 'must be one of "manual", "automated", "experiment"' },
      { path: '/tags', message: 'must be a list, each a string' },
      { path: '/metadata/bad', message: expect.stringMatching(/not typed JSON/) as unknown },
      { path: '/metadata/huge', message: expect.stringMatching(/beyond ±2\^53/) as unknown },
      { path: '/colour', message: expect.stringMatching(/is not a known field; the fields are scoreId, /) as unknown },
    ]);
  });

  it('reads an int64 from a decimal string or a safe JSON integer, and refuses other text', () => {
    const parse = (timeUnixNano: unknown) => RECORD_CODECS.scores.parse({ timeUnixNano });
    expect(parse('1700000000123456789').value.timeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(parse(42).value.timeUnixNano).toBe(42n);
    expect(parse('12.5').issues).toEqual([{ path: '/timeUnixNano', message: 'must be a decimal string (an int64)' }]);
    expect(parse('0x10').issues).toHaveLength(1);
  });

  it('refuses a document that is not an object at all', () => {
    expect(RECORD_CODECS.feedback.parse([1]).issues).toEqual([{ path: '', message: 'must be an object' }]);
  });
});
