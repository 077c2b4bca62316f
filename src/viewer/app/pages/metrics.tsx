import { useMemo } from 'preact/hooks';
import { api } from '../api';
import { Chart, Failure, FilterSelect, Loaded, RangePicker, rangeQuery, useAsync } from '../components';
import { aggregateChart, autoBucket, histogramDistribution } from '../charts';
import { navigate, type Route } from '../router';

const AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'count'];
const BUCKETS = ['auto', '10s', '1m', '5m', '15m', '1h', '6h', '1d'];
/** Points read to find a metric's labels and its distribution. */
const SAMPLE = 1000;

export function MetricsPage({ route }: { route: Route }) {
  const get = (key: string) => route.query.get(key) ?? '';
  const current = {
    name: get('name'),
    aggregation: get('aggregation') || 'avg',
    bucket: get('bucket') || 'auto',
    field: get('field'),
    groupBy: get('groupBy'),
    range: get('range') || '24h',
    from: get('from'),
    to: get('to'),
  };
  const set = (changes: Partial<typeof current>) => navigate(['metrics'], { ...current, ...changes });
  const names = useAsync(() => api.metricNames(), []);
  const descriptor = names.data?.metrics.find((metric) => metric.name === current.name) ?? null;
  const isDistribution =
    descriptor?.type === 'histogram' || descriptor?.type === 'exponential_histogram' || descriptor?.type === 'summary';
  const range = rangeQuery(current.range, current.from, current.to);
  const rangeKey = current.range === 'custom' ? `${range.from}-${range.to}` : current.range;
  const sample = useAsync(
    () =>
      current.name ? api.metrics({ name: current.name, perPage: String(SAMPLE), ...range }) : Promise.resolve(null),
    [current.name, rangeKey],
  );
  const labels = useMemo(() => {
    const keys = new Set<string>();
    for (const point of sample.data?.metrics ?? []) for (const key in point.attributes) keys.add(key);
    return [...keys].sort();
  }, [sample.data]);
  const field = current.field || (isDistribution ? 'sum' : 'value');
  const rangeSeconds = range.from
    ? ((range.to ? Date.parse(range.to) : Date.now()) - Date.parse(range.from)) / 1000
    : 7 * 86400;
  const bucket = current.bucket === 'auto' ? autoBucket(rangeSeconds) : current.bucket;
  const series = useAsync(
    () =>
      current.name && descriptor
        ? api.aggregate({
            name: current.name,
            aggregation: current.aggregation,
            bucket,
            field,
            groupBy: current.groupBy,
            ...range,
          })
        : Promise.resolve(null),
    [current.name, descriptor?.type, current.aggregation, bucket, field, current.groupBy, rangeKey],
  );
  const chart = useMemo(() => (series.data ? aggregateChart(series.data.series, current.name) : null), [series.data]);
  const distribution = useMemo(
    () => (descriptor?.type === 'histogram' && sample.data ? histogramDistribution(sample.data.metrics) : null),
    [sample.data, descriptor?.type],
  );
  return (
    <section>
      <h1>Metrics</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <FilterSelect
          label="metric"
          name="metric"
          value={current.name}
          options={(names.data?.metrics ?? []).map((metric) => ({
            value: metric.name,
            text: `${metric.name} (${metric.type}${metric.unit ? `, ${metric.unit}` : ''})`,
          }))}
          blank="choose…"
          onChange={(name) => set({ name, field: '', groupBy: '' })}
        />
        <FilterSelect
          label="aggregation"
          name="aggregation"
          value={current.aggregation}
          options={AGGREGATIONS}
          onChange={(aggregation) => set({ aggregation })}
        />
        {isDistribution && (
          <FilterSelect
            label="of"
            name="field"
            value={field}
            options={['sum', 'count', 'min', 'max']}
            onChange={(next) => set({ field: next })}
          />
        )}
        <FilterSelect
          label="bucket"
          name="bucket"
          value={current.bucket}
          options={BUCKETS.map((item) => ({ value: item, text: item === 'auto' ? `auto (${bucket})` : item }))}
          onChange={(next) => set({ bucket: next })}
        />
        <FilterSelect
          label="group by"
          name="groupBy"
          value={current.groupBy}
          options={labels}
          blank="nothing"
          onChange={(groupBy) => set({ groupBy })}
        />
        <RangePicker range={current.range} from={current.from} to={current.to} onChange={(next) => set(next)} />
      </form>
      {names.error && <Failure error={names.error} />}
      {!current.name && <p class="muted">Choose a metric.</p>}
      {current.name && (
        <Loaded state={series}>
          {() =>
            chart && chart.x.length > 0 ? (
              <Chart x={chart.x} series={chart.series} label={`${current.aggregation} of ${current.name}`} />
            ) : (
              <p class="muted">No points in this range.</p>
            )
          }
        </Loaded>
      )}
      {distribution && (
        <section class="distribution">
          <h2>Distribution</h2>
          <p class="muted">
            Bucket counts of {distribution.points} point{distribution.points === 1 ? '' : 's'} in this range.
          </p>
          <Chart
            x={distribution.counts.map((_, index) => index)}
            series={[{ label: 'count', values: distribution.counts }]}
            bars
            categories={distribution.buckets}
            label={`distribution of ${current.name}`}
          />
        </section>
      )}
    </section>
  );
}
