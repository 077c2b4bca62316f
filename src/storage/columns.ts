import {
  CONTEXT_FIELDS,
  type ContextFields,
  type RecordOf,
  type ResourceInfo,
  type ScopeInfo,
  type Signal,
  type SpanEvent,
  type SpanLink,
  type Exemplar,
} from '../records/types';
import {
  decodeTypedMap,
  decodeTypedValue,
  encodeTypedMap,
  encodeTypedValue,
  reviveTypedMap,
  reviveTypedValue,
} from './typed-json';

/**
 * The storage row model: each signal's columns, their logical types, and how a record turns into a
 * row and back. Both stores derive their DDL, their writes and their row decoding from these lists,
 * so that the two cannot disagree about what is stored.
 *
 * Canonical cell values, which a store converts to and from its engine's types:
 * | type         | value                         |
 * |--------------|-------------------------------|
 * | string, json | string                        |
 * | time, int64  | bigint (time: ns since epoch) |
 * | int32, uint8, uint32, uint64 | number        |
 * | float64      | number                        |
 * | bool         | boolean                       |
 * | string_list  | string[]                      |
 * | float64_list, uint64_list | number[]         |
 * Any nullable column may hold `null`.
 */
export type ColumnType =
  | 'string'
  | 'json'
  | 'time'
  | 'int64'
  | 'int32'
  | 'uint8'
  | 'uint32'
  | 'uint64'
  | 'float64'
  | 'bool'
  | 'string_list'
  | 'float64_list'
  | 'uint64_list';

export type Cell = string | bigint | number | boolean | string[] | number[] | null;

export interface Column<R> {
  name: string;
  type: ColumnType;
  nullable: boolean;
  /** Few distinct values: worth dictionary encoding (`LowCardinality` in ClickHouse). */
  lowCardinality: boolean;
  /** What rows stored before the column existed read, when its type's blank would not do (see {@link blankCell}). */
  blank?: string | number | bigint | boolean;
  get: (record: R) => Cell;
  set: (record: Partial<R>, cell: Cell) => void;
}

type Draft<R> = Partial<R> & Record<string, unknown>;

interface ColumnOptions {
  nullable?: boolean;
  lowCardinality?: boolean;
  blank?: Column<unknown>['blank'];
}

/** A column that holds one record field as it is. */
function field<R, K extends keyof R & string>(
  name: string,
  key: K,
  type: ColumnType,
  options: ColumnOptions = {},
): Column<R> {
  return {
    name,
    type,
    nullable: options.nullable ?? false,
    lowCardinality: options.lowCardinality ?? false,
    ...(options.blank === undefined ? {} : { blank: options.blank }),
    get: (record) => record[key] as Cell,
    set: (record, cell) => {
      (record as Record<string, unknown>)[key] = cell;
    },
  };
}

function column<R>(
  name: string,
  type: ColumnType,
  get: (record: R) => Cell,
  set: (record: Draft<R>, cell: Cell) => void,
  options: ColumnOptions = {},
): Column<R> {
  return {
    name,
    type,
    nullable: options.nullable ?? false,
    lowCardinality: options.lowCardinality ?? false,
    ...(options.blank === undefined ? {} : { blank: options.blank }),
    get,
    set,
  };
}

/** Records of one batch share their resource and scope objects, so each is encoded once. */
const resourceJson = new WeakMap<ResourceInfo, string>();
const scopeJson = new WeakMap<ScopeInfo, string>();

function encodeResource(resource: ResourceInfo): string {
  let json = resourceJson.get(resource);
  if (json === undefined) {
    json = `{"attributes":${encodeTypedMap(resource.attributes)},"droppedAttributesCount":${resource.droppedAttributesCount},"schemaUrl":${JSON.stringify(resource.schemaUrl)}}`;
    resourceJson.set(resource, json);
  }
  return json;
}

function encodeScopeDetails(scope: ScopeInfo): string {
  let json = scopeJson.get(scope);
  if (json === undefined) {
    json = `{"attributes":${encodeTypedMap(scope.attributes)},"droppedAttributesCount":${scope.droppedAttributesCount},"schemaUrl":${JSON.stringify(scope.schemaUrl)}}`;
    scopeJson.set(scope, json);
  }
  return json;
}

