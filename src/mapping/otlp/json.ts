import {
  SPAN_KINDS,
  STATUS_CODES,
  TEMPORALITIES,
  type AttributeMap,
  type AttributeValue,
  type ExponentialBuckets,
  type Exemplar,
  type LogRecord,
  type MetricRecord,
  type MetricType,
  type ResourceInfo,
  type ScopeInfo,
  type SpanEvent,
  type SpanLink,
  type SpanRecord,
  type SummaryQuantile,
} from '../../records/types';
import { buildLogRecord, buildSpanRecord, type LogData, type SpanData } from '../records';
import {
  buildMetricPoint,
  checkPointIds,
  checkSpanIds,
  checkTraceContext,
  newPoint,
  newPointStream,
  spanKindOf,
  spanLabel,
  statusCodeOf,
  temporalityOf,
  type DecodeMeter,
  type DecodeResult,
  type MetricHeader,
  type PointFields,
  type PointStream,
  type RecordCollector,
} from './assembly';
import {
  anyValue,
  attributes,
  boolean,
  count,
  decodeJsonRequest,
  double,
  eachObject,
  eachScalar,
  enumNumber,
  hexId,
  inObject,
  int32,
  int64,
  string,
  uint32,
  unsigned64,
  type JsonObject,
} from './json-values';

/** Enum names, as OTLP/JSON senders may write them instead of numbers. */
const SPAN_KIND_NAMES = SPAN_KINDS.map((kind) => `SPAN_KIND_${kind.toUpperCase()}`);
const STATUS_CODE_NAMES = STATUS_CODES.map((code) => `STATUS_CODE_${code.toUpperCase()}`);
const TEMPORALITY_NAMES = TEMPORALITIES.map((temporality) => `AGGREGATION_TEMPORALITY_${temporality.toUpperCase()}`);
const SEVERITY_NAMES = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level) =>
    ['', '2', '3', '4'].map((step) => `SEVERITY_NUMBER_${level}${step}`),
  ),
];

/** Decodes an OTLP/JSON `ExportTraceServiceRequest`. */
export function decodeTracesJson(body: Uint8Array, meter?: DecodeMeter): DecodeResult<SpanRecord> {
  return decodeJsonRequest<SpanRecord>(body, meter, {
    signal: 'traces',
    resourceGroups: ['resourceSpans', 'resource_spans'],
    scopeGroups: ['scopeSpans', 'scope_spans'],
    items: ['spans', 'spans'],
    readItem(item, resource, scope, collector, location) {
      const span = readSpan(item, resource, scope);
      const problem = checkSpanIds(span);
      if (problem === null) {
        collector.expect();
        collector.add(buildSpanRecord(span));
      } else collector.reject(spanLabel(span.name, location()), problem);
    },
  });
}

/** Decodes an OTLP/JSON `ExportLogsServiceRequest`. */
export function decodeLogsJson(body: Uint8Array, meter?: DecodeMeter): DecodeResult<LogRecord> {
  return decodeJsonRequest<LogRecord>(body, meter, {
    signal: 'logs',
    resourceGroups: ['resourceLogs', 'resource_logs'],
    scopeGroups: ['scopeLogs', 'scope_logs'],
    items: ['logRecords', 'log_records'],
    readItem(item, resource, scope, collector, location) {
      const log = readLogRecord(item, resource, scope);
      const problem = checkTraceContext(log);
      if (problem === null) {
        collector.expect();
        collector.add(buildLogRecord(log));
      } else collector.reject(`log record at ${location()}`, problem);
    },
  });
}

/** Decodes an OTLP/JSON `ExportMetricsServiceRequest`. */
export function decodeMetricsJson(body: Uint8Array, meter?: DecodeMeter): DecodeResult<MetricRecord> {
  return decodeJsonRequest<MetricRecord>(body, meter, {
    signal: 'metrics',
    resourceGroups: ['resourceMetrics', 'resource_metrics'],
    scopeGroups: ['scopeMetrics', 'scope_metrics'],
    items: ['metrics', 'metrics'],
    readItem: readMetric,
  });
}

