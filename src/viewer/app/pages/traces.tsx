import { useEffect, useRef, useState } from 'preact/hooks';
import { SPAN_TYPES, type SpanType } from '../../../records/types';
import { TRACE_ORDER_BYS, type TraceSummary } from '../../../storage/types';
import { api } from '../api';
import { FilterInput, FilterSelect, Failure, Pager, RangePicker, rangeQuery, useAsync } from '../components';
import { formatCost } from '../../../records/primitives';
import { duration, localTime } from '../format';
import { href, navigate, type Route } from '../router';
import { spanTypeColour } from '../waterfall';

/** The filters of the trace list, each one a parameter of the page's route. */
const FILTERS = [
  'service',
  'spanType',
  'errors',
  'range',
  'from',
  'to',
  'userId',
  'sessionId',
  'threadId',
  'tags',
  'name',
  'minCost',
  'orderBy',
  'page',
  'live',
] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const PER_PAGE = 50;
/** What the list can order by besides its start time (the default, left blank). */
const ORDERS = TRACE_ORDER_BYS.filter((orderBy) => orderBy !== 'startTime');
/** How often live mode asks for the newest traces. */
const LIVE_INTERVAL_MS = 2000;

function filtersOf(route: Route): Filters {
  return Object.fromEntries(FILTERS.map((key) => [key, route.query.get(key) ?? ''])) as Filters;
}

export function SpanTypeChip({ type }: { type: SpanType }) {
  return (
    <span class="chip" style={{ borderColor: spanTypeColour(type), color: spanTypeColour(type) }}>
      {type}
    </span>
  );
}

export function TraceRow({ trace, fresh }: { trace: TraceSummary; fresh: boolean }) {
  return (
    <tr class={`${trace.error ? 'has-error' : ''} ${fresh ? 'fresh' : ''}`} data-trace-id={trace.traceId}>
      <td class="nowrap">{localTime(trace.startTimeUnixNano)}</td>
      <td>{trace.serviceName}</td>
      <td>
        <a href={href(['trace', trace.traceId])}>{trace.name}</a>
        {!trace.hasRoot && (
          <span class="badge warn" title="The trace's root span is not stored: this is its earliest span">
            no root
          </span>
        )}
      </td>
      <td>
        <SpanTypeChip type={trace.spanType} />
      </td>
      <td class="number">{trace.running ? 'running' : duration(trace.trace.durationNano)}</td>
      <td class={`status status-${trace.statusCode}`}>
        {trace.error ? `error: ${trace.error.message}` : trace.statusCode}
      </td>
      <td class="number">{trace.trace.spanCount}</td>
      <td class="number">{trace.trace.totalTokens ?? ''}</td>
      <td class="number">{formatCost(trace.trace.cost)}</td>
      <td class="preview">{trace.inputPreview ?? ''}</td>
    </tr>
  );
}

export function TracesPage({ route }: { route: Route }) {
  const filters = filtersOf(route);
  const page = Number(filters.page) || 0;
  const live = filters.live === '1';
  const set = (changes: Partial<Filters>) => {
    const next = { ...filters, page: '', ...changes };
    navigate(['traces'], next);
  };
  const services = useAsync(() => api.services(), []);
  const query = {
    service: filters.service,
    spanType: filters.spanType,
    anyError: filters.errors === '1' ? 'true' : '',
    userId: filters.userId,
    sessionId: filters.sessionId,
    threadId: filters.threadId,
    tags: filters.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
    nameContains: filters.name,
    minCost: filters.minCost,
    orderBy: filters.orderBy,
    page: String(page),
    perPage: String(PER_PAGE),
    ...rangeQuery(filters.range || 'all', filters.from, filters.to),
  };
  const key = JSON.stringify({ ...query, from: filters.range === 'custom' ? query.from : filters.range });
  const list = useAsync(() => api.traces(query), [key]);
  // Live mode: read the newest page again every few seconds, and mark what was not there before.
  const seen = useRef<Set<string> | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => list.reload(), LIVE_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [live, key]);
  useEffect(() => {
    if (!list.data) return;
    const ids = list.data.traces.map((trace) => trace.traceId);
    if (seen.current && live) setFresh(new Set(ids.filter((id) => !seen.current!.has(id))));
    seen.current = new Set(ids);
  }, [list.data]);

  return (
    <section>
      <h1>Traces</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <FilterSelect
          label="service"
          name="service"
          value={filters.service}
          options={services.data?.services ?? []}
          blank="all"
          onChange={(service) => set({ service })}
        />
        <FilterSelect
          label="span type"
          name="spanType"
          value={filters.spanType}
          options={SPAN_TYPES}
          blank="all"
          onChange={(spanType) => set({ spanType })}
        />
        <FilterInput label="name contains" value={filters.name} onApply={(name) => set({ name })} />
        <FilterInput label="user" value={filters.userId} onApply={(userId) => set({ userId })} />
        <FilterInput label="session" value={filters.sessionId} onApply={(sessionId) => set({ sessionId })} />
        <FilterInput label="thread" value={filters.threadId} onApply={(threadId) => set({ threadId })} />
        <FilterInput label="tags" value={filters.tags} placeholder="a, b" onApply={(tags) => set({ tags })} />
        <FilterInput
          label="min cost"
          value={filters.minCost}
          placeholder="USD"
          onApply={(minCost) => set({ minCost })}
        />
        <FilterSelect
          label="order by"
          name="orderBy"
          value={filters.orderBy}
          options={ORDERS}
          blank="start"
          onChange={(orderBy) => set({ orderBy })}
        />
        <label class="filter check">
          <input
            type="checkbox"
            name="errors"
            checked={filters.errors === '1'}
            onChange={(event) => set({ errors: event.currentTarget.checked ? '1' : '' })}
          />
          <span>errors only</span>
        </label>
        <RangePicker
          range={filters.range || 'all'}
          from={filters.from}
          to={filters.to}
          onChange={(range) => set(range)}
        />
        <label class="filter check">
          <input
            type="checkbox"
            name="live"
            checked={live}
            onChange={(event) => set({ live: event.currentTarget.checked ? '1' : '' })}
          />
          <span>live</span>
        </label>
      </form>
      {list.error && <Failure error={list.error} />}
      {list.data && (
        <>
          <table class="list traces">
            <thead>
              <tr>
                <th>start</th>
                <th>service</th>
                <th>root</th>
                <th>type</th>
                <th>duration</th>
                <th>status</th>
                <th>spans</th>
                <th>tokens</th>
                <th>cost</th>
                <th>input</th>
              </tr>
            </thead>
            <tbody>
              {list.data.traces.map((trace) => (
                <TraceRow key={trace.traceId} trace={trace} fresh={fresh.has(trace.traceId)} />
              ))}
            </tbody>
          </table>
          {list.data.traces.length === 0 && <p class="muted">No traces match.</p>}
          <Pager {...list.data.pagination} onPage={(next) => set({ page: String(next), live: '' })} />
        </>
      )}
      {!list.data && !list.error && <p class="muted">Loading…</p>}
    </section>
  );
}