function decodeDetails(json: string): ResourceInfo {
  const parsed = JSON.parse(json) as {
    attributes: Record<string, unknown>;
    droppedAttributesCount: number;
    schemaUrl: string;
  };
  return {
    attributes: reviveTypedMap(parsed.attributes),
    droppedAttributesCount: parsed.droppedAttributesCount,
    schemaUrl: parsed.schemaUrl,
  };
}

function scopeOf(record: Draft<{ scope: ScopeInfo }>): ScopeInfo {
  record.scope ??= { name: '', version: '', attributes: {}, droppedAttributesCount: 0, schemaUrl: '' };
  return record.scope;
}

/** Columns for the resource and the instrumentation scope. */
function resourceAndScope<R extends { resource: ResourceInfo; scope: ScopeInfo }>(): Column<R>[] {
  return [
    column<R>(
      'resource',
      'json',
      (r) => encodeResource(r.resource),
      (r, cell) => {
        r.resource = decodeDetails(cell as string);
      },
    ),
    column<R>(
      'scope_name',
      'string',
      (r) => r.scope.name,
      (r, cell) => {
        scopeOf(r).name = cell as string;
      },
      { lowCardinality: true },
    ),
    column<R>(
      'scope_version',
      'string',
      (r) => r.scope.version,
      (r, cell) => {
        scopeOf(r).version = cell as string;
      },
      { lowCardinality: true },
    ),
    column<R>(
      'scope',
      'json',
      (r) => encodeScopeDetails(r.scope),
      (r, cell) => {
        Object.assign(scopeOf(r), decodeDetails(cell as string));
      },
    ),
  ];
}

function typedMap<R>(name: string, key: keyof R & string): Column<R> {
  return column<R>(
    name,
    'json',
    (r) => encodeTypedMap(r[key] as never),
    (r, cell) => {
      r[key] = decodeTypedMap(cell as string) as never;
    },
  );
}

/** `entityType` → `entity_type`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function contextColumns<R extends ContextFields>(): Column<R>[] {
  return CONTEXT_FIELDS.map((key) =>
    field<R, typeof key>(snakeCase(key), key, 'string', {
      nullable: true,
      lowCardinality: key === 'entityType' || key === 'environment',
    }),
  );
}

function tagsAndMetadata<R extends { tags: string[]; metadata: RecordOf['spans']['metadata'] }>(): Column<R>[] {
  return [field<R, 'tags'>('tags', 'tags', 'string_list'), typedMap<R>('metadata', 'metadata')];
}

const encodeEvents = (events: SpanEvent[]): string =>
  `[${events
    .map(
      (event) =>
        `{"timeUnixNano":"${event.timeUnixNano}","name":${JSON.stringify(event.name)},"attributes":${encodeTypedMap(event.attributes)},"droppedAttributesCount":${event.droppedAttributesCount}}`,
    )
    .join(',')}]`;

const encodeLinks = (links: SpanLink[]): string =>
  `[${links
    .map(
      (link) =>
        `{"traceId":"${link.traceId}","spanId":"${link.spanId}","traceState":${JSON.stringify(link.traceState)},"flags":${link.flags},"attributes":${encodeTypedMap(link.attributes)},"droppedAttributesCount":${link.droppedAttributesCount}}`,
    )
    .join(',')}]`;

const encodeExemplars = (exemplars: Exemplar[]): string =>
  `[${exemplars
    .map(
      (exemplar) =>
        `{"timeUnixNano":"${exemplar.timeUnixNano}","value":${encodeTypedValue(exemplar.value)},"traceId":${JSON.stringify(exemplar.traceId)},"spanId":${JSON.stringify(exemplar.spanId)},"filteredAttributes":${encodeTypedMap(exemplar.filteredAttributes)}}`,
    )
    .join(',')}]`;

type Json = Record<string, unknown>;

/** Re-types one nested object: its time becomes a bigint and its attribute map is decoded. */
function decodeNested<T>(item: Json, mapKey: string): T {
  const out: Json = { ...item, [mapKey]: reviveTypedMap(item[mapKey] as Json) };
  if (typeof item.timeUnixNano === 'string') out.timeUnixNano = BigInt(item.timeUnixNano);
  return out as T;
}

