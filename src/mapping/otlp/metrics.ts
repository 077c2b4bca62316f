import type {
  ExponentialBuckets,
  Exemplar,
  MetricRecord,
  MetricType,
  ResourceInfo,
  ScopeInfo,
  SummaryQuantile,
} from '../../records/types';
import { buildMetricRecord } from '../records';
import {
  buildMetricPoint,
  checkPointIds,
  newPoint,
  newPointStream,
  temporalityOf,
  type DecodeMeter,
  type DecodeResult,
  type MetricHeader,
  type PointFields,
  type PointStream,
  type RecordCollector,
} from './assembly';
import { decodeExportRequest, readKeyValue, type SignalDecoder } from './common';
import { I64, LEN, VARINT, readDouble, readFixed64Number, readUint64Number, tag, type WireReader } from './wire';

// Metric (opentelemetry.proto.metrics.v1); field 12, metadata, is not stored.
const METRIC_NAME = tag(1, LEN);
const METRIC_DESCRIPTION = tag(2, LEN);
const METRIC_UNIT = tag(3, LEN);
const METRIC_GAUGE = tag(5, LEN);
const METRIC_SUM = tag(7, LEN);
const METRIC_HISTOGRAM = tag(9, LEN);
const METRIC_EXPONENTIAL_HISTOGRAM = tag(10, LEN);
const METRIC_SUMMARY = tag(11, LEN);
// Gauge, Sum, Histogram, ExponentialHistogram and Summary share their field numbers.
const DATA_POINTS = tag(1, LEN);
const DATA_AGGREGATION_TEMPORALITY = tag(2, VARINT); // not in Gauge and Summary
const SUM_IS_MONOTONIC = tag(3, VARINT);
// Fields common to all data points, except that attributes and flags move about.
const POINT_START_TIME = tag(2, I64); // fixed64 ns
const POINT_TIME = tag(3, I64); // fixed64 ns
const POINT_COUNT = tag(4, I64); // fixed64, in the histograms and Summary
const POINT_SUM = tag(5, I64); // double
// NumberDataPoint (field 1 is reserved)
const NUMBER_AS_DOUBLE = tag(4, I64);
const NUMBER_EXEMPLARS = tag(5, LEN);
const NUMBER_AS_INT = tag(6, I64); // sfixed64
const NUMBER_ATTRIBUTES = tag(7, LEN);
const NUMBER_FLAGS = tag(8, VARINT);
// HistogramDataPoint (field 1 is reserved); repeated scalars come packed (LEN) or one per field.
const HISTOGRAM_BUCKET_COUNTS_PACKED = tag(6, LEN); // repeated fixed64
const HISTOGRAM_BUCKET_COUNT = tag(6, I64);
const HISTOGRAM_EXPLICIT_BOUNDS_PACKED = tag(7, LEN); // repeated double
const HISTOGRAM_EXPLICIT_BOUND = tag(7, I64);
const HISTOGRAM_EXEMPLARS = tag(8, LEN);
const HISTOGRAM_ATTRIBUTES = tag(9, LEN);
const HISTOGRAM_FLAGS = tag(10, VARINT);
const HISTOGRAM_MIN = tag(11, I64);
const HISTOGRAM_MAX = tag(12, I64);
// ExponentialHistogramDataPoint
const EXPONENTIAL_ATTRIBUTES = tag(1, LEN);
const EXPONENTIAL_SCALE = tag(6, VARINT); // sint32
const EXPONENTIAL_ZERO_COUNT = tag(7, I64); // fixed64
const EXPONENTIAL_POSITIVE = tag(8, LEN); // Buckets
const EXPONENTIAL_NEGATIVE = tag(9, LEN); // Buckets
const EXPONENTIAL_FLAGS = tag(10, VARINT);
const EXPONENTIAL_EXEMPLARS = tag(11, LEN);
const EXPONENTIAL_MIN = tag(12, I64);
const EXPONENTIAL_MAX = tag(13, I64);
const EXPONENTIAL_ZERO_THRESHOLD = tag(14, I64); // double
// ExponentialHistogramDataPoint.Buckets
const BUCKETS_OFFSET = tag(1, VARINT); // sint32
const BUCKETS_COUNTS_PACKED = tag(2, LEN); // repeated uint64
const BUCKETS_COUNT = tag(2, VARINT);
// SummaryDataPoint (field 1 is reserved)
const SUMMARY_QUANTILE_VALUES = tag(6, LEN); // ValueAtQuantile
const SUMMARY_ATTRIBUTES = tag(7, LEN);
const SUMMARY_FLAGS = tag(8, VARINT);
// SummaryDataPoint.ValueAtQuantile
const QUANTILE_QUANTILE = tag(1, I64);
const QUANTILE_VALUE = tag(2, I64);
// Exemplar (field 1 is reserved)
const EXEMPLAR_TIME = tag(2, I64);
const EXEMPLAR_AS_DOUBLE = tag(3, I64);
const EXEMPLAR_SPAN_ID = tag(4, LEN);
const EXEMPLAR_TRACE_ID = tag(5, LEN);
const EXEMPLAR_AS_INT = tag(6, I64); // sfixed64
const EXEMPLAR_FILTERED_ATTRIBUTES = tag(7, LEN);

