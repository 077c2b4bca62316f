import { LISTS, SPEND_CODEC, readTraceView, spendQueryFrom } from '../api/reads';
import { DURATION, TRACE_PARAMS, parseDuration, parseQuery } from '../api/params';
import { TraceViewSchema } from '../api/schemas';
import { codecFor } from '../api/codec';
import { ConfigurationError } from '../errors';
import type { AttributeMap, AttributeValue, SpanRecord } from '../records/types';
import type { ObservabilityStore, Pagination, SpendQuery, SpendResult, TraceOrderBy } from '../storage/types';
import { wholeNumberSetting } from '../options';
import { formatCost, formatUnixNano } from '../records/primitives';
import { OPTIONS, storeFrom, type Settings } from './config';
import { formatDuration, renderTable } from './table';

const WHAT = ['traces', 'logs', 'scores', 'feedback', 'metrics', 'spend'] as const;
type What = (typeof WHAT)[number];

/**
 * A trace as an indented table, children under their parent, as `otel-bridge query traces --trace`
 * prints it. `spans` in start order, as `getTrace` returns them.
 *
 * @example
 * ```ts
 * console.log(formatTrace((await store.getTrace(traceId))!.spans));
 * ```
 */
export function formatTrace(spans: readonly SpanRecord[]): string {
  const depth = new Map<string, number>();
  const rows = spans.map((span) => {
    const level = span.parentSpanId === null ? 0 : (depth.get(span.parentSpanId) ?? 0) + 1;
    depth.set(span.spanId, level);
    return [
      `${'  '.repeat(level)}${span.name}`,
      span.spanType,
      formatDuration(span.durationNano),
      span.running ? 'running' : span.statusCode,
      span.model ?? '',
      span.totalTokens === null ? '' : String(span.totalTokens),
      formatCost(span.totalCost),
      span.error?.message ?? '',
    ];
  });
  return renderTable(['span', 'type', 'duration', 'status', 'model', 'tokens', 'cost', 'error'], rows, 60);
}

/** Attribute values as `String` writes them, except that a map shows its contents rather than `[object Object]`. */
function attributeTexts(map: AttributeMap): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, attributeText(value)]));
}

function attributeText(value: AttributeValue): string {
  // Joined as Array.prototype.join joins: a null element as nothing, nested arrays flattened.
  if (Array.isArray(value)) return value.map((item) => (item === null ? '' : attributeText(item))).join(',');
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return JSON.stringify(attributeTexts(value));
  }
  return String(value);
}

/** A list's total as the footer shows it: `10000+` when the store stopped counting at its cap. */
function formatTotal({ total, totalExact }: Pagination): string {
  return totalExact ? String(total) : `${total}+`;
}

/** An error of the API's query parser in the CLI's words: `--group-by` where the API says `parameter groupBy`. */
function asFlagError(error: unknown, flags: Readonly<Record<string, string>>): ConfigurationError {
  const message = error instanceof Error ? error.message : String(error);
  return new ConfigurationError(
    message.replace(/^parameter (\w+)/, (whole, name: string) => (flags[name] ? `--${flags[name]}` : whole)),
  );
}

/** `--order-by` and `--min-cost`, read by the API's own parameters so that both accept the same values. */
function traceOrderOf(settings: Settings): { orderBy?: TraceOrderBy; minCost?: number } {
  const params = new URLSearchParams();
  if (settings['order-by'] !== undefined) params.set('orderBy', settings['order-by']);
  if (settings['min-cost'] !== undefined) params.set('minCost', settings['min-cost']);
  try {
    return parseQuery(params, { orderBy: TRACE_PARAMS.orderBy!, minCost: TRACE_PARAMS.minCost! });
  } catch (error) {
    throw asFlagError(error, { orderBy: 'order-by', minCost: 'min-cost' });
  }
}

/**
 * `--limit`, `--trace`, `--service` and (for traces) `--name-contains`, `--min-cost`, `--any-error` and `--order-by`
 * as the arguments of a list.
 */
