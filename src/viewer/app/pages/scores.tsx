import { useMemo } from 'preact/hooks';
import { SCORE_SOURCES } from '../../../records/types';
import { api } from '../api';
import { Chart, FilterInput, FilterSelect, Loaded, Pager, RangePicker, rangeQuery, useAsync } from '../components';
import { autoBucket, scoreAverages } from '../charts';
import { localTime } from '../format';
import { href, navigate, type Route } from '../router';

const PER_PAGE = 50;
/** The newest scores the chart averages (one page of the API at most). */
const CHART_SCORES = 1000;

const BUCKET_SECONDS: Record<string, number> = {
  '1s': 1,
  '10s': 10,
  '30s': 30,
  '1m': 60,
  '5m': 300,
  '15m': 900,
  '1h': 3600,
  '6h': 21600,
  '1d': 86400,
};

export function ScoresPage({ route }: { route: Route }) {
  const get = (key: string) => route.query.get(key) ?? '';
  const current = {
    scorerId: get('scorerId'),
    source: get('source'),
    range: get('range') || '7d',
    from: get('from'),
    to: get('to'),
  };
  const page = Number(get('page')) || 0;
  const set = (changes: Partial<typeof current> & { page?: string }) =>
    navigate(['scores'], { ...current, page: '', ...changes });
  const range = rangeQuery(current.range, current.from, current.to);
  const filter = { scorerId: current.scorerId, source: current.source, ...range };
  const key = JSON.stringify({ ...filter, from: current.range === 'custom' ? range.from : current.range });
  const list = useAsync(() => api.scores({ ...filter, page: String(page), perPage: String(PER_PAGE) }), [key, page]);
  const recent = useAsync(() => api.scores({ ...filter, perPage: String(CHART_SCORES) }), [key]);
  const chart = useMemo(() => {
    const scores = recent.data?.scores ?? [];
    if (scores.length === 0) return null;
    const times = scores.map((score) => Number(score.timeUnixNano / 1_000_000_000n));
    const span = Math.max(...times) - Math.min(...times);
    return scoreAverages(scores, BUCKET_SECONDS[autoBucket(Math.max(span, 60), 30)]!);
  }, [recent.data]);
  return (
    <section>
      <h1>Scores</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <FilterInput label="scorer" value={current.scorerId} onApply={(scorerId) => set({ scorerId })} />
        <FilterSelect
          label="source"
          name="source"
          value={current.source}
          options={SCORE_SOURCES}
          blank="all"
          onChange={(source) => set({ source })}
        />
        <RangePicker range={current.range} from={current.from} to={current.to} onChange={(next) => set(next)} />
      </form>
      <section class="score-chart">
        <h2>Average per scorer</h2>
        {chart ? (
          <>
            <Chart x={chart.x} series={chart.series} label="average score per scorer over time" />
            {recent.data?.pagination.hasMore && <p class="muted">Of the newest {CHART_SCORES} scores.</p>}
          </>
        ) : (
          <p class="muted">{recent.loading ? 'Loading…' : 'No scores in this range.'}</p>
        )}
      </section>
      <Loaded state={list}>
        {(data) => (
          <>
            <table class="list scores">
              <thead>
                <tr>
                  <th>time</th>
                  <th>scorer</th>
                  <th>score</th>
                  <th>reason</th>
                  <th>source</th>
                  <th>trace</th>
                </tr>
              </thead>
              <tbody>
                {data.scores.map((score) => (
                  <tr key={score.scoreId}>
                    <td class="nowrap">{localTime(score.timeUnixNano)}</td>
                    <td>{score.scorerName ?? score.scorerId}</td>
                    <td class="number">{score.score}</td>
                    <td>{score.reason ?? ''}</td>
                    <td>{score.source}</td>
                    <td>
                      {score.traceId && (
                        <a class="trace-link" href={href(['trace', score.traceId], { span: score.spanId })}>
                          {score.traceId.slice(0, 12)}…
                        </a>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.scores.length === 0 && <p class="muted">No scores match.</p>}
            <Pager {...data.pagination} onPage={(next) => set({ page: String(next) })} />
          </>
        )}
      </Loaded>
    </section>
  );
}