type S = RecordOf['spans'];

/*
 * An agent span's input and output are usually attributes too (`gen_ai.input.messages`, ...), and
 * they are most of its bytes. The attributes column keeps such a value once: as a reference,
 * `{"$ref":"input"}` or `{"$ref":"output"}`, to the column that holds it. A read puts it back.
 */
type Payload = 'input' | 'output';
const REF_JSON: Record<Payload, string> = { input: '{"$ref":"input"}', output: '{"$ref":"output"}' };
/** The references of a decoded attribute map: which keys hold the input or the output. */
const payloadRefs = new WeakMap<S['attributes'], [string, Payload][]>();

function encodeSpanAttributes(span: S): string {
  const { input, output } = span;
  if (input === null && output === null) return encodeTypedMap(span.attributes);
  return encodeTypedMap(span.attributes, (value) =>
    value === null ? undefined : value === input ? REF_JSON.input : value === output ? REF_JSON.output : undefined,
  );
}

function payloadRef(value: unknown): Payload | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const ref = (value as { $ref?: unknown }).$ref;
  return (ref === 'input' || ref === 'output') && Object.keys(value).length === 1 ? ref : null;
}

function decodeSpanAttributes(cell: string): S['attributes'] {
  const parsed = JSON.parse(cell) as Json;
  let refs: [string, Payload][] | null = null;
  for (const key in parsed) {
    const ref = payloadRef(parsed[key]);
    if (ref === null) continue;
    (refs ??= []).push([key, ref]);
    parsed[key] = null;
  }
  const attributes = reviveTypedMap(parsed);
  if (refs) payloadRefs.set(attributes, refs);
  return attributes;
}

/**
 * Puts the payloads decoded so far into the attribute keys that refer to them. The attributes and
 * the payload columns each call it once decoded, so the columns may come in any order.
 */
function fillPayloadRefs(record: Partial<S>): void {
  const refs = record.attributes && payloadRefs.get(record.attributes);
  if (!refs) return;
  for (const [key, payload] of refs) {
    const value = record[payload];
    if (value !== undefined) record.attributes![key] = value;
  }
}

/** The input or output column. */
function payloadColumn(payload: Payload): Column<S> {
  return column<S>(
    payload,
    'json',
    (r) => (r[payload] === null ? null : encodeTypedValue(r[payload])),
    (r, cell) => {
      r[payload] = cell === null ? null : decodeTypedValue(cell as string);
      fillPayloadRefs(r);
    },
    { nullable: true },
  );
}
type L = RecordOf['logs'];
type M = RecordOf['metrics'];
type Sc = RecordOf['scores'];
type F = RecordOf['feedback'];

