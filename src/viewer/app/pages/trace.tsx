import { useEffect, useMemo, useState } from 'preact/hooks';
import type { TraceView } from '../../../api/schemas';
import type { FeedbackRecord, LogRecord, ScoreRecord, SpanRecord } from '../../../records/types';
import { api, ApiRequestError } from '../api';
import { AttributeTable, ConversationView, Failure, JsonTree, Loaded, VirtualRows, useAsync } from '../components';
import { conversationOf, type Message } from '../conversation';
import { formatCost } from '../../../records/primitives';
import { duration, isoNanos, localTime, plainJson, tokens, unwrapJson } from '../format';
import { href, navigate, type Route } from '../router';
import { axisTicks, layoutWaterfall, spanTypeColour, type WaterfallRow } from '../waterfall';
import { SpanTypeChip } from './traces';

const ROW_HEIGHT = 26;

/** Scores and feedback by the span they judge; the trace's own under `null`. */
function byTarget<R extends { spanId: string | null }>(records: readonly R[]): Map<string | null, R[]> {
  const map = new Map<string | null, R[]>();
  for (const record of records) {
    const list = map.get(record.spanId) ?? [];
    list.push(record);
    map.set(record.spanId, list);
  }
  return map;
}

function ScoreList({ scores }: { scores: ScoreRecord[] }) {
  if (scores.length === 0) return null;
  return (
    <ul class="judgements scores">
      {scores.map((score) => (
        <li key={score.scoreId} class="score" data-scorer={score.scorerId}>
          <strong>{score.scorerName ?? score.scorerId}</strong> = {score.score}
          {score.reason && <span class="muted"> — {score.reason}</span>} <span class="muted">({score.source})</span>
        </li>
      ))}
    </ul>
  );
}

function FeedbackList({ feedback }: { feedback: FeedbackRecord[] }) {
  if (feedback.length === 0) return null;
  return (
    <ul class="judgements feedback">
      {feedback.map((item) => (
        <li key={item.feedbackId} class="feedback-item" data-feedback-type={item.feedbackType}>
          <strong>{item.feedbackType}</strong> = {String(item.value)}
          {item.userId && <span> from {item.userId}</span>}
          {item.comment && <span class="muted"> — {item.comment}</span>} <span class="muted">({item.source})</span>
        </li>
      ))}
    </ul>
  );
}

/** Thumbs up or down, with a comment, on the span (or the whole trace), through `POST /v1/feedback`. */
function FeedbackForm({
  traceId,
  spanId,
  onRecorded,
}: {
  traceId: string;
  spanId: string | null;
  onRecorded: () => void;
}) {
  const [comment, setComment] = useState('');
  const [state, setState] = useState<{ busy: boolean; error: string | null; done: string | null }>({
    busy: false,
    error: null,
    done: null,
  });
  const send = async (value: number) => {
    setState({ busy: true, error: null, done: null });
    try {
      await api.recordFeedback({
        traceId,
        ...(spanId ? { spanId } : {}),
        feedbackType: 'thumbs',
        value,
        source: 'viewer',
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      setComment('');
      setState({ busy: false, error: null, done: `Recorded: thumbs ${value > 0 ? 'up' : 'down'}` });
      onRecorded();
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error.message : String(error), done: null });
    }
  };
  return (
    <form class="feedback-form" onSubmit={(event) => event.preventDefault()}>
      <span>Feedback on {spanId ? 'this span' : 'the trace'}:</span>
      <input
        type="text"
        name="comment"
        placeholder="comment (optional)"
        value={comment}
        onInput={(event) => setComment(event.currentTarget.value)}
      />
      <button type="button" name="thumbs-up" disabled={state.busy} onClick={() => void send(1)} title="thumbs up">
        ▲ good
      </button>
      <button type="button" name="thumbs-down" disabled={state.busy} onClick={() => void send(-1)} title="thumbs down">
        ▼ bad
      </button>
      {state.done && <span class="ok">{state.done}</span>}
      {state.error && (
        <span class="failure" role="alert">
          {state.error}
        </span>
      )}
    </form>
  );
}

function TimeAxis({ totalNano }: { totalNano: number }) {
  return (
    <div class="axis">
      <div class="axis-name">span</div>
      <div class="axis-track">
        {axisTicks(totalNano).map((tick) => (
          <span key={tick.offsetNano} class="tick" style={{ left: `${tick.fraction * 100}%` }}>
            {duration(Math.round(tick.offsetNano))}
          </span>
        ))}
      </div>
    </div>
  );
}

