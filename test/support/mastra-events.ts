import { randomBytes } from 'node:crypto';
import type {
  MastraCorrelationContext,
  MastraExportedSpan,
  MastraFeedbackEvent,
  MastraLogEvent,
  MastraMetricEvent,
  MastraScoreEvent,
  MastraTracingEvent,
} from '../../src/mapping/mastra';

/**
 * Mastra's exported events, written from the field names of `@mastra/core` 1.71's type definitions
 * and shaped like what a real agent run sends (see `shared/reference/mastra-exporter-interface.md`):
 * an agent run with a model generation, a model step, a tool call and a tool-result event span.
 */

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

export const AGENT_START = new Date('2026-11-02T10:00:00.000Z');

export interface AgentRun {
  traceId: string;
  agent: MastraExportedSpan;
  generation: MastraExportedSpan;
  step: MastraExportedSpan;
  /** The step's model call, as Mastra 1.71 sends it; not among `events`, for tests of the exporter's event flow. */
  inference: MastraExportedSpan;
  tool: MastraExportedSpan;
  chunk: MastraExportedSpan;
  /** Every event of the run, in the order Mastra emits them. */
  events: MastraTracingEvent[];
  correlation: MastraCorrelationContext;
}

const started = (span: MastraExportedSpan): MastraExportedSpan => {
  const { endTime: _end, output: _output, ...rest } = span;
  return rest;
};

/** An agent run; `start` (default {@link AGENT_START}) is when its agent span starts. */
export function agentRun(
  options: { traceId?: string; agentSpanId?: string; externalParentSpanId?: string; start?: Date } = {},
): AgentRun {
  const traceId = options.traceId ?? hex(16);
  const begin = (options.start ?? AGENT_START).getTime();
  const at = (ms: number): Date => new Date(begin + ms);
  const runId = `run-${hex(4)}`;
  const metadata = { runId };
  const agent: MastraExportedSpan = {
    id: options.agentSpanId ?? hex(8),
    traceId,
    ...(options.externalParentSpanId ? { externalParentSpanId: options.externalParentSpanId } : {}),
    name: "agent run: 'weather-agent'",
    type: 'agent_run',
    entityType: 'agent',
    entityId: 'weather-agent',
    entityName: 'Weather Agent',
    startTime: at(0),
    endTime: at(40),
    attributes: { conversationId: 'thread-1', instructions: 'You answer weather questions.' },
    metadata: { ...metadata, userId: 'user-7', sessionId: 'session-3' },
    tags: ['production', 'weather'],
    input: [{ role: 'user', content: 'Weather in Kyoto?' }],
    output: { text: 'Sunny in Kyoto, 24 °C.' },
    requestContext: { tenant: 'acme' },
    isEvent: false,
    isRootSpan: true,
  };
  const generation: MastraExportedSpan = {
    id: hex(8),
    traceId,
    parentSpanId: agent.id,
    name: "llm: 'mock-model-id'",
    type: 'model_generation',
    entityType: 'agent',
    entityId: 'weather-agent',
    entityName: 'Weather Agent',
    startTime: at(2),
    endTime: at(38),
    attributes: {
      model: 'mock-model-id',
      provider: 'mock-provider',
      streaming: false,
      parameters: { temperature: 0.2 },
      finishReason: 'stop',
      responseId: 'resp-1',
      usage: { inputTokens: 120, outputTokens: 35, inputDetails: { text: 120 }, outputDetails: { text: 35 } },
      costContext: { provider: 'mock-provider', model: 'mock-model-id', estimatedCost: 0.00042, costUnit: 'USD' },
      completionStartTime: at(5),
    },
    metadata,
    input: { messages: [{ role: 'user', content: 'Weather in Kyoto?' }] },
    output: { text: 'Sunny in Kyoto, 24 °C.' },
    isEvent: false,
    isRootSpan: false,
  };
  const step: MastraExportedSpan = {
    id: hex(8),
    traceId,
    parentSpanId: generation.id,
    name: 'step: 0',
    type: 'model_step',
    entityType: 'agent',
    entityId: 'weather-agent',
    entityName: 'Weather Agent',
    startTime: at(3),
    endTime: at(20),
    attributes: { usage: { inputTokens: 60, outputTokens: 10 }, finishReason: 'tool-calls' },
    metadata,
    output: { toolCalls: [{ toolName: 'getWeather', args: { city: 'Kyoto' } }] },
    isEvent: false,
    isRootSpan: false,
  };
  // As @mastra/core 1.71 sends it: the call itself, under its step, which repeats its usage.
  const inference: MastraExportedSpan = {
    id: hex(8),
    traceId,
    parentSpanId: step.id,
    name: 'inference: 0',
    type: 'model_inference',
    entityType: 'agent',
    entityId: 'weather-agent',
    entityName: 'Weather Agent',
    startTime: at(3),
    endTime: at(7),
    attributes: { model: 'gpt-4o-mini', provider: 'openai', usage: { inputTokens: 60, outputTokens: 10 } },
    metadata,
    isEvent: false,
    isRootSpan: false,
  };
  const tool: MastraExportedSpan = {
    id: hex(8),
    traceId,
    parentSpanId: step.id,
    name: "tool: 'getWeather'",
    type: 'tool_call',
    entityType: 'tool',
    entityId: 'getWeather',
    entityName: 'getWeather',
    startTime: at(8),
    endTime: at(18),
    attributes: { toolDescription: 'Looks up the weather', toolType: 'tool', toolCallId: 'call-1', success: false },
    metadata,
    input: { city: 'Kyoto' },
    errorInfo: {
      message: 'weather API timed out',
      id: 'TOOL_EXECUTION_FAILED',
      name: 'MastraError',
      domain: 'TOOL',
      category: 'USER',
      stack: 'Error: weather API timed out\n    at getWeather',
      details: { attempt: 2 },
    },
    isEvent: false,
    isRootSpan: false,
  };
  const chunk: MastraExportedSpan = {
    id: hex(8),
    traceId,
    parentSpanId: step.id,
    name: "chunk: 'tool-result'",
    type: 'model_chunk',
    entityType: 'agent',
    entityId: 'weather-agent',
    entityName: 'Weather Agent',
    startTime: at(19),
    attributes: { chunkType: 'tool-result', sequenceNumber: 3 },
    metadata,
    output: { toolCallId: 'call-1', result: 'unavailable' },
    isEvent: true,
    isRootSpan: false,
  };
  const start = (span: MastraExportedSpan): MastraTracingEvent => ({
    type: 'span_started',
    exportedSpan: started(span),
  });
  const update = (span: MastraExportedSpan): MastraTracingEvent => ({
    type: 'span_updated',
    exportedSpan: started(span),
  });
  const end = (span: MastraExportedSpan): MastraTracingEvent => ({ type: 'span_ended', exportedSpan: span });
  return {
    traceId,
    agent,
    generation,
    step,
    inference,
    tool,
    chunk,
    correlation: {
      traceId,
      spanId: agent.id,
      entityType: 'agent',
      entityId: 'weather-agent',
      entityName: 'Weather Agent',
      rootEntityType: 'agent',
      rootEntityName: 'Weather Agent',
      userId: 'user-7',
      organizationId: 'org-1',
      resourceId: 'resource-9',
      runId,
      sessionId: 'session-3',
      threadId: 'thread-1',
      requestId: 'request-5',
      environment: 'production',
      serviceName: 'weather-service',
      experimentId: 'exp-2',
      tags: ['production'],
    },
    events: [
      start(agent),
      update(agent),
      start(generation),
      start(step),
      start(tool),
      end(tool),
      end(chunk),
      update(step),
      end(step),
      end(generation),
      end(agent),
    ],
  };
}