function readSpan(object: JsonObject, resource: ResourceInfo, scope: ScopeInfo): SpanData {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let parentSpanId = '';
  let flags = 0;
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  let droppedAttributesCount = 0;
  let droppedEventsCount = 0;
  let droppedLinksCount = 0;
  let statusCode = 0;
  let statusMessage = '';
  const spanAttributes: AttributeMap = {};
  const events: SpanEvent[] = [];
  const links: SpanLink[] = [];
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    switch (key) {
      case 'traceId':
      case 'trace_id':
        traceId = hexId(value, key);
        break;
      case 'spanId':
      case 'span_id':
        spanId = hexId(value, key);
        break;
      case 'traceState':
      case 'trace_state':
        traceState = string(value, key);
        break;
      case 'parentSpanId':
      case 'parent_span_id':
        parentSpanId = hexId(value, key);
        break;
      case 'flags':
        flags = uint32(value, key);
        break;
      case 'name':
        name = string(value, key);
        break;
      case 'kind':
        kind = enumNumber(value, key, SPAN_KIND_NAMES);
        break;
      case 'startTimeUnixNano':
      case 'start_time_unix_nano':
        startTimeUnixNano = unsigned64(value, key);
        break;
      case 'endTimeUnixNano':
      case 'end_time_unix_nano':
        endTimeUnixNano = unsigned64(value, key);
        break;
      case 'attributes':
        attributes(value, key, spanAttributes);
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        droppedAttributesCount = uint32(value, key);
        break;
      case 'events':
        eachObject(value, key, (event) => events.push(readEvent(event)));
        break;
      case 'droppedEventsCount':
      case 'dropped_events_count':
        droppedEventsCount = uint32(value, key);
        break;
      case 'links':
        eachObject(value, key, (link) => links.push(readLink(link)));
        break;
      case 'droppedLinksCount':
      case 'dropped_links_count':
        droppedLinksCount = uint32(value, key);
        break;
      case 'status':
        inObject(value, key, (status) => {
          for (const field in status) {
            const inner = status[field];
            if (inner === null) continue;
            if (field === 'code') statusCode = enumNumber(inner, field, STATUS_CODE_NAMES);
            else if (field === 'message') statusMessage = string(inner, field);
          }
        });
        break;
      default:
        break;
    }
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState,
    flags,
    name,
    kind: spanKindOf(kind),
    startTimeUnixNano,
    endTimeUnixNano,
    statusCode: statusCodeOf(statusCode),
    statusMessage,
    resource,
    scope,
    attributes: spanAttributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
  };
}

function readEvent(object: JsonObject): SpanEvent {
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: {}, droppedAttributesCount: 0 };
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    switch (key) {
      case 'timeUnixNano':
      case 'time_unix_nano':
        event.timeUnixNano = unsigned64(value, key);
        break;
      case 'name':
        event.name = string(value, key);
        break;
      case 'attributes':
        attributes(value, key, event.attributes);
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        event.droppedAttributesCount = uint32(value, key);
        break;
      default:
        break;
    }
  }
  return event;
}

function readLink(object: JsonObject): SpanLink {
  const link: SpanLink = {
    traceId: '',
    spanId: '',
    traceState: '',
    flags: 0,
    attributes: {},
    droppedAttributesCount: 0,
  };
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    switch (key) {
      case 'traceId':
      case 'trace_id':
        link.traceId = hexId(value, key);
        break;
      case 'spanId':
      case 'span_id':
        link.spanId = hexId(value, key);
        break;
      case 'traceState':
      case 'trace_state':
        link.traceState = string(value, key);
        break;
      case 'flags':
        link.flags = uint32(value, key);
        break;
      case 'attributes':
        attributes(value, key, link.attributes);
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        link.droppedAttributesCount = uint32(value, key);
        break;
      default:
        break;
    }
  }
  return link;
}

