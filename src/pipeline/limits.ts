import { ConfigurationError } from '../errors';
import { MAX_ATTRIBUTE_DEPTH } from '../records/attribute-check';
import type { AttributeMap, AttributeValue, RecordOf, Signal, SpanRecord } from '../records/types';

/**
 * Limits on what one record may carry, named as the OpenTelemetry SDK names its span and log
 * limits. Applied to every record, whichever edge it came from, before it is buffered: what goes
 * beyond is dropped (and counted on the record, as OTLP's `dropped*Count` fields do) or truncated.
 */
export interface RecordLimits {
  /** Attributes per span, log record and metric point; the first ones are kept. Default 1024. */
  attributeCountLimit: number;
  /**
   * Characters of a string attribute value (bytes of a bytes value), in arrays and maps too; a
   * longer string is cut and ends with a `… [truncated N characters]` marker. Default 1 MiB
   * (1,048,576 characters): a 250,000-token prompt fits whole.
   */
  attributeValueLengthLimit: number;
  /** Events per span; the latest are kept, as the SDK does. Default 1024. */
  eventCountLimit: number;
  /** Links per span; the first are kept. Default 128. */
  linkCountLimit: number;
  /** Attributes per span event. Default 128. */
  attributePerEventCountLimit: number;
  /** Attributes per span link. Default 128. */
  attributePerLinkCountLimit: number;
  /**
   * Levels of arrays and maps inside one attribute value or log body; a deeper array or map becomes
   * a `[nested deeper than N levels]` marker. Default 32, at most 64 (what records may hold).
   */
  attributeDepthLimit: number;
}

/**
 * Defaults for agent telemetry. The SDK's own 128 attributes and events are too few for it:
 * OpenInference flattens each message of a conversation into several attributes, and a streamed
 * model call records an event per chunk.
 */
export const LIMIT_DEFAULTS: RecordLimits = {
  attributeCountLimit: 1024,
  attributeValueLengthLimit: 1024 * 1024,
  eventCountLimit: 1024,
  linkCountLimit: 128,
  attributePerEventCountLimit: 128,
  attributePerLinkCountLimit: 128,
  attributeDepthLimit: 32,
};

/** How often each limit applied, per signal, for `/metrics`. */
export interface LimitCounts {
  /** Attributes dropped by a count limit (records, events and links). */
  attributesDropped: number;
  /** String or bytes values cut to the length limit. */
  valuesTruncated: number;
  /** Arrays and maps replaced for nesting too deep. */
  valuesFlattened: number;
  eventsDropped: number;
  linksDropped: number;
}

export const noLimitCounts = (): LimitCounts => ({
  attributesDropped: 0,
  valuesTruncated: 0,
  valuesFlattened: 0,
  eventsDropped: 0,
  linksDropped: 0,
});

/** The limits with their defaults, or a {@link ConfigurationError} naming the first bad one. */
export function resolveLimits(options: Partial<RecordLimits> = {}): RecordLimits {
  const limits = { ...LIMIT_DEFAULTS };
  for (const [name, value] of Object.entries(options) as [keyof RecordLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!(name in LIMIT_DEFAULTS)) throw new ConfigurationError(`unknown limit ${name}`);
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigurationError(`${name} must be a positive integer, got ${value}`);
    }
    limits[name] = value;
  }
  if (limits.attributeDepthLimit > MAX_ATTRIBUTE_DEPTH) {
    throw new ConfigurationError(
      `attributeDepthLimit must be at most ${MAX_ATTRIBUTE_DEPTH}, the deepest records hold; got ` +
        `${limits.attributeDepthLimit}`,
    );
  }
  return limits;
}

const MAX_DROPPED = 0xffff_ffff;
/** Room for the truncation marker, whose count has at most 16 digits. */
const MARKER_ROOM = 48;

/** Applies limits to the records of one signal, and counts what they changed. */
class Limiter {
  constructor(
    private readonly limits: RecordLimits,
    private readonly counts: LimitCounts,
  ) {}

  /** `value` within the length and depth limits: the same object when nothing changed. */
  value(value: AttributeValue, depth: number): AttributeValue {
    if (typeof value === 'string')
      return value.length > this.limits.attributeValueLengthLimit ? this.cut(value) : value;
    if (value === null || typeof value !== 'object') return value;
    if (value instanceof Uint8Array) {
      if (value.byteLength <= this.limits.attributeValueLengthLimit) return value;
      this.counts.valuesTruncated++;
      return value.subarray(0, this.limits.attributeValueLengthLimit);
    }
    if (depth >= this.limits.attributeDepthLimit) {
      this.counts.valuesFlattened++;
      return `[nested deeper than ${this.limits.attributeDepthLimit} levels]`;
    }
    if (Array.isArray(value)) {
      let copy: AttributeValue[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const limited = this.value(value[i]!, depth + 1);
        if (limited !== value[i]) (copy ??= value.slice())[i] = limited;
      }
      return copy ?? value;
    }
    return this.map(value, Infinity, depth + 1).map;
  }