export function logEvent(run: AgentRun): MastraLogEvent {
  return {
    type: 'log',
    log: {
      logId: `log-${hex(4)}`,
      timestamp: new Date(AGENT_START.getTime() + 18),
      traceId: run.traceId,
      spanId: run.tool.id,
      level: 'warn',
      message: 'tool getWeather failed, answering from memory',
      data: { attempt: 2, city: 'Kyoto' },
      correlationContext: run.correlation,
      metadata: { component: 'agent' },
    },
  };
}

export function metricEvent(run: AgentRun): MastraMetricEvent {
  return {
    type: 'metric',
    metric: {
      metricId: `metric-${hex(4)}`,
      timestamp: new Date(AGENT_START.getTime() + 38),
      traceId: run.traceId,
      spanId: run.generation.id,
      name: 'mastra_model_total_input_tokens',
      value: 120,
      labels: { model: 'mock-model-id', provider: 'mock-provider', agent: 'weather-agent' },
      correlationContext: run.correlation,
      costContext: { provider: 'mock-provider', model: 'mock-model-id', estimatedCost: 0.00036, costUnit: 'USD' },
    },
  };
}

export function scoreEvent(run: AgentRun): MastraScoreEvent {
  return {
    type: 'score',
    score: {
      scoreId: `score-${hex(4)}`,
      timestamp: new Date(AGENT_START.getTime() + 50),
      traceId: run.traceId,
      spanId: run.agent.id,
      scorerId: 'answer-relevancy',
      scorerName: 'Answer Relevancy',
      scorerVersion: 'v3',
      scoreSource: 'live',
      score: 0.75,
      reason: 'answers the question, without live data',
      experimentId: 'exp-2',
      targetEntityType: 'agent',
      correlationContext: run.correlation,
      metadata: { judge: 'mock' },
    },
  };
}

export function feedbackEvent(run: AgentRun): MastraFeedbackEvent {
  return {
    type: 'feedback',
    feedback: {
      feedbackId: `feedback-${hex(4)}`,
      timestamp: new Date(AGENT_START.getTime() + 60),
      traceId: run.traceId,
      spanId: run.agent.id,
      feedbackSource: 'web',
      feedbackType: 'thumbs',
      value: -1,
      feedbackUserId: 'user-8',
      comment: 'the forecast was wrong',
      sourceId: 'widget-1',
      correlationContext: run.correlation,
    },
  };
}
