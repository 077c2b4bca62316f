import type { AttributeMap, AttributeValue } from '../../../src/records/types';
import { conversationOf, type Message } from '../../../src/viewer/app/conversation';

const model = (input: AttributeValue, output: AttributeValue, attributes: AttributeMap = {}) =>
  conversationOf({ input, output, attributes, spanType: 'model_generation' });

const text = (role: string, content: string): Message => ({ role, parts: [{ kind: 'text', text: content }] });

describe('a model call as a conversation', () => {
  it('reads the OpenTelemetry GenAI messages, with tool calls and their results', () => {
    const input = JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: 'weather in Kyoto?' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Kyoto' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: { temp: 24 } }] },
    ]);
    const output = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Sunny, 24 °C.' }] }]);
    expect(model(input, output, { 'gen_ai.system_instructions': '[{"type":"text","content":"Be brief."}]' })).toEqual({
      input: [
        text('system', 'Be brief.'),
        text('user', 'weather in Kyoto?'),
        {
          role: 'assistant',
          parts: [{ kind: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Kyoto' } }],
        },
        { role: 'tool', parts: [{ kind: 'tool_result', id: 'c1', name: null, result: { temp: 24 } }] },
      ],
      output: [text('assistant', 'Sunny, 24 °C.')],
    });
  });

  it('reads the AI SDK prompt messages and its tool-call and tool-result parts', () => {
    const input = JSON.stringify([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'weather', input: { city: 'Oslo' } }],
      },
      {
        role: 'tool',
        content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'weather', output: { type: 'json', value: 3 } }],
      },
    ]);
    const { input: messages, output } = model(input, 'Cold.');
    expect(messages).toEqual([
      text('system', 'Be brief.'),
      text('user', 'weather?'),
      { role: 'assistant', parts: [{ kind: 'tool_call', id: 't1', name: 'weather', arguments: { city: 'Oslo' } }] },
      { role: 'tool', parts: [{ kind: 'tool_result', id: 't1', name: 'weather', result: { type: 'json', value: 3 } }] },
    ]);
    expect(output).toEqual([text('assistant', 'Cold.')]);
  });

  it('reads OpenAI chat messages with tool_calls, and an object holding messages', () => {
    const input = {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'x', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'x', content: '{"ok":true}' },
      ],
    };
    expect(model(JSON.stringify(input), null).input).toEqual([
      text('user', 'hi'),
      { role: 'assistant', parts: [{ kind: 'tool_call', id: 'x', name: 'f', arguments: { a: 1 } }] },
      { role: 'tool', parts: [{ kind: 'tool_result', id: 'x', name: null, result: { ok: true } }] },
    ]);
  });

  it("reads OpenInference's flattened message attributes", () => {
    const attributes: AttributeMap = {
      'llm.input_messages.0.message.role': 'system',
      'llm.input_messages.0.message.content': 'Be brief.',
      'llm.input_messages.1.message.role': 'user',
      'llm.input_messages.1.message.content': 'weather?',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_weather',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"city":"Paris"}',
    };
    expect(model(null, null, attributes)).toEqual({
      input: [text('system', 'Be brief.'), text('user', 'weather?')],
      output: [
        {
          role: 'assistant',
          parts: [{ kind: 'tool_call', id: null, name: 'get_weather', arguments: { city: 'Paris' } }],
        },
      ],
    });
  });

  it('leaves what is no conversation to be shown as JSON', () => {
    expect(
      conversationOf({ input: '{"city":"Kyoto"}', output: 'done', attributes: {}, spanType: 'tool_call' }),
    ).toEqual({
      input: null,
      output: null,
    });
    expect(model(JSON.stringify([{ no: 'role' }]), 12n).input).toBeNull();
  });
});