export const SPAN_COLUMNS: Column<S>[] = [
  field<S, 'traceId'>('trace_id', 'traceId', 'string'),
  field<S, 'spanId'>('span_id', 'spanId', 'string'),
  field<S, 'parentSpanId'>('parent_span_id', 'parentSpanId', 'string', { nullable: true }),
  field<S, 'traceState'>('trace_state', 'traceState', 'string'),
  field<S, 'flags'>('flags', 'flags', 'uint32'),
  field<S, 'name'>('name', 'name', 'string', { lowCardinality: true }),
  field<S, 'kind'>('kind', 'kind', 'string', { lowCardinality: true }),
  field<S, 'spanType'>('span_type', 'spanType', 'string', { lowCardinality: true }),
  field<S, 'startTimeUnixNano'>('start_time', 'startTimeUnixNano', 'time'),
  field<S, 'endTimeUnixNano'>('end_time', 'endTimeUnixNano', 'time'),
  field<S, 'durationNano'>('duration_nano', 'durationNano', 'int64'),
  // A row stored before these two columns existed reads as what it was: a finished OpenTelemetry span.
  column<S>(
    'running',
    'bool',
    (r) => r.running,
    (r, cell) => {
      r.running = cell === true;
    },
  ),
  column<S>(
    'origin',
    'string',
    (r) => r.origin,
    (r, cell) => {
      r.origin = cell === 'mastra' ? 'mastra' : 'otel';
    },
    { lowCardinality: true, blank: 'otel' },
  ),
  field<S, 'statusCode'>('status_code', 'statusCode', 'string', { lowCardinality: true }),
  field<S, 'statusMessage'>('status_message', 'statusMessage', 'string'),
  column<S>(
    'error',
    'json',
    (r) => (r.error === null ? null : JSON.stringify(r.error)),
    (r, cell) => {
      r.error = cell === null ? null : (JSON.parse(cell as string) as S['error']);
    },
    { nullable: true },
  ),
  field<S, 'serviceName'>('service_name', 'serviceName', 'string', { lowCardinality: true }),
  ...resourceAndScope<S>(),
  column<S>('attributes', 'json', encodeSpanAttributes, (r, cell) => {
    r.attributes = decodeSpanAttributes(cell as string);
    fillPayloadRefs(r);
  }),
  field<S, 'droppedAttributesCount'>('dropped_attributes_count', 'droppedAttributesCount', 'uint32'),
  column<S>(
    'events',
    'json',
    (r) => encodeEvents(r.events),
    (r, cell) => {
      r.events = (JSON.parse(cell as string) as Json[]).map((event) => decodeNested<SpanEvent>(event, 'attributes'));
    },
  ),
  field<S, 'droppedEventsCount'>('dropped_events_count', 'droppedEventsCount', 'uint32'),
  column<S>(
    'links',
    'json',
    (r) => encodeLinks(r.links),
    (r, cell) => {
      r.links = (JSON.parse(cell as string) as Json[]).map((link) => decodeNested<SpanLink>(link, 'attributes'));
    },
  ),
  field<S, 'droppedLinksCount'>('dropped_links_count', 'droppedLinksCount', 'uint32'),
  ...contextColumns<S>(),
  ...tagsAndMetadata<S>(),
  field<S, 'model'>('model', 'model', 'string', { nullable: true, lowCardinality: true }),
  field<S, 'provider'>('provider', 'provider', 'string', { nullable: true, lowCardinality: true }),
  field<S, 'inputTokens'>('input_tokens', 'inputTokens', 'uint64', { nullable: true }),
  field<S, 'outputTokens'>('output_tokens', 'outputTokens', 'uint64', { nullable: true }),
  field<S, 'totalTokens'>('total_tokens', 'totalTokens', 'uint64', { nullable: true }),
  field<S, 'cachedInputTokens'>('cached_input_tokens', 'cachedInputTokens', 'uint64', { nullable: true }),
  field<S, 'cacheWriteTokens'>('cache_write_tokens', 'cacheWriteTokens', 'uint64', { nullable: true }),
  field<S, 'reasoningTokens'>('reasoning_tokens', 'reasoningTokens', 'uint64', { nullable: true }),
  field<S, 'inputCost'>('input_cost', 'inputCost', 'float64', { nullable: true }),
  field<S, 'outputCost'>('output_cost', 'outputCost', 'float64', { nullable: true }),
  field<S, 'totalCost'>('total_cost', 'totalCost', 'float64', { nullable: true }),
  field<S, 'costSource'>('cost_source', 'costSource', 'string', { nullable: true, lowCardinality: true }),
  payloadColumn('input'),
  payloadColumn('output'),
];

export const LOG_COLUMNS: Column<L>[] = [
  field<L, 'timeUnixNano'>('time', 'timeUnixNano', 'time'),
  field<L, 'observedTimeUnixNano'>('observed_time', 'observedTimeUnixNano', 'time'),
  field<L, 'severityNumber'>('severity_number', 'severityNumber', 'uint8'),
  field<L, 'severityText'>('severity_text', 'severityText', 'string', { lowCardinality: true }),
  field<L, 'level'>('level', 'level', 'string', { lowCardinality: true }),
  column<L>(
    'body',
    'json',
    (r) => encodeTypedValue(r.body),
    (r, cell) => {
      r.body = decodeTypedValue(cell as string);
    },
  ),
  field<L, 'message'>('message', 'message', 'string'),
  field<L, 'eventName'>('event_name', 'eventName', 'string', { lowCardinality: true }),
  field<L, 'traceId'>('trace_id', 'traceId', 'string', { nullable: true }),
  field<L, 'spanId'>('span_id', 'spanId', 'string', { nullable: true }),
  field<L, 'flags'>('flags', 'flags', 'uint32'),
  field<L, 'serviceName'>('service_name', 'serviceName', 'string', { lowCardinality: true }),
  ...resourceAndScope<L>(),
  typedMap<L>('attributes', 'attributes'),
  field<L, 'droppedAttributesCount'>('dropped_attributes_count', 'droppedAttributesCount', 'uint32'),
  ...contextColumns<L>(),
  ...tagsAndMetadata<L>(),
];