/** A data point with what it shares with the other points of its metric. */
interface MetricPoint {
  header: MetricHeader;
  stream: PointStream;
  point: PointFields;
  resource: ResourceInfo;
  scope: ScopeInfo;
}

const METRICS: SignalDecoder<MetricPoint, MetricRecord> = {
  signal: 'metrics',
  resourceGroups: 'resourceMetrics',
  scopeGroups: 'scopeMetrics',
  readItem(reader, end, resource, scope, out, collector, location, index) {
    readMetric(reader, end, { resource, scope, out, collector, location: `${location}.metrics[${index}]` });
  },
  build: (data) => buildMetricPoint(data.header, data.stream, data.point, data.resource, data.scope),
  rebuild: buildMetricRecord,
};

/** Decodes a protobuf `ExportMetricsServiceRequest`. */
export function decodeMetricsProtobuf(body: Uint8Array, meter?: DecodeMeter): DecodeResult<MetricRecord> {
  return decodeExportRequest(body, METRICS, meter);
}

/** Where the points of one Metric message go. */
interface MetricTarget {
  resource: ResourceInfo;
  scope: ScopeInfo;
  out: MetricPoint[];
  collector: RecordCollector<MetricRecord>;
  location: string;
}

const DATA_FIELDS: Record<number, { type: MetricType; name: string }> = {
  [METRIC_GAUGE]: { type: 'gauge', name: 'gauge' },
  [METRIC_SUM]: { type: 'sum', name: 'sum' },
  [METRIC_HISTOGRAM]: { type: 'histogram', name: 'histogram' },
  [METRIC_EXPONENTIAL_HISTOGRAM]: { type: 'exponential_histogram', name: 'exponentialHistogram' },
  [METRIC_SUMMARY]: { type: 'summary', name: 'summary' },
};

const POINT_READERS: Record<MetricType, (reader: WireReader, end: number, point: PointFields) => void> = {
  gauge: readNumberPoint,
  sum: readNumberPoint,
  histogram: readHistogramPoint,
  exponential_histogram: readExponentialPoint,
  summary: readSummaryPoint,
};

function readMetric(reader: WireReader, end: number, target: MetricTarget): void {
  // Points refer to the header, which is complete once the Metric message is: records are built later.
  const header: MetricHeader = { name: '', description: '', unit: '' };
  while (reader.pos < end) {
    const field = reader.tag();
    const data = DATA_FIELDS[field];
    if (data !== undefined)
      readData(reader, reader.end(end), data.type, header, target, `${target.location}.${data.name}`);
    else if (field === METRIC_NAME) header.name = reader.string(end);
    else if (field === METRIC_DESCRIPTION) header.description = reader.string(end);
    else if (field === METRIC_UNIT) header.unit = reader.string(end);
    else reader.skip(field, end);
  }
  reader.finish(end);
}