function readLogRecord(object: JsonObject, resource: ResourceInfo, scope: ScopeInfo): LogData {
  let timeUnixNano = 0n;
  let observedTimeUnixNano = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AttributeValue = null;
  let eventName = '';
  let traceId = '';
  let spanId = '';
  let flags = 0;
  let droppedAttributesCount = 0;
  const logAttributes: AttributeMap = {};
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    switch (key) {
      case 'timeUnixNano':
      case 'time_unix_nano':
        timeUnixNano = unsigned64(value, key);
        break;
      case 'observedTimeUnixNano':
      case 'observed_time_unix_nano':
        observedTimeUnixNano = unsigned64(value, key);
        break;
      case 'severityNumber':
      case 'severity_number':
        severityNumber = enumNumber(value, key, SEVERITY_NAMES);
        break;
      case 'severityText':
      case 'severity_text':
        severityText = string(value, key);
        break;
      case 'body':
        body = inObject(value, key, (anyValueObject) => anyValue(anyValueObject, 0));
        break;
      case 'attributes':
        attributes(value, key, logAttributes);
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        droppedAttributesCount = uint32(value, key);
        break;
      case 'flags':
        flags = uint32(value, key);
        break;
      case 'traceId':
      case 'trace_id':
        traceId = hexId(value, key);
        break;
      case 'spanId':
      case 'span_id':
        spanId = hexId(value, key);
        break;
      case 'eventName':
      case 'event_name':
        eventName = string(value, key);
        break;
      default:
        break;
    }
  }
  return {
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body,
    eventName,
    traceId,
    spanId,
    flags,
    resource,
    scope,
    attributes: logAttributes,
    droppedAttributesCount,
  };
}

const DATA_TYPES: Record<string, MetricType> = {
  gauge: 'gauge',
  sum: 'sum',
  histogram: 'histogram',
  exponentialHistogram: 'exponential_histogram',
  exponential_histogram: 'exponential_histogram',
  summary: 'summary',
};

/** A Metric: its points are built once the whole object is read, since its fields come in any order. */
function readMetric(
  object: JsonObject,
  resource: ResourceInfo,
  scope: ScopeInfo,
  collector: RecordCollector<MetricRecord>,
  location: () => string,
): void {
  const header: MetricHeader = { name: '', description: '', unit: '' };
  const points: { stream: PointStream; point: PointFields }[] = [];
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    const type = DATA_TYPES[key];
    if (type !== undefined) {
      inObject(value, key, (data) => {
        const stream = newPointStream(type);
        for (const field in data) {
          const inner = data[field];
          if (inner === null) continue;
          if (field === 'dataPoints' || field === 'data_points') {
            eachObject(inner, field, (pointObject, index) => {
              const point = readPoint(pointObject, type);
              const problem = checkPointIds(point);
              if (problem === null) {
                collector.expect();
                points.push({ stream, point });
              } else collector.reject(`data point at ${location()}.${key}.${field}[${index}]`, problem);
            });
          } else if (
            (field === 'aggregationTemporality' || field === 'aggregation_temporality') &&
            stream.temporality !== null
          ) {
            stream.temporality = temporalityOf(enumNumber(inner, field, TEMPORALITY_NAMES));
          } else if ((field === 'isMonotonic' || field === 'is_monotonic') && type === 'sum') {
            stream.isMonotonic = boolean(inner, field);
          }
        }
      });
    } else if (key === 'name') header.name = string(value, key);
    else if (key === 'description') header.description = string(value, key);
    else if (key === 'unit') header.unit = string(value, key);
  }
  for (const { stream, point } of points) collector.add(buildMetricPoint(header, stream, point, resource, scope));
}