function listArgsOf(settings: Settings, what: Exclude<What, 'spend'>) {
  // A boolean flag left out reads false, a string flag undefined.
  const tracesOnly =
    (['name-contains', 'min-cost', 'order-by'] as const).find((flag) => settings[flag] !== undefined) ??
    (settings['any-error'] ? 'any-error' : undefined);
  if (tracesOnly !== undefined && what !== 'traces') throw new ConfigurationError(`--${tracesOnly} is for traces only`);
  const nameContains = settings['name-contains'];
  const { orderBy, minCost } = what === 'traces' ? traceOrderOf(settings) : {};
  return {
    perPage: wholeNumberSetting(settings, 'limit', 1) ?? OPTIONS.limit.default,
    ...(orderBy !== undefined ? { orderBy } : {}),
    filter: {
      ...(settings.trace ? { traceId: settings.trace } : {}),
      ...(settings.service ? { serviceName: settings.service } : {}),
      ...(nameContains !== undefined ? { nameContains } : {}),
      ...(minCost !== undefined ? { minCost } : {}),
      ...(settings['any-error'] ? { anyError: true } : {}),
    },
  };
}

/** The flags of `query spend` that are named otherwise as the API's parameters, or that it reports. */
const SPEND_FLAGS = { groupBy: 'group-by', traceId: 'trace', from: 'from', to: 'to', bucket: 'bucket' } as const;

/**
 * `query spend`'s flags as the query parameters of `GET /api/v1/spend`, so that both read them with
 * one parser: `--from` also takes a duration, meaning that long ago.
 */
function spendQueryOf(settings: Settings): SpendQuery {
  const { from, to, bucket, service, model, provider, trace } = settings;
  const since = from ?? OPTIONS.from.default;
  const params = new URLSearchParams({ bucket: bucket ?? OPTIONS.bucket.default });
  const optional = { to, service, model, provider, traceId: trace, groupBy: settings['group-by'] };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined) params.set(name, value);
  // A duration with its unit (24h) means that long ago; a bare number is nanoseconds, as in the API.
  if (DURATION.exec(since)?.[2] === undefined) params.set('from', since);
  else if (/^0+\D/.test(since))
    throw new ConfigurationError(`--from must be longer than zero, got ${JSON.stringify(since)}`);
  else params.set('from', String(BigInt(Date.now()) * 1_000_000n - parseDuration(since)));
  try {
    return spendQueryFrom(params);
  } catch (error) {
    throw asFlagError(error, SPEND_FLAGS);
  }
}

/** A spend aggregate as a table: one row per series and bucket, most expensive series first. */
export function formatSpend(result: SpendResult): string {
  const rows = result.series.flatMap((series) =>
    series.points.map((point) => [
      formatUnixNano(point.timeUnixNano),
      series.group ?? (result.groupBy === null ? 'all' : '(none)'),
      String(point.calls),
      String(point.unpricedCalls),
      point.totalTokens === null ? '' : String(point.totalTokens),
      formatCost(point.totalCost),
    ]),
  );
  const header = ['bucket', result.groupBy ?? 'group', 'calls', 'unpriced', 'tokens', 'cost'];
  const total =
    `${result.calls} model calls, ${result.unpricedCalls} without a known price, total ` +
    `${formatCost(result.totalCost) || 'unknown'}`;
  return `${renderTable(header, rows)}\n${total}`;
}