/** A Gauge, Sum, Histogram, ExponentialHistogram or Summary message. */
function readData(
  reader: WireReader,
  end: number,
  type: MetricType,
  header: MetricHeader,
  target: MetricTarget,
  location: string,
): void {
  const stream = newPointStream(type);
  const readPoint = POINT_READERS[type];
  let index = 0;
  while (reader.pos < end) {
    const field = reader.tag();
    if (field === DATA_POINTS) {
      const point = newPoint(type);
      readPoint(reader, reader.end(end), point);
      const problem = checkPointIds(point);
      if (problem === null) {
        target.collector.expect();
        target.out.push({ header, stream, point, resource: target.resource, scope: target.scope });
      } else target.collector.reject(`data point at ${location}.dataPoints[${index}]`, problem);
      index++;
    } else if (field === DATA_AGGREGATION_TEMPORALITY && stream.temporality !== null) {
      stream.temporality = temporalityOf(reader.uint32());
    } else if (field === SUM_IS_MONOTONIC && type === 'sum') stream.isMonotonic = reader.bool();
    else reader.skip(field, end);
  }
  reader.finish(end);
}

function readNumberPoint(reader: WireReader, end: number, point: PointFields): void {
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case POINT_START_TIME:
        point.startTimeUnixNano = reader.fixed64();
        break;
      case POINT_TIME:
        point.timeUnixNano = reader.fixed64();
        break;
      case NUMBER_AS_DOUBLE:
        point.value = reader.double();
        break;
      case NUMBER_AS_INT:
        point.value = reader.sfixed64();
        break;
      case NUMBER_EXEMPLARS:
        point.exemplars.push(readExemplar(reader, reader.end(end)));
        break;
      case NUMBER_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), point.attributes);
        break;
      case NUMBER_FLAGS:
        point.flags = reader.uint32();
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
}

function readHistogramPoint(reader: WireReader, end: number, point: PointFields): void {
  const bucketCounts: number[] = [];
  const explicitBounds: number[] = [];
  point.bucketCounts = bucketCounts;
  point.explicitBounds = explicitBounds;
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case POINT_START_TIME:
        point.startTimeUnixNano = reader.fixed64();
        break;
      case POINT_TIME:
        point.timeUnixNano = reader.fixed64();
        break;
      case POINT_COUNT:
        point.count = reader.fixed64Number();
        break;
      case POINT_SUM:
        point.sum = reader.double();
        break;
      case HISTOGRAM_BUCKET_COUNTS_PACKED:
      case HISTOGRAM_BUCKET_COUNT:
        reader.repeated(field, end, readFixed64Number, bucketCounts);
        break;
      case HISTOGRAM_EXPLICIT_BOUNDS_PACKED:
      case HISTOGRAM_EXPLICIT_BOUND:
        reader.repeated(field, end, readDouble, explicitBounds);
        break;
      case HISTOGRAM_EXEMPLARS:
        point.exemplars.push(readExemplar(reader, reader.end(end)));
        break;
      case HISTOGRAM_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), point.attributes);
        break;
      case HISTOGRAM_FLAGS:
        point.flags = reader.uint32();
        break;
      case HISTOGRAM_MIN:
        point.min = reader.double();
        break;
      case HISTOGRAM_MAX:
        point.max = reader.double();
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
}

