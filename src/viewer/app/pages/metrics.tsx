import { useMemo } from 'preact/hooks';
import { api } from '../api';
import { Chart, Failure, Loaded, RangePicker, rangeQuery, useAsync } from '../components';
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
        <label class="filter">
          <span>metric</span>
          <select
            name="metric"
            value={current.name}
            onChange={(event) => set({ name: event.currentTarget.value, field: '', groupBy: '' })}
          >
            <option value="">choose…</option>
            {(names.data?.metrics ?? []).map((metric) => (
              <option key={metric.name} value={metric.name}>
                {metric.name} ({metric.type}
                {metric.unit ? `, ${metric.unit}` : ''})
              </option>
            ))}
          </select>
        </label>
        <label class="filter">
          <span>aggregation</span>
          <select
            name="aggregation"
            value={current.aggregation}
            onChange={(event) => set({ aggregation: event.currentTarget.value })}
          >
            {AGGREGATIONS.map((item) => (
              <option key={item}>{item}</option>
            ))}
          </select>
        </label>
        {isDistribution && (
          <label class="filter">
            <span>of</span>
            <select name="field" value={field} onChange={(event) => set({ field: event.currentTarget.value })}>
              {['sum', 'count', 'min', 'max'].map((item) => (
                <option key={item}>{item}</option>
              ))}
            </select>
          </label>
        )}
        <label class="filter">
          <span>bucket</span>
          <select name="bucket" value={current.bucket} onChange={(event) => set({ bucket: event.currentTarget.value })}>
            {BUCKETS.map((item) => (
              <option key={item} value={item}>
                {item === 'auto' ? `auto (${bucket})` : item}
              </option>
            ))}
          </select>
        </label>
        <label class="filter">
          <span>group by</span>
          <select
            name="groupBy"
            value={current.groupBy}
            onChange={(event) => set({ groupBy: event.currentTarget.value })}
          >
            <option value="">nothing</option>
            {labels.map((label) => (
              <option key={label}>{label}</option>
            ))}
          </select>
        </label>
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