/** A data point of any type; a field that its type does not have is ignored like an unknown one. */
function readPoint(object: JsonObject, type: MetricType): PointFields {
  const point = newPoint(type);
  const numbers = type === 'gauge' || type === 'sum';
  const histograms = type === 'histogram' || type === 'exponential_histogram';
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    switch (key) {
      case 'attributes':
        attributes(value, key, point.attributes);
        break;
      case 'startTimeUnixNano':
      case 'start_time_unix_nano':
        point.startTimeUnixNano = unsigned64(value, key);
        break;
      case 'timeUnixNano':
      case 'time_unix_nano':
        point.timeUnixNano = unsigned64(value, key);
        break;
      case 'flags':
        point.flags = uint32(value, key);
        break;
      case 'exemplars':
        if (type !== 'summary') eachObject(value, key, (exemplar) => point.exemplars.push(readExemplar(exemplar)));
        break;
      case 'asDouble':
      case 'as_double':
        if (numbers) point.value = double(value, key);
        break;
      case 'asInt':
      case 'as_int':
        if (numbers) point.value = int64(value, key);
        break;
      case 'count':
        if (!numbers) point.count = count(value, key);
        break;
      case 'sum':
        if (!numbers) point.sum = double(value, key);
        break;
      case 'min':
        if (histograms) point.min = double(value, key);
        break;
      case 'max':
        if (histograms) point.max = double(value, key);
        break;
      case 'bucketCounts':
      case 'bucket_counts':
        if (type === 'histogram') eachScalar(value, key, count, (point.bucketCounts = []));
        break;
      case 'explicitBounds':
      case 'explicit_bounds':
        if (type === 'histogram') eachScalar(value, key, double, (point.explicitBounds = []));
        break;
      case 'scale':
        if (type === 'exponential_histogram') point.scale = int32(value, key);
        break;
      case 'zeroCount':
      case 'zero_count':
        if (type === 'exponential_histogram') point.zeroCount = count(value, key);
        break;
      case 'zeroThreshold':
      case 'zero_threshold':
        if (type === 'exponential_histogram') point.zeroThreshold = double(value, key);
        break;
      case 'positive':
        if (type === 'exponential_histogram') point.positive = inObject(value, key, readBuckets);
        break;
      case 'negative':
        if (type === 'exponential_histogram') point.negative = inObject(value, key, readBuckets);
        break;
      case 'quantileValues':
      case 'quantile_values':
        if (type === 'summary') {
          const quantiles: SummaryQuantile[] = (point.quantiles = []);
          eachObject(value, key, (quantile) => quantiles.push(readQuantile(quantile)));
        }
        break;
      default:
        break;
    }
  }
  return point;
}

function readBuckets(object: JsonObject): ExponentialBuckets {
  const buckets: ExponentialBuckets = { offset: 0, bucketCounts: [] };
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    if (key === 'offset') buckets.offset = int32(value, key);
    else if (key === 'bucketCounts' || key === 'bucket_counts') eachScalar(value, key, count, buckets.bucketCounts);
  }
  return buckets;
}

function readQuantile(object: JsonObject): SummaryQuantile {
  const quantile: SummaryQuantile = { quantile: 0, value: 0 };
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    if (key === 'quantile') quantile.quantile = double(value, key);
    else if (key === 'value') quantile.value = double(value, key);
  }
  return quantile;
}

/** An exemplar without a value (neither asDouble nor asInt) gets 0, proto3's default. */
function readExemplar(object: JsonObject): Exemplar {
  const exemplar: Exemplar = { timeUnixNano: 0n, value: 0, traceId: '', spanId: '', filteredAttributes: {} };
  for (const key in object) {
    const value = object[key];
    if (value === null) continue;
    switch (key) {
      case 'timeUnixNano':
      case 'time_unix_nano':
        exemplar.timeUnixNano = unsigned64(value, key);
        break;
      case 'asDouble':
      case 'as_double':
        exemplar.value = double(value, key);
        break;
      case 'asInt':
      case 'as_int':
        exemplar.value = int64(value, key);
        break;
      case 'traceId':
      case 'trace_id':
        exemplar.traceId = hexId(value, key);
        break;
      case 'spanId':
      case 'span_id':
        exemplar.spanId = hexId(value, key);
        break;
      case 'filteredAttributes':
      case 'filtered_attributes':
        attributes(value, key, exemplar.filteredAttributes);
        break;
      default:
        break;
    }
  }
  return exemplar;
}