async function show(store: ObservabilityStore, what: What, settings: Settings): Promise<string> {
  if (what === 'spend') return formatSpend(await store.aggregateSpend(spendQueryOf(settings)));
  const args = listArgsOf(settings, what);
  const { perPage, filter } = args;
  switch (what) {
    case 'traces': {
      if (settings.trace) {
        const trace = await store.getTrace(settings.trace);
        return trace ? formatTrace(trace.spans) : `no trace ${settings.trace}`;
      }
      const { traces, pagination } = await store.listTraces(args);
      // A trace whose root was never received is listed by its earliest span, marked.
      const rows = traces.map((t) => [
        formatUnixNano(t.startTimeUnixNano),
        t.traceId,
        t.serviceName,
        t.hasRoot ? t.name : `${t.name} (no root)`,
        t.spanType,
        formatDuration(t.trace.durationNano),
        t.error ? 'error' : t.statusCode,
        String(t.trace.spanCount),
        formatCost(t.trace.cost),
        t.inputPreview ?? '',
      ]);
      const header = ['start', 'trace', 'service', 'root span', 'type', 'duration', 'status', 'spans', 'cost', 'input'];
      return `${renderTable(header, rows)}\n${traces.length} of ${formatTotal(pagination)}`;
    }
    case 'logs': {
      const { logs, pagination } = await store.listLogs({ perPage, filter });
      const rows = logs.map((log) => [
        formatUnixNano(log.timeUnixNano),
        log.level,
        log.serviceName,
        log.traceId ?? '',
        log.message,
      ]);
      return (
        `${renderTable(['time', 'level', 'service', 'trace', 'message'], rows, 80)}\n${logs.length} of ` +
        `${formatTotal(pagination)}`
      );
    }
    case 'scores': {
      const { scores, pagination } = await store.listScores({ perPage, filter });
      const rows = scores.map((score) => [
        formatUnixNano(score.timeUnixNano),
        score.scorerId,
        String(score.score),
        score.source,
        score.traceId ?? '',
        score.reason ?? '',
      ]);
      return (
        `${renderTable(['time', 'scorer', 'score', 'source', 'trace', 'reason'], rows)}\n${scores.length} of ` +
        `${formatTotal(pagination)}`
      );
    }
    case 'feedback': {
      const { feedback, pagination } = await store.listFeedback({ perPage, filter });
      const rows = feedback.map((item) => [
        formatUnixNano(item.timeUnixNano),
        item.feedbackType,
        String(item.value),
        item.userId ?? '',
        item.traceId ?? '',
        item.comment ?? '',
      ]);
      return (
        `${renderTable(['time', 'type', 'value', 'user', 'trace', 'comment'], rows)}\n${feedback.length} of ` +
        `${formatTotal(pagination)}`
      );
    }
    case 'metrics': {
      const { metrics, pagination } = await store.listMetrics({ perPage, filter });
      const rows = metrics.map((point) => [
        formatUnixNano(point.timeUnixNano),
        point.name,
        point.type,
        point.value !== null ? String(point.value) : `count=${point.count} sum=${point.sum}`,
        point.unit,
        JSON.stringify(attributeTexts(point.attributes)),
      ]);
      return (
        `${renderTable(['time', 'name', 'type', 'value', 'unit', 'attributes'], rows)}\n${metrics.length} of ` +
        `${formatTotal(pagination)}`
      );
    }
  }
}

const traceView = codecFor(TraceViewSchema);

/** What `GET /api/v1/traces/{id}` or the list route of `what` answers, as indented JSON. */
async function showJson(store: ObservabilityStore, what: What, settings: Settings): Promise<string> {
  let json: string;
  if (what === 'spend') {
    json = SPEND_CODEC.stringify(await store.aggregateSpend(spendQueryOf(settings)));
  } else if (what === 'traces' && settings.trace) {
    const view = await readTraceView(store, settings.trace);
    if (view === null) throw new ConfigurationError(`no trace ${settings.trace} is stored`);
    json = traceView.stringify(view);
  } else {
    const { read, codec } = LISTS[what] as (typeof LISTS)['logs'];
    json = codec.stringify(await read(store, listArgsOf(settings, what)));
  }
  // Strings keep every int64 exact, so parsing to indent loses nothing.
  return JSON.stringify(JSON.parse(json), null, 2);
}

/** `otel-bridge query <what>`: recent records from the store, as a table, or with `--json` as the API's JSON. */
export async function runQuery(settings: Settings, args: string[], print: (line: string) => void): Promise<void> {
  const what = args[0] as What | undefined;
  if (!what || !WHAT.includes(what)) throw new ConfigurationError(`query needs one of ${WHAT.join(', ')}`);
  const store = storeFrom(settings);
  try {
    await store.init();
    print(await (settings.json ? showJson : show)(store, what, settings));
  } finally {
    await store.close();
  }
}
