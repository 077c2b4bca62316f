import { SPAN_ID_PATTERN, TRACE_ID_PATTERN } from '../../records/primitives';
import {
  SPAN_KINDS,
  STATUS_CODES,
  TEMPORALITIES,
  type AttributeMap,
  type AttributeValue,
  type Exemplar,
  type MetricRecord,
  type MetricType,
  type ResourceInfo,
  type ScopeInfo,
  type SpanKind,
  type StatusCode,
  type Temporality,
} from '../../records/types';
import { NO_METRIC_VALUES, buildMetricRecord, type LogData, type MetricData, type SpanData } from '../records';

/**
 * What the protobuf and JSON decoders share once a value is off the wire: enum meanings, id rules,
 * how rejected items are counted, and how a metric point becomes a record. Each decoder only reads
 * its format.
 */

/** The records decoded from one OTLP export request. */
export interface DecodeResult<R> {
  records: R[];
  /** Items (spans, log records or data points) that could not become records; the rest were kept. */
  rejected: number;
  /** The first problem, naming the item; `''` when nothing was rejected. */
  errorMessage: string;
}

/**
 * Told what a decoder is about to build, before it builds it, so that its caller can bound the memory
 * one request takes: a method may refuse by throwing, which ends the decoding with that error.
 */
export interface DecodeMeter {
  /** `count` more records are about to be built. */
  records(count: number): void;
  /** `JSON.parse` is about to build `count` objects and arrays. */
  jsonContainers(count: number): void;
}

/** Records are metered in steps, so that a request of tiny records costs its meter little. */
export const METER_STEP = 1000;

/** Collects the records of one request, and counts and names the items that could not become records. */
export class RecordCollector<R> {
  private readonly result: DecodeResult<R> = { records: [], rejected: 0, errorMessage: '' };
  private expected = 0;

  constructor(private readonly meter?: DecodeMeter) {}

  /**
   * Tells the meter of one more record, once its item is read and kept, before it is built: every
   * decoder calls this once per record it keeps, so that each is metered once.
   */
  expect(): void {
    if (this.expected++ % METER_STEP === 0) this.meter?.records(METER_STEP);
  }

  add(record: R): void {
    this.result.records.push(record);
  }

  get count(): number {
    return this.result.records.length;
  }

  /** Replaces the records from position `start` on with rebuilt ones. */
  rebuildFrom(start: number, rebuild: (record: R) => R): void {
    const records = this.result.records;
    for (let index = start; index < records.length; index++) records[index] = rebuild(records[index]!);
  }

  /** `item` names the item and where it is, such as `span "GET /" at resourceSpans[0].scopeSpans[0].spans[3]`. */
  reject(item: string, problem: string): void {
    if (this.result.rejected++ === 0) this.result.errorMessage = `${item}: ${problem}`;
  }

  finish(): DecodeResult<R> {
    return this.result;
  }
}

/** AnyValue arrays and key-value lists nest; deeper than records may hold is an attack on the stack, not telemetry. */
export { MAX_ATTRIBUTE_DEPTH as MAX_VALUE_DEPTH } from '../../records/attribute-check';

// The record enums list their members in OTLP's numeric order, so an OTLP enum number is an index.
export const spanKindOf = (code: number): SpanKind => SPAN_KINDS[code] ?? 'unspecified';
export const statusCodeOf = (code: number): StatusCode => STATUS_CODES[code] ?? 'unset';
export const temporalityOf = (code: number): Temporality => TEMPORALITIES[code] ?? 'unspecified';

/**
 * Sets one attribute. A key of `__proto__` would replace the map's prototype rather than add a key,
 * so it is defined as an own property instead.
 */
export function setAttribute(map: AttributeMap, key: string, value: AttributeValue): void {
  if (key === '__proto__')
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}

export function newResource(): ResourceInfo {
  return { attributes: {}, droppedAttributesCount: 0, schemaUrl: '' };
}

export function newScope(): ScopeInfo {
  return { name: '', version: '', attributes: {}, droppedAttributesCount: 0, schemaUrl: '' };
}

/*
 * Ids arrive from both formats as lowercase hex: protobuf bytes are hex-encoded, JSON ids are hex
 * already. An empty string means the id was absent.
 */
const ZEROS: Record<number, string> = { 8: '0'.repeat(16), 16: '0'.repeat(32) };

/** Why a required id is unusable (not `bytes` long in hex, or all zeros, which OTLP defines as invalid), or `null`. */
function idProblem(label: string, hex: string, pattern: RegExp, bytes: number): string | null {
  if (!pattern.test(hex)) {
    const shown = hex.length > 48 ? `${hex.slice(0, 48)}…` : hex;
    return `${label} "${shown}" is not ${bytes} bytes (${bytes * 2} hex digits)`;
  }
  return hex === ZEROS[bytes] ? `${label} is all zeros, which OTLP defines as invalid` : null;
}

/**
 * An optional id (a parent span, or the trace context of a log record or exemplar) that is absent or
 * all zeros means "none", as in the Collector, whose empty id is all zeros.
 */
