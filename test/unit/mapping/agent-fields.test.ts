import {
  deriveRecordContext,
  deriveSpanError,
  deriveSpanSemantics,
  serviceNameOf,
} from '../../../src/mapping/agent-fields';
import { buildSpanRecord } from '../../../src/mapping/records';
import type { AttributeMap } from '../../../src/records/types';
import { findInvalidRecords } from '../../../src/records/validate';
import { makeSpan } from '../../support/records';

const derive = (attributes: AttributeMap, resource: AttributeMap = {}, name = 'span') =>
  deriveSpanSemantics(attributes, resource, name);

describe('span type', () => {
  it.each<[string, AttributeMap, string]>([
    ['Mastra type', { 'mastra.span.type': 'workflow_step', 'gen_ai.operation.name': 'chat' }, 'workflow_step'],
    ['Mastra alias', { 'mastra.span.type': 'llm_generation' }, 'model_generation'],
    ['every Mastra type passes through', { 'mastra.span.type': 'rag_ingestion' }, 'rag_ingestion'],
    ['a Mastra type we do not know', { 'mastra.span.type': 'quantum_leap' }, 'generic'],
    ['MCP tools/call', { 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool' }, 'mcp_tool_call'],
    ['execute_tool with mcp keys', { 'gen_ai.operation.name': 'execute_tool', 'mcp.session.id': 's' }, 'mcp_tool_call'],
    ['GenAI invoke_agent', { 'gen_ai.operation.name': 'invoke_agent' }, 'agent_run'],
    ['GenAI chat', { 'gen_ai.operation.name': 'chat' }, 'model_generation'],
    ['GenAI execute_tool', { 'gen_ai.operation.name': 'execute_tool' }, 'tool_call'],
    ['GenAI invoke_workflow', { 'gen_ai.operation.name': 'invoke_workflow' }, 'workflow_run'],
    ['Mastra passes its type as operation', { 'gen_ai.operation.name': 'processor_run' }, 'processor_run'],
    ['older Mastra dotted operation', { 'gen_ai.operation.name': 'agent.run' }, 'agent_run'],
    ['OpenInference LLM', { 'openinference.span.kind': 'LLM' }, 'model_generation'],
    ['OpenInference TOOL', { 'openinference.span.kind': 'TOOL' }, 'tool_call'],
    ['AI SDK doGenerate', { 'ai.operationId': 'ai.generateText.doGenerate' }, 'model_step'],
    ['AI SDK streamText', { 'ai.operationId': 'ai.streamText' }, 'model_generation'],
    ['AI SDK tool call', { 'ai.operationId': 'ai.toolCall' }, 'tool_call'],
    ['nothing known', { 'http.method': 'GET' }, 'generic'],
  ])('%s', (_case, attributes, expected) => {
    expect(derive(attributes).spanType).toBe(expected);
  });

  it('falls back to the GenAI span-name convention', () => {
    expect(derive({}, {}, 'invoke_agent Planner').spanType).toBe('agent_run');
    expect(derive({}, {}, 'GET /chat').spanType).toBe('generic');
  });
});

describe('usage that sums child spans', () => {
  it.each<[string, AttributeMap, boolean]>([
    ['AI SDK generateText over its doGenerate steps', { 'ai.operationId': 'ai.generateText' }, true],
    ['AI SDK doGenerate: the call itself', { 'ai.operationId': 'ai.generateText.doGenerate' }, false],
    ["Mastra's model_generation over its model_steps", { 'mastra.span.type': 'model_generation' }, true],
    ["Mastra's model_step over its model_inference", { 'mastra.span.type': 'model_step' }, true],
    ["Mastra's model_inference: the call itself", { 'mastra.span.type': 'model_inference' }, false],
    ['GenAI chat: one call', { 'gen_ai.operation.name': 'chat' }, false],
    ['OpenInference LLM: one call', { 'openinference.span.kind': 'LLM' }, false],
    ['AI SDK tool call', { 'ai.operationId': 'ai.toolCall' }, false],
  ])('%s', (_case, attributes, expected) => {
    expect(derive(attributes).usageIncludesChildren).toBe(expected);
  });
});

describe('model, provider and tokens', () => {
  it('prefers the response model, then the request model, across conventions', () => {
    expect(derive({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06' }).model).toBe(
      'gpt-4o-2024-08-06',
    );
    expect(derive({ 'llm.model_name': 'claude-3' }).model).toBe('claude-3');
    expect(derive({ 'ai.model.id': 'gemini-2' }).model).toBe('gemini-2');
  });

  it('takes the provider from the current key, the deprecated one, OpenInference or the AI SDK', () => {
    expect(derive({ 'gen_ai.provider.name': 'aws.bedrock', 'gen_ai.system': 'openai' }).provider).toBe('aws.bedrock');
    expect(derive({ 'gen_ai.system': 'anthropic' }).provider).toBe('anthropic');
    expect(derive({ 'llm.provider': 'groq' }).provider).toBe('groq');
    expect(derive({ 'ai.model.provider': 'openai.chat' }).provider).toBe('openai');
  });

  it('reads token counts of any integer form and totals them when no total is given', () => {
    expect(derive({ 'gen_ai.usage.input_tokens': 10n, 'gen_ai.usage.output_tokens': 5n })).toMatchObject({
      inputTokens: 10,
      outputTokens: 5,
      totalTokens: 15,
    });
    expect(derive({ 'gen_ai.usage.prompt_tokens': 7, 'llm.token_count.total': 100n })).toMatchObject({
      inputTokens: 7,
      totalTokens: 100,
    });
    expect(derive({ 'ai.usage.inputTokens': '12', 'ai.usage.outputTokens': 3n })).toMatchObject({
      inputTokens: 12,
      outputTokens: 3,
      totalTokens: 15,
    });
    expect(derive({})).toMatchObject({ inputTokens: null, outputTokens: null, totalTokens: null });
  });

  it('ignores token values that are not counts instead of failing the span', () => {
    const semantics = derive({
      'gen_ai.usage.input_tokens': 'many',
      'gen_ai.usage.output_tokens': -1n,
      'gen_ai.usage.weird_tokens': { a: 1n },
    });
    expect(semantics).toMatchObject({ inputTokens: null, outputTokens: null });
  });
});

describe('cached and reasoning tokens', () => {
  const parts = (semantics: ReturnType<typeof derive>) => [
    semantics.cachedInputTokens,
    semantics.cacheWriteTokens,
    semantics.reasoningTokens,
  ];

  it.each<[string, AttributeMap]>([
    [
      'GenAI conventions',
      {
        'gen_ai.usage.cache_read.input_tokens': 40n,
        'gen_ai.usage.cache_creation.input_tokens': 8n,
        'gen_ai.usage.reasoning.output_tokens': 12n,
      },
    ],
    [
      "Mastra's OpenTelemetry exporter",
      {
        'gen_ai.usage.cache_read.input_tokens': 40n,
        'gen_ai.usage.cache_creation.input_tokens': 8n,
        'gen_ai.usage.reasoning_tokens': 12n,
      },
    ],
    [
      'Sentry and older GenAI names',
      {
        'gen_ai.usage.input_tokens.cached': 40n,
        'gen_ai.usage.cache_creation_input_tokens': 8n,
        'gen_ai.usage.output_tokens.reasoning': 12n,
      },
    ],
    [
      'OpenInference',
      {
        'llm.token_count.prompt_details.cache_read': 40n,
        'llm.token_count.prompt_details.cache_write': 8n,
        'llm.token_count.completion_details.reasoning': 12n,
      },
    ],
    [
      'AI SDK 6',
      {
        'ai.usage.inputTokenDetails.cacheReadTokens': 40n,
        'ai.usage.inputTokenDetails.cacheWriteTokens': 8n,
        'ai.usage.outputTokenDetails.reasoningTokens': 12n,
      },
    ],
    ['AI SDK 5 (no cache writes)', { 'ai.usage.cachedInputTokens': 40n, 'ai.usage.reasoningTokens': 12n }],
    [
      "Mastra's usage attribute",
      {
        usage: {
          inputTokens: 100,
          outputTokens: 30,
          inputDetails: { text: 52, cacheRead: 40, cacheWrite: 8 },
          outputDetails: { text: 18, reasoning: 12 },
        },
      },
    ],
  ])('%s', (convention, attributes) => {
    const semantics = derive(attributes);
    expect(parts(semantics)).toEqual([40, convention.includes('no cache writes') ? null : 8, 12]);
    if (convention === "Mastra's usage attribute")
      expect(semantics).toMatchObject({ inputTokens: 100, outputTokens: 30 });
  });

  it('leaves them null when nothing reports them, or what is reported is no count', () => {
    expect(parts(derive({ 'gen_ai.usage.input_tokens': 10n }))).toEqual([null, null, null]);
    expect(parts(derive({ 'gen_ai.usage.cache_read.input_tokens': 'some', usage: 'a lot' }))).toEqual([
      null,
      null,
      null,
    ]);
  });
});

describe('reported cost', () => {
  const cost = (semantics: ReturnType<typeof derive>) => [
    semantics.inputCost,
    semantics.outputCost,
    semantics.totalCost,
    semantics.costSource,
  ];

  it("reads OpenInference's llm.cost.*, totalling prompt and completion when no total is given", () => {
    expect(cost(derive({ 'llm.cost.prompt': 0.002, 'llm.cost.completion': 0.004, 'llm.cost.total': 0.0061 }))).toEqual([
      0.002,
      0.004,
      0.0061,
      'reported',
    ]);
    expect(cost(derive({ 'llm.cost.prompt': 0.002, 'llm.cost.completion': 0.004 }))).toEqual([
      0.002,
      0.004,
      0.002 + 0.004,
      'reported',
    ]);
  });

  it('reads gen_ai.usage.cost as a total, from a number or a numeric string', () => {
    expect(cost(derive({ 'gen_ai.usage.cost': 0.25 }))).toEqual([null, null, 0.25, 'reported']);
    expect(cost(derive({ 'gen_ai.usage.cost': '0.5' }))).toEqual([null, null, 0.5, 'reported']);
  });

  it("reads Mastra's cost context when it is in US dollars", () => {
    expect(cost(derive({ costContext: { estimatedCost: 0.03, costUnit: 'usd' } }))).toEqual([
      null,
      null,
      0.03,
      'reported',
    ]);
    expect(cost(derive({ costContext: { estimatedCost: 0.03 } }))[2]).toBe(0.03);
    expect(cost(derive({ costContext: { estimatedCost: 30, costUnit: 'credits' } }))).toEqual([null, null, null, null]);
  });

  it('reports nothing for a span without a cost, or with one that is no amount', () => {
    expect(cost(derive({ 'gen_ai.usage.input_tokens': 10n }))).toEqual([null, null, null, null]);
    expect(cost(derive({ 'gen_ai.usage.cost': -1, 'llm.cost.total': 'free' }))).toEqual([null, null, null, null]);
    expect(cost(derive({ 'gen_ai.usage.cost': Number.NaN }))).toEqual([null, null, null, null]);
  });
});

describe('input and output', () => {
  it('reads the GenAI messages of a model span and the call arguments of a tool span', () => {
    expect(
      derive({ 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': '[1]', 'gen_ai.output.messages': '[2]' }),
    ).toMatchObject({
      input: '[1]',
      output: '[2]',
    });
    expect(
      derive({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.call.arguments': { city: 'Kyoto' },
        'gen_ai.tool.call.result': 21.5,
      }),
    ).toMatchObject({
      input: { city: 'Kyoto' },
      output: 21.5,
    });
  });

  it("reads Mastra's per-type keys, then OpenInference's, keeping the value's type", () => {
    expect(
      derive({ 'mastra.span.type': 'agent_run', 'mastra.agent_run.input': 'hi', 'mastra.agent_run.output': 'hello' }),
    ).toMatchObject({
      input: 'hi',
      output: 'hello',
    });
    expect(derive({ 'input.value': 'q', 'output.value': 'a' })).toMatchObject({ input: 'q', output: 'a' });
    expect(derive({ 'mastra.metadata.form.input': 'not the span input' }).input).toBeNull();
  });
});

describe('entity and context', () => {
  it('names the entity from GenAI agent and tool keys', () => {
    expect(
      derive({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.id': 'a1', 'gen_ai.agent.name': 'Agent' }),
    ).toMatchObject({
      entityType: 'agent',
      entityId: 'a1',
      entityName: 'Agent',
    });
    expect(derive({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'weather' })).toMatchObject({
      entityType: 'tool',
      entityId: 'weather',
      entityName: 'weather',
    });
    expect(derive({ 'mastra.span.entityType': 'workflow_run', 'mastra.span.entityId': 'wf' })).toMatchObject({
      entityType: 'workflow_run',
      entityId: 'wf',
    });
  });

  it('reads context fields from standard keys, Mastra and AI SDK metadata, and the resource', () => {
    const semantics = derive(
      {
        'user.id': 'u1',
        'session.id': 's1',
        'gen_ai.conversation.id': 't1',
        'mastra.metadata.runId': 'r1',
        'mastra.metadata.resourceId': 'res1',
        'ai.telemetry.metadata.organizationId': 'o1',
        'mastra.metadata.requestId': 42n,
      },
      { 'deployment.environment.name': 'staging' },
    );
    expect(semantics).toMatchObject({
      userId: 'u1',
      sessionId: 's1',
      threadId: 't1',
      runId: 'r1',
      resourceId: 'res1',
      organizationId: 'o1',
      requestId: '42',
      environment: 'staging',
    });
  });

  it('lets a span attribute win over the same key on the resource', () => {
    expect(
      derive({ 'deployment.environment.name': 'canary' }, { 'deployment.environment.name': 'prod' }).environment,
    ).toBe('canary');
  });

  it('parses tags from Mastra JSON strings or OpenInference arrays, and merges metadata', () => {
    expect(derive({ 'mastra.tags': '["a","b","a"]' }).tags).toEqual(['a', 'b']);
    expect(derive({ 'tag.tags': ['x', 'y'] }).tags).toEqual(['x', 'y']);
    expect(derive({ 'mastra.tags': 'not json' }).tags).toEqual([]);
    expect(
      derive({
        'mastra.metadata.tier': 'gold',
        'ai.telemetry.metadata.plan': 'pro',
        metadata: '{"region":"eu","n":1,"obj":{"a":1}}',
      }).metadata,
    ).toEqual({ tier: 'gold', plan: 'pro', region: 'eu', n: 1, obj: '{"a":1}' });
  });

  it('derives the same context for logs and metric points', () => {
    expect(
      deriveRecordContext({ 'mastra.metadata.threadId': 'th', 'user.id': 'u' }, { 'service.name': 's' }),
    ).toMatchObject({
      threadId: 'th',
      userId: 'u',
      entityType: null,
    });
  });
});

describe('errors and service', () => {
  it('takes the error from the status and the exception event', () => {
    const events = [
      {
        timeUnixNano: 1n,
        name: 'exception',
        attributes: { 'exception.type': 'E', 'exception.message': 'm', 'exception.stacktrace': 'E: m' },
        droppedAttributesCount: 0,
      },
    ];
    expect(deriveSpanError('error', '', events, {})).toEqual({ message: 'm', type: 'E', stack: 'E: m' });
    expect(deriveSpanError('error', 'status says', events, {})).toEqual({
      message: 'status says',
      type: 'E',
      stack: 'E: m',
    });
    expect(deriveSpanError('ok', '', events, {})).toBeNull();
    expect(deriveSpanError('error', '', [], { 'error.type': 'Timeout', 'error.message': 'slow' })).toEqual({
      message: 'slow',
      type: 'Timeout',
      stack: null,
    });
  });

  it('defaults the service name as the SDKs do', () => {
    expect(serviceNameOf({ 'service.name': 'api' })).toBe('api');
    expect(serviceNameOf({})).toBe('unknown_service');
  });
});

describe('unknown attributes', () => {
  it('keeps an unknown gen_ai.usage key in attributes and still yields a valid span', () => {
    const base = makeSpan();
    const attributes = { 'gen_ai.usage.brand_new_tokens': { nested: [1n, 'x'] }, 'gen_ai.operation.name': 42n };
    const record = buildSpanRecord({ ...base, attributes });
    expect(record.attributes).toEqual(attributes);
    expect(record.spanType).toBe('generic');
    expect(findInvalidRecords('spans', [record])).toEqual([]);
  });
});
