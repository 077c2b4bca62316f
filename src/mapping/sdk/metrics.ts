import type { MetricRecord, ResourceInfo, ScopeInfo, Temporality } from '../../records/types';
import { NO_METRIC_VALUES, buildMetricRecord, type MetricData } from '../records';
import { toAttributeMap } from '../values';
import { hrTimeToUnixNano, toResourceInfo, toScopeInfo } from './common';
import type { HrTime, SdkExponentialHistogram, SdkHistogram, SdkMetricData, SdkResourceMetrics } from './types';

/** The SDK's enums, by value, so that this module needs no runtime import of the SDK. */
const DATA_POINT = { HISTOGRAM: 0, EXPONENTIAL_HISTOGRAM: 1, GAUGE: 2, SUM: 3 } as const;
const SDK_TEMPORALITY: Temporality[] = ['delta', 'cumulative'];
const VALUE_TYPE_INT = 0;

interface PointBase {
  startTime: HrTime;
  endTime: HrTime;
  attributes: Record<string, unknown>;
}

type PointStream = Pick<MetricData, 'type' | 'temporality' | 'isMonotonic'>;
type PointValues = { -readonly [K in keyof typeof NO_METRIC_VALUES]: MetricData[K] };

/** One record per point, built as one literal: object spreads here cost more than the mapping. */
function pointRecord(
  metric: SdkMetricData,
  point: PointBase,
  stream: PointStream,
  values: Partial<PointValues>,
  resource: ResourceInfo,
  scope: ScopeInfo,
): MetricRecord {
  return buildMetricRecord({
    name: metric.descriptor.name,
    description: metric.descriptor.description,
    unit: metric.descriptor.unit,
    type: stream.type,
    temporality: stream.temporality,
    isMonotonic: stream.isMonotonic,
    timeUnixNano: hrTimeToUnixNano(point.endTime),
    startTimeUnixNano: hrTimeToUnixNano(point.startTime),
    attributes: toAttributeMap(point.attributes),
    flags: 0,
    exemplars: [],
    resource,
    scope,
    value: values.value ?? null,
    count: values.count ?? null,
    sum: values.sum ?? null,
    min: values.min ?? null,
    max: values.max ?? null,
    explicitBounds: values.explicitBounds ?? null,
    bucketCounts: values.bucketCounts ?? null,
    scale: values.scale ?? null,
    zeroCount: values.zeroCount ?? null,
    zeroThreshold: values.zeroThreshold ?? null,
    positive: values.positive ?? null,
    negative: values.negative ?? null,
    quantiles: null,
  });
}

function numberValue(metric: SdkMetricData, value: number): number | bigint {
  return metric.descriptor.valueType === VALUE_TYPE_INT && Number.isInteger(value) ? BigInt(value) : value;
}

/** Told of the points that were left out, and why. */
export type SkippedPoints = (count: number, reason: string) => void;

function mapMetric(
  metric: SdkMetricData,
  resource: ResourceInfo,
  scope: ScopeInfo,
  onSkipped: SkippedPoints,
): MetricRecord[] {
  const temporality = SDK_TEMPORALITY[metric.aggregationTemporality] ?? 'unspecified';
  switch (metric.dataPointType) {
    case DATA_POINT.GAUGE: {
      const stream: PointStream = { type: 'gauge', temporality: null, isMonotonic: null };
      return (metric.dataPoints as (PointBase & { value: number })[]).map((point) =>
        pointRecord(metric, point, stream, { value: numberValue(metric, point.value) }, resource, scope),
      );
    }
    case DATA_POINT.SUM: {
      const stream: PointStream = { type: 'sum', temporality, isMonotonic: metric.isMonotonic ?? false };
      return (metric.dataPoints as (PointBase & { value: number })[]).map((point) =>
        pointRecord(metric, point, stream, { value: numberValue(metric, point.value) }, resource, scope),
      );
    }
    case DATA_POINT.HISTOGRAM: {
      const stream: PointStream = { type: 'histogram', temporality, isMonotonic: null };
      return (metric.dataPoints as (PointBase & { value: SdkHistogram })[]).map((point) => {
        const value = point.value;
        return pointRecord(
          metric,
          point,
          stream,
          {
            count: value.count,
            sum: value.sum ?? null,
            min: value.min ?? null,
            max: value.max ?? null,
            explicitBounds: [...value.buckets.boundaries],
            bucketCounts: [...value.buckets.counts],
          },
          resource,
          scope,
        );
      });
    }
    case DATA_POINT.EXPONENTIAL_HISTOGRAM: {
      const stream: PointStream = { type: 'exponential_histogram', temporality, isMonotonic: null };
      return (metric.dataPoints as (PointBase & { value: SdkExponentialHistogram })[]).map((point) => {
        const value = point.value;
        return pointRecord(
          metric,
          point,
          stream,
          {
            count: value.count,
            sum: value.sum ?? null,
            min: value.min ?? null,
            max: value.max ?? null,
            scale: value.scale,
            zeroCount: value.zeroCount,
            zeroThreshold: 0,
            positive: { offset: value.positive.offset, bucketCounts: [...value.positive.bucketCounts] },
            negative: { offset: value.negative.offset, bucketCounts: [...value.negative.bucketCounts] },
          },
          resource,
          scope,
        );
      });
    }
    default:
      onSkipped(
        metric.dataPoints.length,
        `metric ${JSON.stringify(metric.descriptor.name)} has data point type ` +
          `${String(metric.dataPointType)}, which otel-bridge does not know`,
      );
      return [];
  }
}

/**
 * Maps one SDK collection to a record per data point. The points of a metric whose data point type
 * it does not know are left out, and reported to `onSkipped`.
 */
export function mapSdkMetrics(resourceMetrics: SdkResourceMetrics, onSkipped: SkippedPoints): MetricRecord[] {
  const resource = toResourceInfo(resourceMetrics.resource);
  const records: MetricRecord[] = [];
  for (const scopeMetrics of resourceMetrics.scopeMetrics) {
    const scope = toScopeInfo(scopeMetrics.scope);
    for (const metric of scopeMetrics.metrics) records.push(...mapMetric(metric, resource, scope, onSkipped));
  }
  return records;
}

/**
 * Maps one SDK collection to a record per data point, leaving out the points of a data point type
 * it does not know (`StoreMetricExporter` reports those to `onDrop`).
 *
 * @example
 * ```ts
 * const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
 * const reader = new PeriodicExportingMetricReader({ exporter });
 * new MeterProvider({ readers: [reader] }).getMeter('app').createCounter('orders').add(1);
 * const { resourceMetrics } = await reader.collect();
 * await store.batchRecordMetrics({ metrics: metricsFromSdk(resourceMetrics) });
 * ```
 */
export function metricsFromSdk(resourceMetrics: SdkResourceMetrics): MetricRecord[] {
  return mapSdkMetrics(resourceMetrics, () => undefined);
}