  /**
   * A string cut to the length limit, ending with a marker that says how much is gone (the marker
   * counts in the limit, so that a cut value stays within it); a surrogate pair stays whole.
   */
  private cut(text: string): string {
    this.counts.valuesTruncated++;
    const limit = this.limits.attributeValueLengthLimit;
    let keep = limit > 2 * MARKER_ROOM ? limit - MARKER_ROOM : limit;
    const last = text.charCodeAt(keep - 1);
    if (last >= 0xd800 && last <= 0xdbff) keep--;
    const kept = text.slice(0, keep);
    return keep === limit || keep + 1 === limit ? kept : `${kept}… [truncated ${text.length - keep} characters]`;
  }

  /**
   * `map` within the count, length and depth limits, and how many attributes it lost. A new map
   * when anything changed: maps may be shared, with a resource or with the SDK's own span.
   */
  map(map: AttributeMap, countLimit: number, depth = 0): { map: AttributeMap; dropped: number } {
    let copy: AttributeMap | null = null;
    let count = 0;
    let dropped = 0;
    for (const key in map) {
      const value = map[key]!;
      if (++count > countLimit) {
        copy ??= this.prefix(map, key);
        dropped++;
        continue;
      }
      const limited = this.value(value, depth);
      if (limited !== value || copy) (copy ??= this.prefix(map, key))[key] = limited;
    }
    this.counts.attributesDropped += dropped;
    return { map: copy ?? map, dropped };
  }

  /** A copy of the entries of `map` before `key`. */
  private prefix(map: AttributeMap, key: string): AttributeMap {
    const copy: AttributeMap = {};
    for (const other in map) {
      if (other === key) break;
      copy[other] = map[other]!;
    }
    return copy;
  }

  /** Limits a record's own attributes, and counts the dropped ones on it. */
  attributes(record: { attributes: AttributeMap; droppedAttributesCount?: number }, countLimit: number): void {
    const { map, dropped } = this.map(record.attributes, countLimit);
    if (map === record.attributes) return;
    record.attributes = map;
    // Metric points have no such count in OTLP; the pipeline's counters still have them.
    if (record.droppedAttributesCount !== undefined) {
      record.droppedAttributesCount = Math.min(MAX_DROPPED, record.droppedAttributesCount + dropped);
    }
  }

  span(span: SpanRecord): void {
    const before = span.attributes;
    this.attributes(span, this.limits.attributeCountLimit);
    // A span's input and output are usually one of its attributes: they stay that same value.
    if (span.attributes !== before) {
      for (const key in span.attributes) {
        if (before[key] === span.input) span.input = span.attributes[key]!;
        if (before[key] === span.output) span.output = span.attributes[key]!;
      }
    }
    span.input = this.value(span.input, 0);
    span.output = this.value(span.output, 0);
    const { eventCountLimit, linkCountLimit } = this.limits;
    if (span.events.length > eventCountLimit) {
      const dropped = span.events.length - eventCountLimit;
      span.events = span.events.slice(dropped);
      span.droppedEventsCount = Math.min(MAX_DROPPED, span.droppedEventsCount + dropped);
      this.counts.eventsDropped += dropped;
    }
    if (span.links.length > linkCountLimit) {
      const dropped = span.links.length - linkCountLimit;
      span.links = span.links.slice(0, linkCountLimit);
      span.droppedLinksCount = Math.min(MAX_DROPPED, span.droppedLinksCount + dropped);
      this.counts.linksDropped += dropped;
    }
    span.events = this.each(span.events, this.limits.attributePerEventCountLimit);
    span.links = this.each(span.links, this.limits.attributePerLinkCountLimit);
  }

  /** Events or links with their attributes limited: copies of the ones that changed. */
  private each<E extends { attributes: AttributeMap; droppedAttributesCount: number }>(items: E[], limit: number): E[] {
    let copy: E[] | null = null;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const { map, dropped } = this.map(item.attributes, limit);
      if (map === item.attributes) continue;
      (copy ??= items.slice())[i] = {
        ...item,
        attributes: map,
        droppedAttributesCount: Math.min(MAX_DROPPED, item.droppedAttributesCount + dropped),
      };
    }
    return copy ?? items;
  }
}

/**
 * Applies `limits` to records of `signal` in place (their attribute maps, events and links are
 * replaced, never changed, where a limit applies), and adds what applied to `counts`. Scores and
 * feedback carry no OpenTelemetry attributes and are left as they are.
 */
export function applyLimits<S extends Signal>(
  signal: S,
  records: readonly RecordOf[S][],
  limits: RecordLimits,
  counts: LimitCounts,
): void {
  const limiter = new Limiter(limits, counts);
  switch (signal) {
    case 'spans':
      for (const span of records as readonly SpanRecord[]) limiter.span(span);
      return;
    case 'logs':
    case 'metrics':
      // A log's body is not an attribute, and its message is made from it: it is left whole.
      for (const record of records as readonly (RecordOf['logs'] | RecordOf['metrics'])[]) {
        limiter.attributes(record, limits.attributeCountLimit);
      }
      return;
    case 'scores':
    case 'feedback':
      return;
    default: {
      // A new signal fails to compile here until it says which limits its records take.
      const unhandled: never = signal;
      return unhandled;
    }
  }
}
