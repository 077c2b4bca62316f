import { limitsFrom, parseSettings } from '../../../src/cli/config';
import {
  LIMIT_DEFAULTS,
  applyLimits,
  noLimitCounts,
  resolveLimits,
  type RecordLimits,
} from '../../../src/pipeline/limits';
import type { AttributeValue, SpanEvent } from '../../../src/records/types';
import { makeLog, makeMetric, makeSpan } from '../../support/records';

const limits = (overrides: Partial<RecordLimits>): RecordLimits => resolveLimits(overrides);

function nested(depth: number): AttributeValue {
  let value: AttributeValue = 'leaf';
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

const event = (i: number, attributes = {}): SpanEvent => ({
  timeUnixNano: BigInt(i),
  name: `e${i}`,
  attributes,
  droppedAttributesCount: 0,
});

describe('record limits', () => {
  it('keeps the first attributes up to the count limit, counts the rest on the record, and leaves a shared map alone', () => {
    const shared = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, BigInt(i)]));
    const span = makeSpan({ attributes: shared, droppedAttributesCount: 2 });
    const log = makeLog({ attributes: shared });
    const point = makeMetric({ attributes: shared });
    const counts = noLimitCounts();
    applyLimits('spans', [span], limits({ attributeCountLimit: 4 }), counts);
    applyLimits('logs', [log], limits({ attributeCountLimit: 4 }), counts);
    applyLimits('metrics', [point], limits({ attributeCountLimit: 4 }), counts);
    for (const record of [span, log, point]) expect(Object.keys(record.attributes)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(span.droppedAttributesCount).toBe(8);
    expect(log.droppedAttributesCount).toBe(6);
    expect(Object.keys(shared)).toHaveLength(10);
    expect(counts.attributesDropped).toBe(18);
  });

  it('cuts long strings and bytes, in arrays and maps too, with a marker, within the limit', () => {
    const long = 'x'.repeat(1000);
    const span = makeSpan({
      attributes: { long, list: ['short', long], map: { inner: long }, bytes: new Uint8Array(500), ok: 'fine' },
    });
    const counts = noLimitCounts();
    applyLimits('spans', [span], limits({ attributeValueLengthLimit: 200 }), counts);
    const cut = span.attributes.long as string;
    expect(cut.length).toBeLessThanOrEqual(200);
    expect(cut).toMatch(/^x+… \[truncated 848 characters\]$/);
    expect((span.attributes.list as string[])[1]).toBe(cut);
    expect((span.attributes.map as { inner: string }).inner).toBe(cut);
    expect((span.attributes.bytes as Uint8Array).byteLength).toBe(200);
    expect(span.attributes.ok).toBe('fine');
    expect(counts.valuesTruncated).toBe(4);
  });

  it('never splits a surrogate pair', () => {
    const span = makeSpan({ attributes: { emoji: `${'a'.repeat(151)}${'🚀'.repeat(100)}` } });
    applyLimits('spans', [span], limits({ attributeValueLengthLimit: 200 }), noLimitCounts());
    expect(span.attributes.emoji).toMatch(/^a{151}… \[truncated 200 characters\]$/);
  });

  it('leaves an ordinary long prompt whole under the defaults', () => {
    const prompt = 'Summarise the following conversation. '.repeat(5000);
    const span = makeSpan({ attributes: { 'gen_ai.input.messages': prompt }, input: prompt });
    const counts = noLimitCounts();
    applyLimits('spans', [span], LIMIT_DEFAULTS, counts);
    expect(span.input).toBe(prompt);
    expect(counts).toEqual(noLimitCounts());
  });

  it('keeps a span’s input and output the same value as the attributes they come from', () => {
    const messages = ['m'.repeat(500)];
    const answer = 'a'.repeat(500);
    const span = makeSpan({
      attributes: { 'gen_ai.input.messages': messages, 'gen_ai.output.messages': answer },
      input: messages,
      output: answer,
    });
    applyLimits('spans', [span], limits({ attributeValueLengthLimit: 100 }), noLimitCounts());
    expect(span.input).toBe(span.attributes['gen_ai.input.messages']);
    expect(span.output).toBe(span.attributes['gen_ai.output.messages']);
    expect((span.input as string[])[0]).toMatch(/truncated 448 characters/);
  });

  it('keeps the latest events and the first links, and limits their attributes', () => {
    const attributes = { a: 1n, b: 2n, c: 3n };
    const span = makeSpan({
      events: Array.from({ length: 10 }, (_, i) => event(i, attributes)),
      droppedEventsCount: 1,
      links: Array.from({ length: 5 }, (_, i) => ({
        traceId: 'a'.repeat(32),
        spanId: `${i}`.repeat(16),
        traceState: '',
        flags: 0,
        attributes,
        droppedAttributesCount: 0,
      })),
    });
    const counts = noLimitCounts();
    applyLimits(
      'spans',
      [span],
      limits({ eventCountLimit: 3, linkCountLimit: 2, attributePerEventCountLimit: 1, attributePerLinkCountLimit: 2 }),
      counts,
    );
    expect(span.events.map((e) => e.name)).toEqual(['e7', 'e8', 'e9']);
    expect(span.droppedEventsCount).toBe(8);
    expect(span.events.map((e) => [e.attributes, e.droppedAttributesCount])).toEqual(Array(3).fill([{ a: 1n }, 2]));
    expect(span.links.map((l) => l.spanId[0])).toEqual(['0', '1']);
    expect(span.droppedLinksCount).toBe(3);
    expect(span.links[0]!.attributes).toEqual({ a: 1n, b: 2n });
    expect(counts).toEqual({ ...noLimitCounts(), eventsDropped: 7, linksDropped: 3, attributesDropped: 3 * 2 + 2 * 1 });
  });

  it('replaces arrays and maps nested past the depth limit with a marker', () => {
    const span = makeSpan({ attributes: { deep: nested(40), shallow: nested(3) } });
    const counts = noLimitCounts();
    applyLimits('spans', [span], limits({ attributeDepthLimit: 32 }), counts);
    let value = span.attributes.deep;
    for (let level = 0; level < 32; level++) value = (value as AttributeValue[])[0]!;
    expect(value).toBe('[nested deeper than 32 levels]');
    expect(span.attributes.shallow).toEqual(nested(3));
    expect(counts.valuesFlattened).toBe(1);
  });

  it('refuses limits that are not positive integers, or deeper than records hold', () => {
    expect(() => resolveLimits({ attributeCountLimit: 0 })).toThrow(/attributeCountLimit must be a positive integer/);
    expect(() => resolveLimits({ attributeDepthLimit: 65 })).toThrow(/at most 64/);
  });

  it('takes serve’s flags, and the OpenTelemetry SDK’s environment names', () => {
    const settings = parseSettings(['serve', '--attribute-depth-limit', '8'], {
      OTEL_ATTRIBUTE_COUNT_LIMIT: '50',
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4096',
      OTEL_SPAN_EVENT_COUNT_LIMIT: '10',
      OTEL_SPAN_LINK_COUNT_LIMIT: '11',
      OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '12',
      OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '13',
    });
    expect(limitsFrom(settings)).toEqual({
      attributeCountLimit: 50,
      attributeValueLengthLimit: 4096,
      eventCountLimit: 10,
      linkCountLimit: 11,
      attributePerEventCountLimit: 12,
      attributePerLinkCountLimit: 13,
      attributeDepthLimit: 8,
    });
  });
});
