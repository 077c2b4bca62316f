import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { AttributeMap, AttributeValue } from '../../records/types';
import type { Message, Part } from './conversation';
import { typedText, valueType } from './format';

/** The state of a read: what it answered, or why it failed. `reload` reads again. */
export interface Async<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `read` whenever `deps` change; a late answer of an older read is dropped. */
export function useAsync<T>(read: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [round, bump] = useReducer((count: number) => count + 1, 0);
  const reload = useCallback(() => bump(undefined), []);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    read().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        current &&
        setState({ data: null, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  return { ...state, reload };
}

export function Failure({ error }: { error: Error }) {
  return (
    <p class="failure" role="alert">
      {error.message}
    </p>
  );
}

/** What a read shows: its failure, a loading line, or `children(data)`. */
export function Loaded<T>({ state, children }: { state: Async<T>; children: (data: T) => ComponentChildren }) {
  if (state.error) return <Failure error={state.error} />;
  if (state.data === null) return <p class="muted">Loading…</p>;
  return <>{children(state.data)}</>;
}

/** A typed value with its type as a badge: `200 int`, `"200" string`, `200.0 double`. */
export function TypedValue({ value }: { value: AttributeValue }) {
  const type = valueType(value);
  if (type === 'array' || type === 'map')
    return (
      <span class="typed">
        <span class="type-badge">{type}</span>
        <JsonTree value={value} depth={1} />
      </span>
    );
  return (
    <span class={`typed value-${type}`}>
      <code>{typedText(value)}</code>
      <span class="type-badge">{type}</span>
    </span>
  );
}

export function AttributeTable({ attributes, empty = 'none' }: { attributes: AttributeMap; empty?: string }) {
  const keys = Object.keys(attributes).sort();
  if (keys.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table class="attributes">
      <tbody>
        {keys.map((key) => (
          <tr key={key}>
            <th>{key}</th>
            <td>
              <TypedValue value={attributes[key]!} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Typed JSON as a foldable tree: objects and arrays open to `openDepth` levels. */
export function JsonTree({ value, depth = 0, openDepth = 2 }: { value: unknown; depth?: number; openDepth?: number }) {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object')
    return <code class={`json-${valueType(value as AttributeValue)}`}>{typedText(value as AttributeValue)}</code>;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value as Record<string, unknown>);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  if (entries.length === 0) return <code>{Array.isArray(value) ? '[]' : '{}'}</code>;
  return (
    <details class="json" open={depth < openDepth}>
      <summary>{summary}</summary>
      <ul>
        {entries.map(([key, item]) => (
          <li key={key}>
            <span class="json-key">{key}</span>: <JsonTree value={item} depth={depth + 1} openDepth={openDepth} />
          </li>
        ))}
      </ul>
    </details>
  );
}

function PartView({ part }: { part: Part }) {
  switch (part.kind) {
    case 'text':
      return <div class="part-text">{part.text}</div>;
    case 'tool_call':
      return (
        <div class="part-tool-call">
          <span class="part-label">tool call</span> <strong>{part.name}</strong>
          {part.id && <span class="muted"> {part.id}</span>}
          <JsonTree value={part.arguments} />
        </div>
      );
    case 'tool_result':
      return (
        <div class="part-tool-result">
          <span class="part-label">tool result</span> {part.name && <strong>{part.name}</strong>}
          {part.id && <span class="muted"> {part.id}</span>}
          <JsonTree value={part.result} />
        </div>
      );
    case 'other':
      return <JsonTree value={part.value} />;
  }
}

/** Messages as a conversation: one bubble per message, by role. */
export function ConversationView({ messages }: { messages: Message[] }) {
  return (
    <ol class="conversation">
      {messages.map((message, index) => (
        <li key={index} class={`message role-${message.role.replace(/[^a-z_-]/gi, '')}`} data-role={message.role}>
          <div class="role">{message.role}</div>
          {message.parts.map((part, at) => (
            <PartView key={at} part={part} />
          ))}
        </li>
      ))}
    </ol>
  );
}

/**
 * A virtualised list: only the rows in view (and a few beyond) are in the DOM, so that thousands
 * scroll as smoothly as ten. Rows have one fixed height.
 */
export function VirtualRows({
  count,
  rowHeight,
  render,
  class: className,
  scrollToIndex,
}: {
  count: number;
  rowHeight: number;
  render: (index: number) => ComponentChildren;
  class?: string;
  scrollToIndex?: number | null;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const options = {
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 10,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    onChange: () => rerender(undefined),
  };
  const [virtualizer] = useState(() => new Virtualizer<HTMLDivElement, HTMLDivElement>(options));
  virtualizer.setOptions(options);
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => virtualizer._willUpdate());
  useEffect(() => {
    if (scrollToIndex !== null && scrollToIndex !== undefined && scrollToIndex >= 0)
      virtualizer.scrollToIndex(scrollToIndex, { align: 'auto' });
  }, [scrollToIndex, virtualizer]);
  return (
    <div ref={scroller} class={`virtual ${className ?? ''}`}>
      <div style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            style={{
              position: 'absolute',
              top: 0,
              left: 0,
              right: 0,
              height: `${rowHeight}px`,
              transform: `translateY(${item.start}px)`,
            }}
          >
            {render(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}

export interface ChartSeries {
  label: string;
  /** One value per x, `null` where the series has none. */
  values: (number | null)[];
}

const PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#7c3aed', '#db2777', '#0d9488', '#ca8a04', '#4b5563'];

/**
 * A uPlot chart: time series as lines (x in seconds since the epoch), or a distribution as bars
 * (x the bucket index, labelled by `categories`).
 */
export function Chart({
  x,
  series,
  bars = false,
  categories,
  height = 280,
  label,
}: {
  x: number[];
  series: ChartSeries[];
  bars?: boolean;
  categories?: string[];
  height?: number;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = () => Math.max(320, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height,
        scales: { x: { time: !bars } },
        axes: bars ? [{ values: (_, ticks) => ticks.map((tick) => categories?.[tick] ?? '') }, {}] : [{}, {}],
        series: [
          {},
          ...series.map((item, index) => ({
            label: item.label,
            stroke: PALETTE[index % PALETTE.length],
            fill: bars ? `${PALETTE[index % PALETTE.length]}99` : undefined,
            width: bars ? 0 : 2,
            points: { show: x.length < 60 },
            spanGaps: !bars,
            ...(bars ? { paths: uPlot.paths.bars!({ size: [0.8, 80] }) } : {}),
          })),
        ],
      },
      [x, ...series.map((item) => item.values)],
      element,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [x, series, bars, categories, height]);
  return <div ref={box} class="chart" role="img" aria-label={label} />;
}

/** The time ranges a filter offers, newest last; `custom` shows two inputs. */
export const RANGES: [string, string, number | null][] = [
  ['15m', 'last 15 minutes', 15 * 60],
  ['1h', 'last hour', 3600],
  ['6h', 'last 6 hours', 6 * 3600],
  ['24h', 'last 24 hours', 24 * 3600],
  ['7d', 'last 7 days', 7 * 24 * 3600],
  ['all', 'all time', null],
  ['custom', 'between…', null],
];

/** `from` and `to` parameters of a range choice (`range`, and `from`/`to` as local times when custom). */
export function rangeQuery(
  range: string | null,
  from: string | null,
  to: string | null,
): { from?: string; to?: string } {
  const preset = RANGES.find(([key]) => key === range);
  if (preset && preset[2] !== null) return { from: new Date(Date.now() - preset[2] * 1000).toISOString() };
  if (range === 'custom') {
    const out: { from?: string; to?: string } = {};
    if (from) out.from = new Date(from).toISOString();
    if (to) out.to = new Date(to).toISOString();
    return out;
  }
  return {};
}

export function RangePicker({
  range,
  from,
  to,
  onChange,
}: {
  range: string;
  from: string;
  to: string;
  onChange: (next: { range: string; from: string; to: string }) => void;
}) {
  return (
    <span class="range">
      <select
        aria-label="time range"
        value={range}
        onChange={(event) => onChange({ range: event.currentTarget.value, from, to })}
      >
        {RANGES.map(([key, text]) => (
          <option key={key} value={key}>
            {text}
          </option>
        ))}
      </select>
      {range === 'custom' && (
        <>
          <input
            type="datetime-local"
            step="1"
            aria-label="from"
            value={from}
            onChange={(event) => onChange({ range, from: event.currentTarget.value, to })}
          />
          <input
            type="datetime-local"
            step="1"
            aria-label="to"
            value={to}
            onChange={(event) => onChange({ range, from, to: event.currentTarget.value })}
          />
        </>
      )}
    </span>
  );
}

/** Previous and next, with where the page is. */
export function Pager({
  page,
  perPage,
  total,
  totalExact,
  hasMore,
  onPage,
}: {
  page: number;
  perPage: number;
  total: number;
  /** False when `total` is the store's cap: more match than it counts. */
  totalExact: boolean;
  hasMore: boolean;
  onPage: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return (
    <nav class="pager" aria-label="pages">
      <button type="button" disabled={page === 0} onClick={() => onPage(page - 1)}>
        ← newer
      </button>
      <span>
        page {page + 1} of {totalExact ? pages : `${pages}+`} · {totalExact ? total : `${total}+`} in all
      </span>
      <button type="button" disabled={!hasMore} onClick={() => onPage(page + 1)}>
        older →
      </button>
    </nav>
  );
}

/** A filter form's text input that applies on Enter or when it loses focus, not on every key. */
export function FilterInput({
  label,
  value,
  onApply,
  placeholder,
}: {
  label: string;
  value: string;
  onApply: (value: string) => void;
  placeholder?: string;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const apply = useCallback(() => draft !== value && onApply(draft.trim()), [draft, value, onApply]);
  return (
    <label class="filter">
      <span>{label}</span>
      <input
        type="search"
        name={label}
        value={draft}
        placeholder={placeholder}
        onInput={(event) => setDraft(event.currentTarget.value)}
        onKeyDown={(event) => event.key === 'Enter' && apply()}
        onBlur={apply}
      />
    </label>
  );
}

/** One choice of a select: a value, shown as itself unless it has a text of its own. */
export type SelectOption = string | { value: string; text: string };

/**
 * A filter's select box. `blank`, when given, is the text of an empty first choice that means no
 * filter ("all", "nothing").
 */
export function FilterSelect({
  label,
  name,
  value,
  options,
  blank,
  onChange,
}: {
  label: string;
  name: string;
  value: string;
  options: readonly SelectOption[];
  blank?: string;
  onChange: (value: string) => void;
}) {
  return (
    <label class="filter">
      <span>{label}</span>
      <select name={name} value={value} onChange={(event) => onChange(event.currentTarget.value)}>
        {blank !== undefined && <option value="">{blank}</option>}
        {options.map((option) =>
          typeof option === 'string' ? (
            <option key={option} value={option}>
              {option}
            </option>
          ) : (
            <option key={option.value} value={option.value}>
              {option.text}
            </option>
          ),
        )}
      </select>
    </label>
  );
}
