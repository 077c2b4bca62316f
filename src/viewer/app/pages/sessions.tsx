import type { TraceView } from '../../../api/schemas';
import type { SpanRecord } from '../../../records/types';
import type { TraceSummary } from '../../../storage/types';
import { api } from '../api';
import { ConversationView, FilterInput, JsonTree, Loaded, useAsync } from '../components';
import { conversationOf, type Message } from '../conversation';
import { localTime, plainJson, unwrapJson } from '../format';
import { href, navigate, type Route } from '../router';

/** How many of the newest traces the sessions index reads for its session and thread ids. */
const INDEX_TRACES = 500;
/** The turns of one conversation shown at most: each is one trace read. */
const MAX_TURNS = 200;
/** Traces read at once when a conversation is opened. */
const CONCURRENT_READS = 4;

type Kind = 'session' | 'thread';
const FIELD: Record<Kind, 'sessionId' | 'threadId'> = { session: 'sessionId', thread: 'threadId' };

interface Group {
  kind: Kind;
  id: string;
  traces: TraceSummary[];
}

function groupsOf(traces: TraceSummary[]): Group[] {
  const groups = new Map<string, Group>();
  for (const trace of traces) {
    for (const kind of ['session', 'thread'] as const) {
      const id = trace[FIELD[kind]];
      if (id === null) continue;
      const key = `${kind}\u0000${id}`;
      const group = groups.get(key) ?? { kind, id, traces: [] };
      group.traces.push(trace);
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

export function SessionsPage() {
  const recent = useAsync(() => api.traces({ perPage: String(INDEX_TRACES) }), []);
  return (
    <section>
      <h1>Sessions</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <FilterInput label="open session" value="" onApply={(id) => id && navigate(['session', 'session', id])} />
        <FilterInput label="open thread" value="" onApply={(id) => id && navigate(['session', 'thread', id])} />
      </form>
      <p class="muted">The sessions and threads of the newest {INDEX_TRACES} traces.</p>
      <Loaded state={recent}>
        {(data) => {
          const groups = groupsOf(data.traces);
          if (groups.length === 0) return <p class="muted">No recent trace names a session or a thread.</p>;
          return (
            <table class="list sessions">
              <thead>
                <tr>
                  <th>kind</th>
                  <th>id</th>
                  <th>traces</th>
                  <th>latest</th>
                  <th>first input</th>
                </tr>
              </thead>
              <tbody>
                {groups.map((group) => (
                  <tr key={`${group.kind}:${group.id}`}>
                    <td>{group.kind}</td>
                    <td>
                      <a href={href(['session', group.kind, group.id])}>{group.id}</a>
                    </td>
                    <td class="number">{group.traces.length}</td>
                    <td class="nowrap">{localTime(group.traces[0]!.startTimeUnixNano)}</td>
                    <td class="preview">{group.traces.at(-1)!.inputPreview ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Loaded>
    </section>
  );
}

/** Reads the traces with at most `limit` requests in flight. */
async function readAll(ids: string[], limit: number): Promise<TraceView[]> {
  const results: TraceView[] = new Array<TraceView>(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      results[index] = await api.trace(ids[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, ids.length) }, worker));
  return results;
}

/**
 * What a turn adds: the messages after the last assistant message of the input (the earlier ones repeat the history).
 */
function newInput(messages: Message[]): Message[] {
  let last = -1;
  messages.forEach((message, index) => {
    if (message.role === 'assistant') last = index;
  });
  return messages.slice(last + 1);
}

function Turn({ trace }: { trace: TraceView }) {
  const root: SpanRecord | undefined = trace.spans.find((span) => span.parentSpanId === null) ?? trace.spans[0];
  if (!root) return null;
  const conversation = conversationOf(root);
  const textOf = (value: SpanRecord['input']) => unwrapJson(plainJson(value));
  const input = conversation.input ? newInput(conversation.input) : null;
  const inputText = textOf(root.input);
  const outputText = textOf(root.output);
  return (
    <li class="turn" data-trace-id={trace.traceId}>
      <div class="turn-head">
        <a href={href(['trace', trace.traceId])}>{root.name}</a>{' '}
        <span class="muted">{localTime(root.startTimeUnixNano)}</span>
        {root.error && <span class="badge error">error: {root.error.message}</span>}
      </div>
      {input ? (
        <ConversationView messages={input} />
      ) : typeof inputText === 'string' ? (
        <ConversationView messages={[{ role: 'user', parts: [{ kind: 'text', text: inputText }] }]} />
      ) : (
        inputText !== null && <JsonTree value={inputText} />
      )}
      {conversation.output ? (
        <ConversationView messages={conversation.output} />
      ) : typeof outputText === 'string' ? (
        <ConversationView messages={[{ role: 'assistant', parts: [{ kind: 'text', text: outputText }] }]} />
      ) : (
        outputText !== null && <JsonTree value={outputText} />
      )}
    </li>
  );
}

export function SessionPage({ route }: { route: Route }) {
  const kind: Kind = route.path[1] === 'thread' ? 'thread' : 'session';
  const id = route.path[2] ?? '';
  const turns = useAsync(async () => {
    const list = await api.traces({ [FIELD[kind]]: id, order: 'asc', perPage: String(MAX_TURNS) });
    return {
      views: await readAll(
        list.traces.map((trace) => trace.traceId),
        CONCURRENT_READS,
      ),
      total: list.pagination.total,
    };
  }, [kind, id]);
  return (
    <section>
      <h1>
        {kind} <code>{id}</code>
      </h1>
      <Loaded state={turns}>
        {({ views, total }) => (
          <>
            <p class="muted">
              {total} trace{total === 1 ? '' : 's'}, oldest first
              {total > views.length ? `; the first ${views.length} shown` : ''}.
            </p>
            <ol class="session-conversation">
              {views.map((view) => (
                <Turn key={view.traceId} trace={view} />
              ))}
            </ol>
          </>
        )}
      </Loaded>
    </section>
  );
}