const jsonOrNull = <T>(value: T | null): string | null => (value === null ? null : JSON.stringify(value));
const parseOrNull = <T>(cell: Cell): T | null => (cell === null ? null : (JSON.parse(cell as string) as T));

export const METRIC_COLUMNS: Column<M>[] = [
  field<M, 'name'>('name', 'name', 'string', { lowCardinality: true }),
  field<M, 'description'>('description', 'description', 'string', { lowCardinality: true }),
  field<M, 'unit'>('unit', 'unit', 'string', { lowCardinality: true }),
  field<M, 'type'>('type', 'type', 'string', { lowCardinality: true }),
  field<M, 'temporality'>('temporality', 'temporality', 'string', { nullable: true, lowCardinality: true }),
  field<M, 'isMonotonic'>('is_monotonic', 'isMonotonic', 'bool', { nullable: true }),
  field<M, 'timeUnixNano'>('time', 'timeUnixNano', 'time'),
  field<M, 'startTimeUnixNano'>('start_time', 'startTimeUnixNano', 'time'),
  typedMap<M>('attributes', 'attributes'),
  field<M, 'flags'>('flags', 'flags', 'uint32'),
  // An int point keeps its exact value in value_int; value holds it as a double for aggregation.
  column<M>(
    'value',
    'float64',
    (r) => (r.value === null ? null : Number(r.value)),
    (r, cell) => {
      r.value = cell as number | null;
    },
    { nullable: true },
  ),
  column<M>(
    'value_int',
    'int64',
    (r) => (typeof r.value === 'bigint' ? r.value : null),
    (r, cell) => {
      if (cell !== null) r.value = cell as bigint;
    },
    { nullable: true },
  ),
  field<M, 'count'>('count', 'count', 'uint64', { nullable: true }),
  field<M, 'sum'>('sum', 'sum', 'float64', { nullable: true }),
  field<M, 'min'>('min', 'min', 'float64', { nullable: true }),
  field<M, 'max'>('max', 'max', 'float64', { nullable: true }),
  field<M, 'explicitBounds'>('explicit_bounds', 'explicitBounds', 'float64_list', { nullable: true }),
  field<M, 'bucketCounts'>('bucket_counts', 'bucketCounts', 'uint64_list', { nullable: true }),
  field<M, 'scale'>('scale', 'scale', 'int32', { nullable: true }),
  field<M, 'zeroCount'>('zero_count', 'zeroCount', 'uint64', { nullable: true }),
  field<M, 'zeroThreshold'>('zero_threshold', 'zeroThreshold', 'float64', { nullable: true }),
  column<M>(
    'positive',
    'json',
    (r) => jsonOrNull(r.positive),
    (r, cell) => {
      r.positive = parseOrNull(cell);
    },
    { nullable: true },
  ),
  column<M>(
    'negative',
    'json',
    (r) => jsonOrNull(r.negative),
    (r, cell) => {
      r.negative = parseOrNull(cell);
    },
    { nullable: true },
  ),
  column<M>(
    'quantiles',
    'json',
    (r) => jsonOrNull(r.quantiles),
    (r, cell) => {
      r.quantiles = parseOrNull(cell);
    },
    { nullable: true },
  ),
  column<M>(
    'exemplars',
    'json',
    (r) => encodeExemplars(r.exemplars),
    (r, cell) => {
      r.exemplars = (JSON.parse(cell as string) as Json[]).map((exemplar) => {
        const decoded = decodeNested<Exemplar>(exemplar, 'filteredAttributes');
        decoded.value = reviveTypedValue(exemplar.value) as number | bigint;
        return decoded;
      });
    },
  ),
  field<M, 'traceId'>('trace_id', 'traceId', 'string', { nullable: true }),
  field<M, 'spanId'>('span_id', 'spanId', 'string', { nullable: true }),
  field<M, 'serviceName'>('service_name', 'serviceName', 'string', { lowCardinality: true }),
  ...resourceAndScope<M>(),
  ...contextColumns<M>(),
];

