import type { AttributeMap, AttributeValue } from '../../records/types';
import { plainJson, typedText, unwrapJson } from './format';

/** A scalar attribute as text: strings as they are. */
const typedScalar = (value: AttributeValue): string => (typeof value === 'string' ? value : typedText(value));

/**
 * A model call's input and output as a conversation, from the message shapes of the OpenTelemetry
 * GenAI conventions (`gen_ai.input.messages`: `{ role, parts: [{ type, content | name, arguments |
 * response }] }`), OpenAI-style messages (`content`, `tool_calls`, role `tool`), the Vercel AI SDK
 * (`ai.prompt.messages`: content parts `text`, `tool-call`, `tool-result`), Anthropic content blocks
 * (`tool_use`, `tool_result`), and OpenInference's flattened attributes (`llm.input_messages.0.message.role`).
 * Anything else is not a conversation (`null`), and the viewer shows it as JSON.
 */

export type Part =
  | { kind: 'text'; text: string }
  | { kind: 'tool_call'; id: string | null; name: string; arguments: unknown }
  | { kind: 'tool_result'; id: string | null; name: string | null; result: unknown }
  | { kind: 'other'; value: unknown };

export interface Message {
  role: string;
  parts: Part[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** One content part, in any of the shapes above. */
function part(raw: unknown): Part {
  if (typeof raw === 'string') return { kind: 'text', text: raw };
  if (!isObject(raw)) return { kind: 'other', value: raw };
  const type = text(raw.type);
  const id = text(raw.id) ?? text(raw.toolCallId) ?? text(raw.tool_call_id) ?? text(raw.tool_use_id);
  switch (type) {
    case 'text':
    case 'reasoning':
    case 'thinking':
    case 'output_text':
    case 'input_text': {
      const content = text(raw.content) ?? text(raw.text) ?? text(raw.thinking);
      if (content !== null) return { kind: 'text', text: type === 'text' ? content : `(${type}) ${content}` };
      break;
    }
    case 'tool_call':
    case 'tool-call':
    case 'tool_use':
    case 'function_call':
      return {
        kind: 'tool_call',
        id,
        name: text(raw.name) ?? text(raw.toolName) ?? '(tool)',
        arguments: unwrapJson(raw.arguments ?? raw.input ?? raw.args ?? null),
      };
    case 'tool_call_response':
    case 'tool-result':
    case 'tool_result':
    case 'function_call_output':
      return {
        kind: 'tool_result',
        id,
        name: text(raw.name) ?? text(raw.toolName),
        result: unwrapJson(raw.response ?? raw.output ?? raw.result ?? raw.content ?? null),
      };
  }
  return { kind: 'other', value: raw };
}

/**
 * Tool calls beside a message's content: OpenAI's `{ id, function: { name, arguments } }`,
 * the AI SDK's `{ toolCallId, toolName, args }`.
 */
function openAiToolCalls(raw: unknown): Part[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((call) => {
    const fn = isObject(call.function) ? call.function : call;
    return {
      kind: 'tool_call',
      id: text(call.id) ?? text(call.toolCallId),
      name: text(fn.name) ?? text(call.toolName) ?? '(tool)',
      arguments: unwrapJson(fn.arguments ?? fn.input ?? call.args ?? null),
    };
  });
}

/** One message, or `null` when the object has no role. */
function message(raw: unknown): Message | null {
  if (!isObject(raw)) return null;
  const role = text(raw.role);
  if (role === null) return null;
  let parts: Part[];
  if (Array.isArray(raw.parts)) parts = raw.parts.map(part);
  else if (Array.isArray(raw.content)) parts = raw.content.map(part);
  else if (typeof raw.content === 'string') parts = raw.content === '' ? [] : [{ kind: 'text', text: raw.content }];
  else if (raw.content === null || raw.content === undefined) parts = [];
  else parts = [{ kind: 'other', value: raw.content }];
  parts.push(...openAiToolCalls(raw.tool_calls ?? raw.toolCalls));
  // An OpenAI tool message is the result of one call, named by `tool_call_id`.
  if (role === 'tool' && typeof raw.tool_call_id === 'string')
    parts = parts.map((item) =>
      item.kind === 'text'
        ? { kind: 'tool_result', id: raw.tool_call_id as string, name: text(raw.name), result: unwrapJson(item.text) }
        : item,
    );
  return { role, parts };
}

/** A list of messages, or `null` unless every item is one. */
function messages(raw: unknown): Message[] | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const list = raw.map(message);
  return list.every((item): item is Message => item !== null) ? list : null;
}

/** Messages found in a payload: a list of messages, or an object that holds one (with a system prompt or prompt). */
function fromPayload(raw: unknown, defaultRole: string): Message[] | null {
  const value = unwrapJson(raw);
  const list = messages(value);
  if (list) return list;
  if (!isObject(value)) return null;
  const single = message(value);
  if (single && (Array.isArray(value.parts) || 'content' in value)) return [single];
  const found: Message[] = [];
  const system = text(value.system) ?? text(value.instructions);
  if (system !== null) found.push({ role: 'system', parts: [{ kind: 'text', text: system }] });
  const nested = messages(unwrapJson(value.messages));
  if (nested) found.push(...nested);
  const prompt = text(value.prompt);
  if (prompt !== null) found.push({ role: 'user', parts: [{ kind: 'text', text: prompt }] });
  // Choices of an OpenAI response, or the text and tool calls of a model's result.
  if (Array.isArray(value.choices)) {
    for (const choice of value.choices) if (isObject(choice)) found.push(...(messages([choice.message]) ?? []));
  }
  const reply = text(value.text);
  const calls = openAiToolCalls(value.toolCalls ?? value.tool_calls);
  if (reply !== null || calls.length > 0) {
    const parts: Part[] = reply === null || reply === '' ? [] : [{ kind: 'text', text: reply }];
    found.push({ role: defaultRole, parts: [...parts, ...calls] });
  }
  return found.length > 0 ? found : null;
}

/**
 * OpenInference's flattened messages: `llm.input_messages.<i>.message.role`, `.content`,
 * `.tool_calls.<j>.tool_call.function.name`, …
 */
function openInference(attributes: AttributeMap, prefix: string): Message[] | null {
  const byIndex = new Map<number, Map<string, AttributeValue>>();
  const head = `${prefix}.`;
  for (const key in attributes) {
    if (!key.startsWith(head)) continue;
    const match = /^(\d+)\.message\.(.+)$/.exec(key.slice(head.length));
    if (!match) continue;
    const index = Number(match[1]);
    let fields = byIndex.get(index);
    if (!fields) byIndex.set(index, (fields = new Map<string, AttributeValue>()));
    fields.set(match[2]!, attributes[key]!);
  }
  if (byIndex.size === 0) return null;
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, fields]) => {
      const parts: Part[] = [];
      const content = fields.get('content');
      if (typeof content === 'string' && content !== '') parts.push({ kind: 'text', text: content });
      const calls = new Map<number, { name?: string; arguments?: unknown; id?: string }>();
      const contents = new Map<number, string>();
      for (const [field, value] of fields) {
        const call = /^tool_calls\.(\d+)\.tool_call\.(function\.name|function\.arguments|id)$/.exec(field);
        if (call) {
          const entry = calls.get(Number(call[1])) ?? {};
          if (call[2] === 'function.name') entry.name = typedScalar(value);
          else if (call[2] === 'id') entry.id = typedScalar(value);
          else entry.arguments = unwrapJson(value);
          calls.set(Number(call[1]), entry);
        }
        const piece = /^contents\.(\d+)\.message_content\.text$/.exec(field);
        if (piece && typeof value === 'string') contents.set(Number(piece[1]), value);
      }
      for (const [, piece] of [...contents].sort(([a], [b]) => a - b)) parts.push({ kind: 'text', text: piece });
      for (const [, call] of [...calls].sort(([a], [b]) => a - b))
        parts.push({
          kind: 'tool_call',
          id: call.id ?? null,
          name: call.name ?? '(tool)',
          arguments: call.arguments ?? null,
        });
      const role = fields.get('role');
      const callId = fields.get('tool_call_id');
      if (role === 'tool' && typeof callId === 'string')
        return {
          role,
          parts: parts.map((item) =>
            item.kind === 'text'
              ? { kind: 'tool_result', id: callId, name: null, result: unwrapJson(item.text) }
              : item,
          ),
        } satisfies Message;
      return { role: typeof role === 'string' ? role : 'unknown', parts };
    });
}

