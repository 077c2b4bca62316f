import type {
  ExponentialHistogram,
  GaugeMetricData,
  Histogram,
  MetricData as SdkMetricData,
  ResourceMetrics,
  SumMetricData,
} from '@opentelemetry/sdk-metrics';
import type { MetricRecord, ResourceInfo, ScopeInfo, Temporality } from '../../records/types';
import { NO_METRIC_VALUES, buildMetricRecord } from '../records';
import { toAttributeMap } from '../values';
import { hrTimeToUnixNano, toResourceInfo, toScopeInfo, type HrTime } from './common';

/** The SDK's enums, by value, so that this module needs no runtime import of the SDK. */
const DATA_POINT = { HISTOGRAM: 0, EXPONENTIAL_HISTOGRAM: 1, GAUGE: 2, SUM: 3 } as const;
const SDK_TEMPORALITY: Temporality[] = ['delta', 'cumulative'];
const VALUE_TYPE_INT = 0;

interface PointBase {
  startTime: HrTime;
  endTime: HrTime;
  attributes: Record<string, unknown>;
}

function pointBase(metric: SdkMetricData, point: PointBase, resource: ResourceInfo, scope: ScopeInfo) {
  return {
    name: metric.descriptor.name,
    description: metric.descriptor.description,
    unit: metric.descriptor.unit,
    timeUnixNano: hrTimeToUnixNano(point.endTime),
    startTimeUnixNano: hrTimeToUnixNano(point.startTime),
    attributes: toAttributeMap(point.attributes),
    flags: 0,
    exemplars: [],
    resource,
    scope,
    ...NO_METRIC_VALUES,
  };
}

function numberValue(metric: SdkMetricData, value: number): number | bigint {
  return metric.descriptor.valueType === VALUE_TYPE_INT && Number.isInteger(value) ? BigInt(value) : value;
}

function mapMetric(metric: SdkMetricData, resource: ResourceInfo, scope: ScopeInfo): MetricRecord[] {
  const temporality = SDK_TEMPORALITY[metric.aggregationTemporality] ?? 'unspecified';
  switch (metric.dataPointType as number) {
    case DATA_POINT.GAUGE:
      return (metric as GaugeMetricData).dataPoints.map((point) =>
        buildMetricRecord({
          ...pointBase(metric, point, resource, scope),
          type: 'gauge',
          temporality: null,
          isMonotonic: null,
          value: numberValue(metric, point.value),
        }),
      );
    case DATA_POINT.SUM:
      return (metric as SumMetricData).dataPoints.map((point) =>
        buildMetricRecord({
          ...pointBase(metric, point, resource, scope),
          type: 'sum',
          temporality,
          isMonotonic: (metric as SumMetricData).isMonotonic,
          value: numberValue(metric, point.value),
        }),
      );
    case DATA_POINT.HISTOGRAM:
      return (metric.dataPoints as { value: Histogram; startTime: HrTime; endTime: HrTime; attributes: Record<string, unknown> }[]).map(
        (point) =>
          buildMetricRecord({
            ...pointBase(metric, point, resource, scope),
            type: 'histogram',
            temporality,
            isMonotonic: null,
            count: point.value.count,
            sum: point.value.sum ?? null,
            min: point.value.min ?? null,
            max: point.value.max ?? null,
            explicitBounds: [...point.value.buckets.boundaries],
            bucketCounts: [...point.value.buckets.counts],
          }),
      );
    case DATA_POINT.EXPONENTIAL_HISTOGRAM:
      return (
        metric.dataPoints as { value: ExponentialHistogram; startTime: HrTime; endTime: HrTime; attributes: Record<string, unknown> }[]
      ).map((point) =>
        buildMetricRecord({
          ...pointBase(metric, point, resource, scope),
          type: 'exponential_histogram',
          temporality,
          isMonotonic: null,
          count: point.value.count,
          sum: point.value.sum ?? null,
          min: point.value.min ?? null,
          max: point.value.max ?? null,
          scale: point.value.scale,
          zeroCount: point.value.zeroCount,
          zeroThreshold: 0,
          positive: { offset: point.value.positive.offset, bucketCounts: [...point.value.positive.bucketCounts] },
          negative: { offset: point.value.negative.offset, bucketCounts: [...point.value.negative.bucketCounts] },
        }),
      );
    default:
      return [];
  }
}

/** Maps one SDK collection to a record per data point. */
export function metricsFromSdk(resourceMetrics: ResourceMetrics): MetricRecord[] {
  const resource = toResourceInfo(resourceMetrics.resource);
  const records: MetricRecord[] = [];
  for (const scopeMetrics of resourceMetrics.scopeMetrics) {
    const scope = toScopeInfo(scopeMetrics.scope);
    for (const metric of scopeMetrics.metrics) records.push(...mapMetric(metric, resource, scope));
  }
  return records;
}