export const SCORE_COLUMNS: Column<Sc>[] = [
  field<Sc, 'scoreId'>('score_id', 'scoreId', 'string'),
  field<Sc, 'timeUnixNano'>('time', 'timeUnixNano', 'time'),
  field<Sc, 'traceId'>('trace_id', 'traceId', 'string', { nullable: true }),
  field<Sc, 'spanId'>('span_id', 'spanId', 'string', { nullable: true }),
  field<Sc, 'scorerId'>('scorer_id', 'scorerId', 'string', { lowCardinality: true }),
  field<Sc, 'scorerName'>('scorer_name', 'scorerName', 'string', { nullable: true, lowCardinality: true }),
  field<Sc, 'scorerVersion'>('scorer_version', 'scorerVersion', 'string', { nullable: true, lowCardinality: true }),
  field<Sc, 'score'>('score', 'score', 'float64'),
  field<Sc, 'reason'>('reason', 'reason', 'string', { nullable: true }),
  field<Sc, 'source'>('source', 'source', 'string', { lowCardinality: true }),
  field<Sc, 'serviceName'>('service_name', 'serviceName', 'string', { nullable: true, lowCardinality: true }),
  ...contextColumns<Sc>(),
  ...tagsAndMetadata<Sc>(),
];

export const FEEDBACK_COLUMNS: Column<F>[] = [
  field<F, 'feedbackId'>('feedback_id', 'feedbackId', 'string'),
  field<F, 'timeUnixNano'>('time', 'timeUnixNano', 'time'),
  field<F, 'traceId'>('trace_id', 'traceId', 'string', { nullable: true }),
  field<F, 'spanId'>('span_id', 'spanId', 'string', { nullable: true }),
  field<F, 'source'>('source', 'source', 'string', { lowCardinality: true }),
  field<F, 'feedbackType'>('feedback_type', 'feedbackType', 'string', { lowCardinality: true }),
  // Numbers and strings go to separate columns, so that numeric feedback can be aggregated.
  column<F>(
    'value_number',
    'float64',
    (r) => (typeof r.value === 'number' ? r.value : null),
    (r, cell) => {
      if (cell !== null) r.value = cell as number;
    },
    { nullable: true },
  ),
  column<F>(
    'value_string',
    'string',
    (r) => (typeof r.value === 'string' ? r.value : null),
    (r, cell) => {
      if (cell !== null) r.value = cell as string;
    },
    { nullable: true },
  ),
  field<F, 'comment'>('comment', 'comment', 'string', { nullable: true }),
  field<F, 'serviceName'>('service_name', 'serviceName', 'string', { nullable: true, lowCardinality: true }),
  ...contextColumns<F>(),
  ...tagsAndMetadata<F>(),
];

export const COLUMNS: { [K in Signal]: Column<RecordOf[K]>[] } = {
  spans: SPAN_COLUMNS,
  logs: LOG_COLUMNS,
  metrics: METRIC_COLUMNS,
  scores: SCORE_COLUMNS,
  feedback: FEEDBACK_COLUMNS,
};

/** Where a signal's model column sits in {@link COLUMNS}, by its name. */
export function columnIndex(signal: Signal, name: string): number {
  const index = (COLUMNS[signal] as Column<unknown>[]).findIndex((column) => column.name === name);
  if (index < 0) throw new Error(`the ${signal} model has no column ${name}`);
  return index;
}

/** A signal's model column, by its name. */
export function modelColumn(signal: Signal, name: string): Column<unknown> {
  return COLUMNS[signal][columnIndex(signal, name)] as Column<unknown>;
}

