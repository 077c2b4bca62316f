import { LOG_LEVELS } from '../../../records/types';
import { api } from '../api';
import { FilterInput, FilterSelect, Loaded, Pager, RangePicker, rangeQuery, useAsync } from '../components';
import { localTime } from '../format';
import { href, navigate, type Route } from '../router';

const PER_PAGE = 100;

export function LogsPage({ route }: { route: Route }) {
  const get = (key: string) => route.query.get(key) ?? '';
  const levels = route.query.getAll('level');
  const page = Number(get('page')) || 0;
  const current = {
    search: get('search'),
    service: get('service'),
    range: get('range'),
    from: get('from'),
    to: get('to'),
    level: levels,
  };
  const set = (changes: Partial<typeof current>) => navigate(['logs'], { ...current, ...changes });
  const services = useAsync(() => api.services(), []);
  const query = {
    search: current.search,
    service: current.service,
    level: levels,
    page: String(page),
    perPage: String(PER_PAGE),
    ...rangeQuery(current.range || 'all', current.from, current.to),
  };
  const logs = useAsync(
    () => api.logs(query),
    [JSON.stringify({ ...query, from: current.range === 'custom' ? query.from : current.range })],
  );
  return (
    <section>
      <h1>Logs</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <FilterInput label="search" value={current.search} onApply={(search) => set({ search })} />
        <FilterSelect
          label="service"
          name="service"
          value={current.service}
          options={services.data?.services ?? []}
          blank="all"
          onChange={(service) => set({ service })}
        />
        <fieldset class="filter levels">
          <legend>level</legend>
          {LOG_LEVELS.map((level) => (
            <label key={level} class="check">
              <input
                type="checkbox"
                name={`level-${level}`}
                checked={levels.includes(level)}
                onChange={(event) =>
                  set({
                    level: event.currentTarget.checked ? [...levels, level] : levels.filter((item) => item !== level),
                  })
                }
              />
              {level}
            </label>
          ))}
        </fieldset>
        <RangePicker
          range={current.range || 'all'}
          from={current.from}
          to={current.to}
          onChange={(range) => set(range)}
        />
      </form>
      <Loaded state={logs}>
        {(data) => (
          <>
            <table class="list logs">
              <thead>
                <tr>
                  <th>time</th>
                  <th>level</th>
                  <th>service</th>
                  <th>message</th>
                  <th>trace</th>
                </tr>
              </thead>
              <tbody>
                {data.logs.map((log, index) => (
                  <tr key={index} class={`level-${log.level}`}>
                    <td class="nowrap">{localTime(log.timeUnixNano)}</td>
                    <td>
                      <span class={`level level-${log.level}`}>{log.level}</span>
                    </td>
                    <td>{log.serviceName}</td>
                    <td class="message">{log.message}</td>
                    <td>
                      {log.traceId && (
                        <a class="trace-link" href={href(['trace', log.traceId], { span: log.spanId })}>
                          {log.traceId.slice(0, 12)}…
                        </a>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.logs.length === 0 && <p class="muted">No logs match.</p>}
            <Pager {...data.pagination} onPage={(next) => navigate(['logs'], { ...current, page: String(next) })} />
          </>
        )}
      </Loaded>
    </section>
  );
}
