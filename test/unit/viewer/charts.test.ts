import type { MetricRecord } from '../../../src/records/types';
import {
  aggregateChart,
  alignSeries,
  autoBucket,
  histogramDistribution,
  scoreAverages,
} from '../../../src/viewer/app/charts';

function histogram(counts: number[], temporality: 'delta' | 'cumulative', route: string, start = 0n): MetricRecord {
  return {
    explicitBounds: [10, 50],
    bucketCounts: counts,
    temporality,
    attributes: { route },
    serviceName: 'api',
    startTimeUnixNano: start,
  } as unknown as MetricRecord;
}

describe('chart data', () => {
  it('aligns series on one x axis, with gaps as null', () => {
    expect(
      alignSeries([
        {
          label: 'a',
          points: [
            { time: 1, value: 10 },
            { time: 3, value: 30 },
          ],
        },
        { label: 'b', points: [{ time: 2, value: 20 }] },
      ]),
    ).toEqual({
      x: [1, 2, 3],
      series: [
        { label: 'a', values: [10, null, 30] },
        { label: 'b', values: [null, 20, null] },
      ],
    });
  });

  it('labels aggregate series by their typed group', () => {
    const chart = aggregateChart(
      [{ group: { status: 200n, route: '/a' }, points: [{ timeUnixNano: 60_000_000_000n, value: 2 }] }],
      'requests',
    );
    expect(chart).toEqual({ x: [60], series: [{ label: 'status=200, route="/a"', values: [2] }] });
  });

  it('sums delta histograms, and takes the newest point of each cumulative series', () => {
    expect(histogramDistribution([histogram([1, 2, 3], 'delta', '/a'), histogram([1, 0, 0], 'delta', '/a')])).toEqual({
      buckets: ['≤ 10', '10–50', '> 50'],
      counts: [2, 2, 3],
      points: 2,
    });
    // Newest first: the older cumulative point of /a is already counted in the newer one.
    const cumulative = [
      histogram([5, 5, 5], 'cumulative', '/a'),
      histogram([1, 1, 1], 'cumulative', '/a'),
      histogram([0, 2, 0], 'cumulative', '/b'),
    ];
    expect(histogramDistribution(cumulative)?.counts).toEqual([5, 7, 5]);
    expect(histogramDistribution([])).toBeNull();
  });

  it('averages scores per scorer per bucket', () => {
    const at = (seconds: number) => BigInt(seconds) * 1_000_000_000n;
    const chart = scoreAverages(
      [
        { scorerId: 'relevance', score: 1, timeUnixNano: at(0) },
        { scorerId: 'relevance', score: 0, timeUnixNano: at(59) },
        { scorerId: 'relevance', score: 0.5, timeUnixNano: at(60) },
        { scorerId: 'toxicity', score: 0.1, timeUnixNano: at(61) },
      ],
      60,
    );
    expect(chart).toEqual({
      x: [0, 60],
      series: [
        { label: 'relevance', values: [0.5, 0.5] },
        { label: 'toxicity', values: [null, 0.1] },
      ],
    });
  });

  it('picks a familiar bucket width for a range', () => {
    expect(autoBucket(3600)).toBe('1m');
    expect(autoBucket(86_400)).toBe('1h');
    expect(autoBucket(10)).toBe('1s');
  });
});
