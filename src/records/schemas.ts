import { Kind, Type, TypeRegistry, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import {
  CONTEXT_FIELDS,
  LOG_LEVELS,
  METRIC_TYPES,
  SCORE_SOURCES,
  SPAN_KINDS,
  SPAN_ORIGINS,
  SPAN_TYPES,
  STATUS_CODES,
  TEMPORALITIES,
  type AttributeMap,
  type AttributeValue,
  type FeedbackRecord,
  type LogRecord,
  type MetricRecord,
  type ScoreRecord,
  type SpanRecord,
} from './types';
import { isAttributeMap, isAttributeValue } from './attribute-check';
import { INT64_MAX, INT64_MIN, MAX_TIME_NANO, SPAN_ID_PATTERN, TRACE_ID_PATTERN } from './primitives';

/**
 * Runtime schemas for the records in `./types`. A compile-time check below keeps the two in step.
 *
 * Every bound is one that both stores hold, found by writing the values to DuckDB and to ClickHouse
 * (chdb): beyond them DuckDB refuses the whole batch, and ClickHouse silently wraps the value
 * (`2^32 + 5` stored in a `UInt32` reads back as 5, `1e300` in a `UInt64` as 0).
 */

const TRACE_ID = Type.String({ pattern: TRACE_ID_PATTERN.source });
const SPAN_ID = Type.String({ pattern: SPAN_ID_PATTERN.source });
const NON_EMPTY = Type.String({ minLength: 1 });

/** The schema kinds of bigints in a range: each is a bigint, as `BigInt` is, to the record codec. */
export const BIGINT_RANGE_KINDS = new Set<string>();

/**
 * A bigint in `[min, max]`, checked exactly: TypeBox writes a bigint bound into its compiled check
 * as a number literal, which rounds bounds beyond 2^53 (`2^63 - 1` became `2^63`, and let it pass).
 * The description is the message when a value is outside.
 */
function bigIntRange(kind: string, min: bigint, max: bigint, description: string) {
  TypeRegistry.Set(kind, (_schema, value) => typeof value === 'bigint' && value >= min && value <= max);
  BIGINT_RANGE_KINDS.add(kind);
  return Type.Unsafe<bigint>({ [Kind]: kind, description });
}

const TIME = bigIntRange('OtelBridgeTime', 0n, MAX_TIME_NANO, `must be nanoseconds from 0 to ${MAX_TIME_NANO}`);
const INT64 = bigIntRange('OtelBridgeInt64', INT64_MIN, INT64_MAX, 'must be an int64');
/** Counts are `UInt64` columns: a double below 2^64 converts to one exactly. */
const COUNT = Type.Integer({
  minimum: 0,
  exclusiveMaximum: 2 ** 64,
  description: 'must be an integer from 0 to below 2^64',
});
/** Flags and dropped counts: `uint32` in OTLP, `UInt32` columns. */
const UINT32 = Type.Integer({ minimum: 0, maximum: 0xffffffff, description: 'must be an integer from 0 to 2^32 - 1' });
const INT32 = Type.Integer({ minimum: -0x8000_0000, maximum: 0x7fff_ffff, description: 'must be an int32' });
const NULLABLE_STRING = Type.Union([Type.String(), Type.Null()]);
const FINITE = Type.Number({ minimum: -Number.MAX_VALUE, maximum: Number.MAX_VALUE });
const COST = Type.Number({ minimum: 0, maximum: Number.MAX_VALUE });

// OTLP doubles may be NaN or infinite (Prometheus marks staleness with NaN); TypeBox's Number refuses both.
export const DOUBLE_KIND = 'OtelBridgeDouble';
TypeRegistry.Set(DOUBLE_KIND, (_schema, value) => typeof value === 'number');
export const DoubleSchema = Type.Unsafe<number>({ [Kind]: DOUBLE_KIND });
const DOUBLE = DoubleSchema;

type Literals<T extends readonly string[]> = TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;
export const literals = <T extends readonly string[]>(values: T): Literals<T> =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as Literals<T>;
export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ATTRIBUTE_VALUE_KIND = 'OtelBridgeAttributeValue';
export const ATTRIBUTE_MAP_KIND = 'OtelBridgeAttributeMap';
TypeRegistry.Set(ATTRIBUTE_VALUE_KIND, (_schema, value) => isAttributeValue(value));
TypeRegistry.Set(ATTRIBUTE_MAP_KIND, (_schema, value) => isAttributeMap(value));
export const AttributeValueSchema = Type.Unsafe<AttributeValue>({ [Kind]: ATTRIBUTE_VALUE_KIND });
export const AttributeMapSchema = Type.Unsafe<AttributeMap>({ [Kind]: ATTRIBUTE_MAP_KIND });
const ATTRIBUTES = AttributeMapSchema;

const RESOURCE = Type.Object({
  attributes: ATTRIBUTES,
  droppedAttributesCount: UINT32,
  schemaUrl: Type.String(),
});

const SCOPE = Type.Object({
  name: Type.String(),
  version: Type.String(),
  attributes: ATTRIBUTES,
  droppedAttributesCount: UINT32,
  schemaUrl: Type.String(),
});

const CONTEXT = Object.fromEntries(CONTEXT_FIELDS.map((field) => [field, NULLABLE_STRING])) as {
  [K in (typeof CONTEXT_FIELDS)[number]]: typeof NULLABLE_STRING;
};

const TAGS = Type.Array(Type.String());

export const SpanRecordSchema = Type.Object({
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  parentSpanId: nullable(SPAN_ID),
  traceState: Type.String(),
  flags: UINT32,
  name: Type.String(),
  kind: literals(SPAN_KINDS),
  spanType: literals(SPAN_TYPES),
  startTimeUnixNano: TIME,
  endTimeUnixNano: TIME,
  durationNano: INT64,
  running: Type.Boolean(),
  origin: literals(SPAN_ORIGINS),
  statusCode: literals(STATUS_CODES),
  statusMessage: Type.String(),
  error: nullable(Type.Object({ message: Type.String(), type: NULLABLE_STRING, stack: NULLABLE_STRING })),
  serviceName: Type.String(),
  resource: RESOURCE,
  scope: SCOPE,
  attributes: ATTRIBUTES,
  droppedAttributesCount: UINT32,
  events: Type.Array(
    Type.Object({ timeUnixNano: TIME, name: Type.String(), attributes: ATTRIBUTES, droppedAttributesCount: UINT32 }),
  ),
  droppedEventsCount: UINT32,
  links: Type.Array(
    Type.Object({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceState: Type.String(),
      flags: UINT32,
      attributes: ATTRIBUTES,
      droppedAttributesCount: UINT32,
    }),
  ),
  droppedLinksCount: UINT32,
  ...CONTEXT,
  tags: TAGS,
  metadata: ATTRIBUTES,
  model: NULLABLE_STRING,
  provider: NULLABLE_STRING,
  inputTokens: nullable(COUNT),
  outputTokens: nullable(COUNT),
  totalTokens: nullable(COUNT),
  cachedInputTokens: nullable(COUNT),
  cacheWriteTokens: nullable(COUNT),
  reasoningTokens: nullable(COUNT),
  inputCost: nullable(COST),
  outputCost: nullable(COST),
  totalCost: nullable(COST),
  costSource: NULLABLE_STRING,
  input: AttributeValueSchema,
  output: AttributeValueSchema,
});

export const LogRecordSchema = Type.Object({
  timeUnixNano: TIME,
  observedTimeUnixNano: TIME,
  severityNumber: Type.Integer({ minimum: 0, maximum: 24 }),
  severityText: Type.String(),
  level: literals(LOG_LEVELS),
  body: AttributeValueSchema,
  message: Type.String(),
  eventName: Type.String(),
  traceId: nullable(TRACE_ID),
  spanId: nullable(SPAN_ID),
  flags: UINT32,
  serviceName: Type.String(),
  resource: RESOURCE,
  scope: SCOPE,
  attributes: ATTRIBUTES,
  droppedAttributesCount: UINT32,
  ...CONTEXT,
  tags: TAGS,
  metadata: ATTRIBUTES,
});

const EXPONENTIAL_BUCKETS = Type.Object({ offset: INT32, bucketCounts: Type.Array(COUNT) });

export const MetricRecordSchema = Type.Object({
  name: NON_EMPTY,
  description: Type.String(),
  unit: Type.String(),
  type: literals(METRIC_TYPES),
  temporality: nullable(literals(TEMPORALITIES)),
  isMonotonic: nullable(Type.Boolean()),
  timeUnixNano: TIME,
  startTimeUnixNano: TIME,
  attributes: ATTRIBUTES,
  flags: UINT32,
  value: Type.Union([DOUBLE, INT64, Type.Null()]),
  count: nullable(COUNT),
  sum: nullable(DOUBLE),
  min: nullable(DOUBLE),
  max: nullable(DOUBLE),
  explicitBounds: nullable(Type.Array(DOUBLE)),
  bucketCounts: nullable(Type.Array(COUNT)),
  scale: nullable(Type.Integer({ minimum: -10, maximum: 20 })),
  zeroCount: nullable(COUNT),
  zeroThreshold: nullable(Type.Number({ minimum: 0 })),
  positive: nullable(EXPONENTIAL_BUCKETS),
  negative: nullable(EXPONENTIAL_BUCKETS),
  quantiles: nullable(Type.Array(Type.Object({ quantile: Type.Number({ minimum: 0, maximum: 1 }), value: DOUBLE }))),
  exemplars: Type.Array(
    Type.Object({
      timeUnixNano: TIME,
      value: Type.Union([DOUBLE, INT64]),
      traceId: nullable(TRACE_ID),
      spanId: nullable(SPAN_ID),
      filteredAttributes: ATTRIBUTES,
    }),
  ),
  traceId: nullable(TRACE_ID),
  spanId: nullable(SPAN_ID),
  serviceName: Type.String(),
  resource: RESOURCE,
  scope: SCOPE,
  ...CONTEXT,
});

export const ScoreRecordSchema = Type.Object({
  scoreId: NON_EMPTY,
  timeUnixNano: TIME,
  traceId: nullable(TRACE_ID),
  spanId: nullable(SPAN_ID),
  scorerId: NON_EMPTY,
  scorerName: NULLABLE_STRING,
  scorerVersion: NULLABLE_STRING,
  score: FINITE,
  reason: NULLABLE_STRING,
  source: literals(SCORE_SOURCES),
  serviceName: NULLABLE_STRING,
  ...CONTEXT,
  tags: TAGS,
  metadata: ATTRIBUTES,
});

export const FeedbackRecordSchema = Type.Object({
  feedbackId: NON_EMPTY,
  timeUnixNano: TIME,
  traceId: nullable(TRACE_ID),
  spanId: nullable(SPAN_ID),
  source: NON_EMPTY,
  feedbackType: NON_EMPTY,
  value: Type.Union([FINITE, Type.String()]),
  comment: NULLABLE_STRING,
  serviceName: NULLABLE_STRING,
  ...CONTEXT,
  tags: TAGS,
  metadata: ATTRIBUTES,
});

/** Fails to compile when a schema and its interface drift apart. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Assert<T extends true> = T;
export type SchemasMatchTypes = [
  Assert<Same<Static<typeof SpanRecordSchema>, SpanRecord>>,
  Assert<Same<Static<typeof LogRecordSchema>, LogRecord>>,
  Assert<Same<Static<typeof MetricRecordSchema>, MetricRecord>>,
  Assert<Same<Static<typeof ScoreRecordSchema>, ScoreRecord>>,
  Assert<Same<Static<typeof FeedbackRecordSchema>, FeedbackRecord>>,
];