function readExponentialPoint(reader: WireReader, end: number, point: PointFields): void {
  const positive: ExponentialBuckets = { offset: 0, bucketCounts: [] };
  const negative: ExponentialBuckets = { offset: 0, bucketCounts: [] };
  point.positive = positive;
  point.negative = negative;
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case POINT_START_TIME:
        point.startTimeUnixNano = reader.fixed64();
        break;
      case POINT_TIME:
        point.timeUnixNano = reader.fixed64();
        break;
      case POINT_COUNT:
        point.count = reader.fixed64Number();
        break;
      case POINT_SUM:
        point.sum = reader.double();
        break;
      case EXPONENTIAL_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), point.attributes);
        break;
      case EXPONENTIAL_SCALE:
        point.scale = reader.sint32();
        break;
      case EXPONENTIAL_ZERO_COUNT:
        point.zeroCount = reader.fixed64Number();
        break;
      case EXPONENTIAL_POSITIVE:
        readBuckets(reader, reader.end(end), positive);
        break;
      case EXPONENTIAL_NEGATIVE:
        readBuckets(reader, reader.end(end), negative);
        break;
      case EXPONENTIAL_FLAGS:
        point.flags = reader.uint32();
        break;
      case EXPONENTIAL_EXEMPLARS:
        point.exemplars.push(readExemplar(reader, reader.end(end)));
        break;
      case EXPONENTIAL_MIN:
        point.min = reader.double();
        break;
      case EXPONENTIAL_MAX:
        point.max = reader.double();
        break;
      case EXPONENTIAL_ZERO_THRESHOLD:
        point.zeroThreshold = reader.double();
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
}

function readBuckets(reader: WireReader, end: number, buckets: ExponentialBuckets): void {
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case BUCKETS_OFFSET:
        buckets.offset = reader.sint32();
        break;
      case BUCKETS_COUNTS_PACKED:
      case BUCKETS_COUNT:
        reader.repeated(field, end, readUint64Number, buckets.bucketCounts);
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
}

function readSummaryPoint(reader: WireReader, end: number, point: PointFields): void {
  const quantiles: SummaryQuantile[] = [];
  point.quantiles = quantiles;
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case POINT_START_TIME:
        point.startTimeUnixNano = reader.fixed64();
        break;
      case POINT_TIME:
        point.timeUnixNano = reader.fixed64();
        break;
      case POINT_COUNT:
        point.count = reader.fixed64Number();
        break;
      case POINT_SUM:
        point.sum = reader.double();
        break;
      case SUMMARY_QUANTILE_VALUES:
        quantiles.push(readQuantile(reader, reader.end(end)));
        break;
      case SUMMARY_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), point.attributes);
        break;
      case SUMMARY_FLAGS:
        point.flags = reader.uint32();
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
}

function readQuantile(reader: WireReader, end: number): SummaryQuantile {
  const quantile: SummaryQuantile = { quantile: 0, value: 0 };
  while (reader.pos < end) {
    const field = reader.tag();
    if (field === QUANTILE_QUANTILE) quantile.quantile = reader.double();
    else if (field === QUANTILE_VALUE) quantile.value = reader.double();
    else reader.skip(field, end);
  }
  reader.finish(end);
  return quantile;
}

/** An exemplar without a value (neither as_double nor as_int) gets 0, proto3's default. */
function readExemplar(reader: WireReader, end: number): Exemplar {
  const exemplar: Exemplar = { timeUnixNano: 0n, value: 0, traceId: '', spanId: '', filteredAttributes: {} };
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case EXEMPLAR_TIME:
        exemplar.timeUnixNano = reader.fixed64();
        break;
      case EXEMPLAR_AS_DOUBLE:
        exemplar.value = reader.double();
        break;
      case EXEMPLAR_AS_INT:
        exemplar.value = reader.sfixed64();
        break;
      case EXEMPLAR_SPAN_ID:
        exemplar.spanId = reader.hex(end);
        break;
      case EXEMPLAR_TRACE_ID:
        exemplar.traceId = reader.hex(end);
        break;
      case EXEMPLAR_FILTERED_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), exemplar.filteredAttributes);
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
  return exemplar;
}