/** The table of each signal. */
export const TABLE_NAMES: Record<Signal, string> = {
  spans: 'otel_spans',
  logs: 'otel_logs',
  metrics: 'otel_metrics',
  scores: 'otel_scores',
  feedback: 'otel_feedback',
};

/** The column of a record's time, per signal: time filters, ordering and buckets use it. */
export const TIME_COLUMNS: Record<Signal, string> = {
  spans: 'start_time',
  logs: 'time',
  metrics: 'time',
  scores: 'time',
  feedback: 'time',
};

/**
 * The columns that identify a record, per signal: a record written twice (a retried batch) reads
 * once. Logs and metrics have no identity, so a store keeps them at least once.
 */
export const IDENTITY_COLUMNS: Record<Signal, readonly string[]> = {
  spans: ['trace_id', 'span_id'],
  logs: [],
  metrics: [],
  scores: ['score_id'],
  feedback: ['feedback_id'],
};

/** Span columns that a trace list leaves out, as `TraceSummary` does: payloads, resource and scope. */
const TRACE_PAYLOAD_COLUMNS = new Set([
  'input',
  'output',
  'attributes',
  'events',
  'links',
  'metadata',
  'resource',
  'scope',
  'scope_name',
  'scope_version',
]);

/** The span columns of a trace list's light rows (`TraceSummary`, without its `inputPreview`). */
export const TRACE_SUMMARY_COLUMNS: Column<S>[] = SPAN_COLUMNS.filter(
  (column) => !TRACE_PAYLOAD_COLUMNS.has(column.name),
);

/** How many characters of a span's input a trace list shows (`TraceSummary.inputPreview`). */
export const INPUT_PREVIEW_LENGTH = 100;

/**
 * The preview of a span's input from its cell: a string input as the string itself, anything else
 * as its typed JSON, cut to {@link INPUT_PREVIEW_LENGTH} characters (code points). The SQL stores
 * compute the same in their dialect.
 */
export function inputPreview(inputCell: string | null): string | null {
  if (inputCell === null) return null;
  // Typed JSON spells a string, and only a string, with a leading quote.
  const text = inputCell.startsWith('"') ? (JSON.parse(inputCell) as string) : inputCell;
  let end = 0;
  for (let count = 0; count < INPUT_PREVIEW_LENGTH && end < text.length; count++) {
    end += text.codePointAt(end)! > 0xffff ? 2 : 1;
  }
  return text.slice(0, end);
}

const EMPTY_DETAILS = { attributes: {}, droppedAttributesCount: 0, schemaUrl: '' };

/** An empty value for every field that a non-nullable JSON column encodes. */
const BLANK_RECORD = {
  resource: EMPTY_DETAILS,
  scope: { name: '', version: '', ...EMPTY_DETAILS },
  attributes: {},
  metadata: {},
  events: [],
  links: [],
  exemplars: [],
  body: null,
};

const TYPE_BLANKS: Record<Exclude<ColumnType, 'json'>, Cell> = {
  string: '',
  time: 0n,
  int64: 0n,
  int32: 0,
  uint8: 0,
  uint32: 0,
  uint64: 0,
  float64: 0,
  bool: false,
  string_list: [],
  float64_list: [],
  uint64_list: [],
};

/**
 * The cell that a row stored before a column existed reads, which both stores make the default of
 * a column they add to an older table: `null` when the column is nullable, else the column's own
 * `blank`, else for JSON the encoding of an empty value (which decodes cleanly, as `''` would not),
 * else zero, `''`, `false` or an empty list.
 */
export function blankCell(column: Column<unknown>): Cell {
  if (column.nullable) return null;
  if (column.blank !== undefined) return column.blank;
  return column.type === 'json' ? column.get(BLANK_RECORD) : TYPE_BLANKS[column.type];
}

/** Builds a record from canonical cells, given in the order of `columns`. */
export function decodeRow<R>(columns: readonly Column<R>[], cells: readonly Cell[]): R {
  const record: Partial<R> = {};
  for (let i = 0; i < columns.length; i++) columns[i]!.set(record, cells[i]!);
  return record as R;
}