export interface Conversation {
  input: Message[] | null;
  output: Message[] | null;
}

/**
 * The conversation of a span: its input and output as messages where they have a known shape.
 * A plain-text output of a model becomes one assistant message; OpenInference's flattened
 * attributes are read when the payloads are not messages themselves.
 */
export function conversationOf(span: {
  input: AttributeValue;
  output: AttributeValue;
  attributes: AttributeMap;
  spanType: string;
}): Conversation {
  const input = plainJson(span.input);
  const output = plainJson(span.output);
  const isModel = span.spanType.startsWith('model_');
  let inputMessages = fromPayload(input, 'user') ?? openInference(span.attributes, 'llm.input_messages');
  const system = span.attributes['gen_ai.system_instructions'];
  if (inputMessages && system !== undefined && !inputMessages.some((item) => item.role === 'system')) {
    const instructions = unwrapJson(plainJson(system));
    const parts = Array.isArray(instructions) ? instructions.map(part) : [part(instructions)];
    inputMessages = [{ role: 'system', parts }, ...inputMessages];
  }
  let outputMessages = fromPayload(output, 'assistant') ?? openInference(span.attributes, 'llm.output_messages');
  if (outputMessages === null && isModel && typeof output === 'string' && output !== '')
    outputMessages = [{ role: 'assistant', parts: [{ kind: 'text', text: output }] }];
  if (inputMessages === null && isModel && typeof input === 'string' && input !== '' && outputMessages !== null)
    inputMessages = [{ role: 'user', parts: [{ kind: 'text', text: input }] }];
  return { input: inputMessages, output: outputMessages };
}