const isNone = (hex: string, bytes: number): boolean => hex === '' || hex === ZEROS[bytes];

const traceIdProblem = (label: string, hex: string): string | null => idProblem(label, hex, TRACE_ID_PATTERN, 16);
const spanIdProblem = (label: string, hex: string): string | null => idProblem(label, hex, SPAN_ID_PATTERN, 8);

/**
 * Checks the ids of a decoded span, and turns an absent or all-zero parent into `null`, in place.
 * Returns why the span cannot be a record, or `null`.
 */
export function checkSpanIds(span: SpanData): string | null {
  const parent = span.parentSpanId ?? '';
  const problem =
    traceIdProblem('traceId', span.traceId) ??
    spanIdProblem('spanId', span.spanId) ??
    (isNone(parent, 8) ? null : spanIdProblem('parentSpanId', parent));
  if (problem !== null) return problem;
  span.parentSpanId = isNone(parent, 8) ? null : parent;
  for (let index = 0; index < span.links.length; index++) {
    const link = span.links[index]!;
    const linkProblem =
      traceIdProblem(`links[${index}].traceId`, link.traceId) ?? spanIdProblem(`links[${index}].spanId`, link.spanId);
    if (linkProblem !== null) return linkProblem;
  }
  return null;
}

/** Checks the optional trace context of a log record or exemplar, and turns absent ids into `null`, in place. */
export function checkTraceContext(item: Pick<LogData | Exemplar, 'traceId' | 'spanId'>): string | null {
  const traceId = item.traceId ?? '';
  const spanId = item.spanId ?? '';
  const problem =
    (isNone(traceId, 16) ? null : traceIdProblem('traceId', traceId)) ??
    (isNone(spanId, 8) ? null : spanIdProblem('spanId', spanId));
  if (problem !== null) return problem;
  item.traceId = isNone(traceId, 16) ? null : traceId;
  item.spanId = isNone(spanId, 8) ? null : spanId;
  return null;
}

/** Names a span for an error message: its name and where it sits in the request. */
export const spanLabel = (name: string, location: string): string => `span ${JSON.stringify(name)} at ${location}`;

/** The fields of a `Metric` message, shared by all of its points. Filled as the fields arrive, in any order. */
export interface MetricHeader {
  name: string;
  description: string;
  unit: string;
}

/** The fields of a metric's data message (`Gauge`, `Sum`, ...), shared by its points. */
export interface PointStream {
  type: MetricType;
  temporality: Temporality | null;
  isMonotonic: boolean | null;
}

/** What one data point carries, value fields included. */
export type PointFields = Omit<MetricData, keyof MetricHeader | keyof PointStream | 'resource' | 'scope'>;

export function newPointStream(type: MetricType): PointStream {
  const aggregated = type === 'sum' || type === 'histogram' || type === 'exponential_histogram';
  return { type, temporality: aggregated ? 'unspecified' : null, isMonotonic: type === 'sum' ? false : null };
}

/**
 * A data point of the given type with OTLP's defaults: the fields its type has start at zero or
 * empty (as proto3 leaves them when unset), the others are `null`. Optional fields (`sum` of a
 * histogram, `min`, `max`) and the number value stay `null` until they are read.
 */
export function newPoint(type: MetricType): PointFields {
  const point: PointFields = {
    timeUnixNano: 0n,
    startTimeUnixNano: 0n,
    attributes: {},
    flags: 0,
    exemplars: [],
    ...NO_METRIC_VALUES,
  };
  switch (type) {
    case 'histogram':
      point.count = 0;
      point.explicitBounds = [];
      point.bucketCounts = [];
      break;
    case 'exponential_histogram':
      point.count = 0;
      point.scale = 0;
      point.zeroCount = 0;
      point.zeroThreshold = 0;
      point.positive = { offset: 0, bucketCounts: [] };
      point.negative = { offset: 0, bucketCounts: [] };
      break;
    case 'summary':
      point.count = 0;
      point.sum = 0;
      point.quantiles = [];
      break;
    default:
      break;
  }
  return point;
}

/** Checks the exemplar ids of a point; returns why the point cannot be a record, or `null`. */
export function checkPointIds(point: PointFields): string | null {
  for (let index = 0; index < point.exemplars.length; index++) {
    const problem = checkTraceContext(point.exemplars[index]!);
    if (problem !== null) return `exemplars[${index}].${problem}`;
  }
  return null;
}

export function buildMetricPoint(
  header: MetricHeader,
  stream: PointStream,
  point: PointFields,
  resource: ResourceInfo,
  scope: ScopeInfo,
): MetricRecord {
  // The point is this decoder's own, made for this record: completing it costs less than a spread.
  return buildMetricRecord(
    Object.assign(point, {
      name: header.name,
      description: header.description,
      unit: header.unit,
      type: stream.type,
      temporality: stream.temporality,
      isMonotonic: stream.isMonotonic,
      resource,
      scope,
    }),
  );
}
