import type { AttributeValue, MetricRecord } from '../../records/types';
import type { MetricSeries } from '../../storage/types';
import { typedText } from './format';

/** Turning API answers into chart data, without the DOM. */

export interface ChartData {
  /** Seconds since the epoch (uPlot's time axis), or bucket indexes for bars. */
  x: number[];
  series: { label: string; values: (number | null)[] }[];
}

/** Series on one shared, sorted x axis; a series without a point at some x has `null` there. */
export function alignSeries(series: { label: string; points: { time: number; value: number }[] }[]): ChartData {
  const times = [...new Set(series.flatMap((item) => item.points.map((point) => point.time)))].sort((a, b) => a - b);
  const index = new Map(times.map((time, i) => [time, i]));
  return {
    x: times,
    series: series.map((item) => {
      const values: (number | null)[] = new Array<number | null>(times.length).fill(null);
      for (const point of item.points) values[index.get(point.time)!] = point.value;
      return { label: item.label, values };
    }),
  };
}

/** A series' group as a label: `route="/a", status=200`; the one series of an ungrouped query is the metric's name. */
export function groupLabel(group: Record<string, AttributeValue>, fallback: string): string {
  const keys = Object.keys(group);
  if (keys.length === 0) return fallback;
  return keys.map((key) => `${key}=${typedText(group[key]!)}`).join(', ');
}

export function aggregateChart(series: MetricSeries[], name: string): ChartData {
  return alignSeries(
    series.map((item) => ({
      label: groupLabel(item.group, name),
      points: item.points.map((point) => ({
        time: Number(point.timeUnixNano / 1_000_000n) / 1000,
        value: point.value,
      })),
    })),
  );
}

export interface Distribution {
  /** `≤ 5`, `5–10`, …, `> 100`. */
  buckets: string[];
  counts: number[];
  /** How many points went in. */
  points: number;
}

/**
 * The distribution of an explicit-bucket histogram over the points given (newest first): delta
 * points add up; of cumulative ones only the newest per attribute set counts, since each already
 * holds everything before it. Points whose bounds differ from the newest point's are left out.
 */
export function histogramDistribution(points: readonly MetricRecord[]): Distribution | null {
  const first = points.find((point) => point.explicitBounds !== null && point.bucketCounts !== null);
  if (!first) return null;
  const bounds = first.explicitBounds!;
  const counts = new Array<number>(bounds.length + 1).fill(0);
  const seen = new Set<string>();
  let used = 0;
  for (const point of points) {
    if (!point.bucketCounts || !point.explicitBounds || point.explicitBounds.join() !== bounds.join()) continue;
    if (point.temporality === 'cumulative') {
      const key = `${point.serviceName}\u0000${typedText(point.attributes)}\u0000${point.startTimeUnixNano}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    point.bucketCounts.forEach((count, index) => (counts[index] = (counts[index] ?? 0) + count));
    used++;
  }
  const buckets = counts.map((_, index) => {
    if (index === 0) return `≤ ${bounds[0] ?? '∞'}`;
    if (index === bounds.length) return `> ${bounds[index - 1]}`;
    return `${bounds[index - 1]}–${bounds[index]}`;
  });
  return { buckets, counts, points: used };
}

/** A bucket width of about `target` buckets over a range, rounded to a familiar one. */
export function autoBucket(rangeSeconds: number, target = 60): string {
  const choices: [number, string][] = [
    [1, '1s'],
    [10, '10s'],
    [30, '30s'],
    [60, '1m'],
    [300, '5m'],
    [900, '15m'],
    [3600, '1h'],
    [6 * 3600, '6h'],
    [86400, '1d'],
  ];
  const wanted = rangeSeconds / target;
  return (choices.find(([seconds]) => seconds >= wanted) ?? choices.at(-1)!)[1];
}

/** Averages per scorer per time bucket, from scores (any order). */
export function scoreAverages(
  scores: readonly { scorerId: string; score: number; timeUnixNano: bigint }[],
  bucketSeconds: number,
): ChartData {
  const sums = new Map<string, Map<number, { sum: number; count: number }>>();
  for (const score of scores) {
    const seconds = Number(score.timeUnixNano / 1_000_000_000n);
    const bucket = Math.floor(seconds / bucketSeconds) * bucketSeconds;
    const byBucket = sums.get(score.scorerId) ?? new Map<number, { sum: number; count: number }>();
    const cell = byBucket.get(bucket) ?? { sum: 0, count: 0 };
    cell.sum += score.score;
    cell.count += 1;
    byBucket.set(bucket, cell);
    sums.set(score.scorerId, byBucket);
  }
  return alignSeries(
    [...sums.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([scorer, byBucket]) => ({
        label: scorer,
        points: [...byBucket.entries()].map(([time, cell]) => ({ time, value: cell.sum / cell.count })),
      })),
  );
}