function WaterfallLine({
  row,
  selected,
  collapsed,
  judged,
  onSelect,
  onToggle,
}: {
  row: WaterfallRow<SpanRecord>;
  selected: boolean;
  collapsed: boolean;
  judged: { scores: number; feedback: number };
  onSelect: () => void;
  onToggle: () => void;
}) {
  const { span } = row;
  const colour = spanTypeColour(span.spanType);
  const failed = span.statusCode === 'error' || span.error !== null;
  return (
    <div
      class={`span-row ${selected ? 'selected' : ''} ${failed ? 'has-error' : ''} ${span.running ? 'running' : ''}`}
      data-span-id={span.spanId}
      data-depth={row.depth}
      role="row"
      aria-selected={selected}
      onClick={onSelect}
    >
      <div class="span-name" style={{ paddingLeft: `${row.depth * 14 + 4}px` }} title={span.name}>
        {row.descendants > 0 ? (
          <button
            type="button"
            class="toggle"
            aria-label={collapsed ? 'expand' : 'collapse'}
            onClick={(event) => {
              event.stopPropagation();
              onToggle();
            }}
          >
            {collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span class="toggle" />
        )}
        <span class="type-dot" style={{ background: colour }} title={span.spanType} />
        {failed && (
          <span class="error-mark" title={span.error?.message ?? span.statusMessage}>
            !
          </span>
        )}
        <span class="name">{span.name}</span>
        {row.orphan && (
          <span class="badge warn" title="Its parent span is not stored">
            parent missing
          </span>
        )}
        {collapsed && <span class="muted"> +{row.descendants}</span>}
        {judged.scores > 0 && (
          <span class="badge" title="scores">
            ★{judged.scores}
          </span>
        )}
        {judged.feedback > 0 && (
          <span class="badge" title="feedback">
            ✎{judged.feedback}
          </span>
        )}
      </div>
      <div class="span-track">
        <div
          class="bar"
          style={{
            left: `${row.offset * 100}%`,
            width: `max(2px, ${row.width * 100}%)`,
            background: failed ? '#dc2626' : colour,
          }}
        />
        <span class="bar-label" style={{ left: `${(row.offset + row.width) * 100}%` }}>
          {span.running ? 'running' : duration(span.durationNano)}
        </span>
      </div>
    </div>
  );
}

function Payload({
  title,
  messages,
  value,
}: {
  title: string;
  messages: Message[] | null;
  value: SpanRecord['input'];
}) {
  if (value === null && messages === null) return null;
  return (
    <section class={`payload payload-${title}`}>
      <h3>{title}</h3>
      {messages ? <ConversationView messages={messages} /> : <JsonTree value={unwrapJson(plainJson(value))} />}
    </section>
  );
}

function LinkedTrace({ traceId, spanId }: { traceId: string; spanId: string }) {
  const stored = useAsync(() => api.hasTrace(traceId), [traceId]);
  if (stored.data)
    return (
      <a class="trace-link" href={href(['trace', traceId], { span: spanId })}>
        {traceId} / {spanId}
      </a>
    );
  return (
    <span title="This trace is not stored here">
      {traceId} / {spanId} <span class="muted">{stored.loading ? '…' : '(not stored)'}</span>
    </span>
  );
}

function SpanDetails({
  span,
  trace,
  scores,
  feedback,
  onRecorded,
}: {
  span: SpanRecord;
  trace: TraceView;
  scores: ScoreRecord[];
  feedback: FeedbackRecord[];
  onRecorded: () => void;
}) {
  const conversation = useMemo(() => conversationOf(span), [span]);
  const hasModel =
    span.model !== null || span.provider !== null || span.totalTokens !== null || span.totalCost !== null;
  return (
    <aside class="details" aria-label="span details">
      <h2>
        <SpanTypeChip type={span.spanType} /> {span.name}
      </h2>
      <dl class="facts">
        <dt>span</dt>
        <dd>
          <code>{span.spanId}</code> {span.parentSpanId && <span class="muted">parent {span.parentSpanId}</span>}
        </dd>
        <dt>kind</dt>
        <dd>{span.kind}</dd>
        <dt>start</dt>
        <dd>
          <code class="nanos">{isoNanos(span.startTimeUnixNano)}</code>
        </dd>
        <dt>end</dt>
        <dd>
          <code class="nanos">{isoNanos(span.endTimeUnixNano)}</code>
        </dd>
        <dt>duration</dt>
        <dd>
          {span.running ? 'running' : duration(span.durationNano)}{' '}
          <span class="muted">({String(span.durationNano)} ns)</span>
        </dd>
        <dt>status</dt>
        <dd class={`status status-${span.statusCode}`}>
          {span.statusCode}
          {span.statusMessage && `: ${span.statusMessage}`}
        </dd>
        <dt>service</dt>
        <dd>{span.serviceName}</dd>
        {span.entityName && (
          <>
            <dt>entity</dt>
            <dd>
              {span.entityType ?? ''} {span.entityName}
            </dd>
          </>
        )}
      </dl>
      {span.error && (
        <section class="error-box" role="alert">
          <strong>{span.error.type ?? 'error'}</strong>: {span.error.message}
          {span.error.stack && <pre>{span.error.stack}</pre>}
        </section>
      )}
      {hasModel && (
        <section class="model">
          <h3>model</h3>
          <dl class="facts">
            <dt>model</dt>
            <dd class="model-name">{span.model ?? '—'}</dd>
            <dt>provider</dt>
            <dd>{span.provider ?? '—'}</dd>
            <dt>tokens</dt>
            <dd class="tokens">{tokens(span.inputTokens, span.outputTokens, span.totalTokens) || '—'}</dd>
            <dt>cost</dt>
            <dd class="cost">
              {span.totalCost === null
                ? '—'
                : `${formatCost(span.totalCost)} (in ${formatCost(span.inputCost) || '—'}, out ${formatCost(span.outputCost) || '—'})`}
              {span.costSource && <span class="muted"> {span.costSource}</span>}
            </dd>
          </dl>
        </section>
      )}
      <Payload title="input" messages={conversation.input} value={span.input} />
      <Payload title="output" messages={conversation.output} value={span.output} />
      {(scores.length > 0 || feedback.length > 0) && (
        <section class="span-judgements">
          <h3>scores and feedback</h3>
          <ScoreList scores={scores} />
          <FeedbackList feedback={feedback} />
        </section>
      )}
      <FeedbackForm traceId={trace.traceId} spanId={span.spanId} onRecorded={onRecorded} />
      <section>
        <h3>attributes</h3>
        <AttributeTable attributes={span.attributes} />
      </section>
      {Object.keys(span.metadata).length > 0 && (
        <section>
          <h3>metadata</h3>
          <AttributeTable attributes={span.metadata} />
        </section>
      )}
      {span.tags.length > 0 && (
        <p>
          tags:{' '}
          {span.tags.map((tag) => (
            <span key={tag} class="badge">
              {tag}
            </span>
          ))}
        </p>
      )}
      <section>
        <h3>events</h3>
        {span.events.length === 0 && <p class="muted">none</p>}
        <ol class="events">
          {span.events.map((event, index) => (
            <li key={index}>
              <strong>{event.name}</strong>{' '}
              <span class="muted">+{duration(event.timeUnixNano - span.startTimeUnixNano)}</span>{' '}
              <code class="nanos">{isoNanos(event.timeUnixNano)}</code>
              <AttributeTable attributes={event.attributes} empty="" />
            </li>
          ))}
        </ol>
      </section>
      <section>
        <h3>links</h3>
        {span.links.length === 0 && <p class="muted">none</p>}
        <ul class="links">
          {span.links.map((link, index) => (
            <li key={index}>
              <LinkedTrace traceId={link.traceId} spanId={link.spanId} />
              <AttributeTable attributes={link.attributes} empty="" />
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h3>resource</h3>
        <AttributeTable attributes={span.resource.attributes} />
        <p class="muted">
          scope {span.scope.name} {span.scope.version}
        </p>
      </section>
    </aside>
  );
}

function TraceLogs({
  logs,
  spans,
  startUnixNano,
  selected,
  onSelect,
}: {
  logs: LogRecord[];
  spans: Map<string, SpanRecord>;
  startUnixNano: bigint;
  selected: string | null;
  onSelect: (spanId: string) => void;
}) {
  return (
    <section class="trace-logs">
      <h2>Logs ({logs.length})</h2>
      {logs.length === 0 && <p class="muted">No logs name this trace.</p>}
      <table class="list logs">
        <tbody>
          {logs.map((log, index) => {
            const span = log.spanId ? spans.get(log.spanId) : undefined;
            return (
              <tr
                key={index}
                class={`level-${log.level} ${log.spanId !== null && log.spanId === selected ? 'selected' : ''}`}
                data-span-id={log.spanId ?? ''}
              >
                <td class="nowrap muted">+{duration(log.timeUnixNano - startUnixNano)}</td>
                <td>
                  <span class={`level level-${log.level}`}>{log.level}</span>
                </td>
                <td class="message">{log.message || log.eventName}</td>
                <td>
                  {span ? (
                    <button type="button" class="link span-marker" onClick={() => onSelect(span.spanId)}>
                      {span.name}
                    </button>
                  ) : (
                    log.spanId && <span class="muted">{log.spanId}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function TraceBody({ trace, route, reload }: { trace: TraceView; route: Route; reload: () => void }) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const selectedId = route.query.get('span');
  const layout = useMemo(() => layoutWaterfall(trace.spans, collapsed), [trace.spans, collapsed]);
  const spans = useMemo(() => new Map(trace.spans.map((span) => [span.spanId, span])), [trace.spans]);
  const scores = useMemo(() => byTarget(trace.scores), [trace.scores]);
  const feedback = useMemo(() => byTarget(trace.feedback), [trace.feedback]);
  const selected = selectedId ? (spans.get(selectedId) ?? null) : null;
  const select = (spanId: string) => navigate(['trace', trace.traceId], { span: spanId });
  const total = Number(layout.endUnixNano - layout.startUnixNano);
  const roots = trace.spans.filter((span) => span.parentSpanId === null);
  const root = roots[0] ?? layout.rows[0]?.span ?? null;
  const errors = trace.spans.filter((span) => span.statusCode === 'error' || span.error !== null).length;
  const selectedIndex = selected ? layout.rows.findIndex((row) => row.span.spanId === selected.spanId) : -1;
  const toggle = (spanId: string) =>
    setCollapsed((previous) => {
      const next = new Set(previous);
      if (!next.delete(spanId)) next.add(spanId);
      return next;
    });
  return (
    <>
      <header class="trace-header">
        <h1>
          {root?.name ?? 'trace'} <code class="muted">{trace.traceId}</code>
        </h1>
        <p>
          {root && `${root.serviceName} · ${localTime(layout.startUnixNano)} · `}
          {duration(total)} · {trace.spans.length} spans
          {errors > 0 && (
            <span class="badge error">
              {errors} error{errors > 1 ? 's' : ''}
            </span>
          )}
          {roots.length === 0 && <span class="badge warn">no root span stored</span>}
          {root?.sessionId && (
            <>
              {' · '}
              <a href={href(['session', 'session', root.sessionId])}>session {root.sessionId}</a>
            </>
          )}
          {root?.threadId && (
            <>
              {' · '}
              <a href={href(['session', 'thread', root.threadId])}>thread {root.threadId}</a>
            </>
          )}
        </p>
        <div class="trace-judgements">
          <ScoreList scores={scores.get(null) ?? []} />
          <FeedbackList feedback={feedback.get(null) ?? []} />
        </div>
        <FeedbackForm traceId={trace.traceId} spanId={null} onRecorded={reload} />
      </header>
      <div class="trace-layout">
        <div class="waterfall" role="grid" aria-label="waterfall" aria-rowcount={layout.rows.length}>
          <TimeAxis totalNano={total} />
          <VirtualRows
            class="waterfall-rows"
            count={layout.rows.length}
            rowHeight={ROW_HEIGHT}
            scrollToIndex={selectedIndex}
            render={(index) => {
              const row = layout.rows[index]!;
              const id = row.span.spanId;
              return (
                <WaterfallLine
                  row={row}
                  selected={id === selectedId}
                  collapsed={collapsed.has(id)}
                  judged={{ scores: scores.get(id)?.length ?? 0, feedback: feedback.get(id)?.length ?? 0 }}
                  onSelect={() => select(id)}
                  onToggle={() => toggle(id)}
                />
              );
            }}
          />
        </div>
        {selected ? (
          <SpanDetails
            span={selected}
            trace={trace}
            scores={scores.get(selected.spanId) ?? []}
            feedback={feedback.get(selected.spanId) ?? []}
            onRecorded={reload}
          />
        ) : (
          <aside class="details muted">Select a span to see its details.</aside>
        )}
      </div>
      <TraceLogs
        logs={trace.logs}
        spans={spans}
        startUnixNano={layout.startUnixNano}
        selected={selectedId}
        onSelect={select}
      />
    </>
  );
}

export function TracePage({ route }: { route: Route }) {
  const traceId = route.path[1] ?? '';
  const trace = useAsync(() => api.trace(traceId), [traceId]);
  useEffect(() => {
    document.title = `trace ${traceId} · otel-bridge`;
  }, [traceId]);
  if (trace.error instanceof ApiRequestError && trace.error.status === 404)
    return <Failure error={new Error(`No span of trace ${traceId} is stored.`)} />;
  return <Loaded state={trace}>{(data) => <TraceBody trace={data} route={route} reload={trace.reload} />}</Loaded>;
}
