import {
  feedbackFromMastra,
  logFromMastra,
  metricFromMastra,
  scoreFromMastra,
  spanFromMastra,
} from '../../../src/mapping/mastra';
import { SpanPricing } from '../../../src/pipeline/pricing';
import { SPAN_TYPES } from '../../../src/records/types';
import { findInvalidRecords } from '../../../src/records/validate';
import { AGENT_START, agentRun, feedbackEvent, logEvent, metricEvent, scoreEvent } from '../../support/mastra-events';

const SERVICE = 'weather-app';
const ended = { serviceName: SERVICE, running: false };
const ms = (n: number): bigint => BigInt(AGENT_START.getTime() + n) * 1_000_000n;

describe('Mastra spans', () => {
  it('passes span type, entity, input, output, tags and metadata through, as a finished Mastra copy', () => {
    const run = agentRun();
    const record = spanFromMastra(run.agent, ended);
    expect(record).toMatchObject({
      traceId: run.traceId,
      spanId: run.agent.id,
      parentSpanId: null,
      name: "agent run: 'weather-agent'",
      spanType: 'agent_run',
      entityType: 'agent',
      entityId: 'weather-agent',
      entityName: 'Weather Agent',
      startTimeUnixNano: ms(0),
      endTimeUnixNano: ms(40),
      durationNano: 40_000_000n,
      running: false,
      origin: 'mastra',
      statusCode: 'ok',
      error: null,
      serviceName: SERVICE,
      tags: ['production', 'weather'],
      metadata: { runId: run.agent.metadata!.runId, userId: 'user-7', sessionId: 'session-3' },
      input: [{ role: 'user', content: 'Weather in Kyoto?' }],
      output: { text: 'Sunny in Kyoto, 24 °C.' },
      runId: run.agent.metadata!.runId,
      userId: 'user-7',
      sessionId: 'session-3',
    });
    expect(record.attributes).toMatchObject({
      conversationId: 'thread-1',
      'mastra.requestContext': { tenant: 'acme' },
    });
    expect(findInvalidRecords('spans', [record])).toEqual([]);
  });

  it('gives model, provider and tokens from the model attributes, and keeps the reported cost', () => {
    const run = agentRun();
    const generation = spanFromMastra(run.generation, ended);
    expect(generation).toMatchObject({
      spanType: 'model_generation',
      parentSpanId: run.agent.id,
      model: 'mock-model-id',
      provider: 'mock-provider',
      inputTokens: 120,
      outputTokens: 35,
      totalTokens: 155,
    });
    expect(generation.attributes.costContext).toEqual({
      provider: 'mock-provider',
      model: 'mock-model-id',
      estimatedCost: 0.00042,
      costUnit: 'USD',
    });
    // A Date among the attributes is kept as its ISO text.
    expect(generation.attributes.completionStartTime).toBe('2026-11-02T10:00:00.005Z');
    const step = spanFromMastra(run.step, ended);
    expect([step.spanType, step.inputTokens, step.outputTokens, step.totalTokens, step.model]).toEqual([
      'model_step',
      60,
      10,
      70,
      null,
    ]);
  });

  it('gives a model span with a USD costContext a reported cost, which pricing keeps', () => {
    const generation = spanFromMastra(agentRun().generation, ended);
    const reported = { inputCost: null, outputCost: null, totalCost: 0.00042, costSource: 'reported' };
    expect(generation).toMatchObject(reported);
    const pricing = new SpanPricing();
    pricing.priceSpans([generation]);
    expect(generation).toMatchObject(reported);
    expect(pricing.stats).toMatchObject({ reported: 1, library: 0, unpriced: 0 });
  });

  it("reads a model span's cached and reasoning tokens from Mastra's usage details", () => {
    const { generation } = agentRun();
    generation.attributes = {
      ...generation.attributes,
      usage: {
        inputTokens: 120,
        outputTokens: 35,
        inputDetails: { text: 80, cacheRead: 30, cacheWrite: 10 },
        outputDetails: { text: 27, reasoning: 8 },
      },
    };
    const record = spanFromMastra(generation, ended);
    expect(record).toMatchObject({
      inputTokens: 120,
      outputTokens: 35,
      totalTokens: 155,
      cachedInputTokens: 30,
      cacheWriteTokens: 10,
      reasoningTokens: 8,
    });
  });

  it('marks a model generation and a model step, whose usage repeats their children, so totals count each call once', () => {
    const { generation, step } = agentRun();
    expect(spanFromMastra(generation, ended).usageIncludesChildren).toBe(true);
    // A step repeats the usage of its model_inference child, the call itself.
    expect(spanFromMastra(step, ended).usageIncludesChildren).toBe(true);
  });

  it("makes errorInfo the span's error, and keeps the rest of it", () => {
    const record = spanFromMastra(agentRun().tool, ended);
    expect(record.statusCode).toBe('error');
    expect(record.statusMessage).toBe('weather API timed out');
    expect(record.error).toEqual({
      message: 'weather API timed out',
      type: 'MastraError',
      stack: 'Error: weather API timed out\n    at getWeather',
    });
    expect(record.attributes['mastra.errorInfo']).toMatchObject({ id: 'TOOL_EXECUTION_FAILED', domain: 'TOOL' });
    expect([record.spanType, record.entityType, record.entityName, record.input]).toEqual([
      'tool_call',
      'tool',
      'getWeather',
      { city: 'Kyoto' },
    ]);
  });

  it('stores an event span, which has no end time, with zero duration', () => {
    const record = spanFromMastra(agentRun().chunk, ended);
    expect([record.startTimeUnixNano, record.endTimeUnixNano, record.durationNano, record.running]).toEqual([
      ms(19),
      ms(19),
      0n,
      false,
    ]);
    expect(record.attributes['mastra.isEvent']).toBe(true);
    expect(findInvalidRecords('spans', [record])).toEqual([]);
  });

  it('stores a started span as running: it ends where it starts, without output', () => {
    const run = agentRun();
    const started = run.events[0]!;
    expect(started.type).toBe('span_started');
    const record = spanFromMastra(started.exportedSpan, { serviceName: SERVICE, running: true });
    expect([record.running, record.durationNano, record.endTimeUnixNano, record.output, record.statusCode]).toEqual([
      true,
      0n,
      ms(0),
      null,
      'unset',
    ]);
    expect(findInvalidRecords('spans', [record])).toEqual([]);
  });

  it('names the OpenTelemetry span a root started under as its parent, so that both are one tree', () => {
    const run = agentRun({ externalParentSpanId: 'a1b2c3d4e5f60718' });
    expect(spanFromMastra(run.agent, ended).parentSpanId).toBe('a1b2c3d4e5f60718');
  });

  it('keeps every Mastra span type, and an unknown one as generic with the type in an attribute', () => {
    const { agent } = agentRun();
    for (const type of SPAN_TYPES) expect(spanFromMastra({ ...agent, type }, ended).spanType).toBe(type);
    const unknown = spanFromMastra({ ...agent, type: 'teleport' }, ended);
    expect([unknown.spanType, unknown.attributes['mastra.span.type']]).toEqual(['generic', 'teleport']);
  });
});

describe('Mastra logs, metrics, scores and feedback', () => {
  it('maps a log: level, message, data, and the correlation context as context fields', () => {
    const run = agentRun();
    const record = logFromMastra(logEvent(run).log, SERVICE);
    expect(record).toMatchObject({
      level: 'warn',
      severityNumber: 13,
      severityText: 'WARN',
      body: 'tool getWeather failed, answering from memory',
      message: 'tool getWeather failed, answering from memory',
      traceId: run.traceId,
      spanId: run.tool.id,
      timeUnixNano: ms(18),
      serviceName: 'weather-service',
      entityType: 'agent',
      entityName: 'Weather Agent',
      userId: 'user-7',
      organizationId: 'org-1',
      resourceId: 'resource-9',
      runId: run.correlation.runId,
      sessionId: 'session-3',
      threadId: 'thread-1',
      requestId: 'request-5',
      environment: 'production',
      tags: ['production'],
    });
    expect(record.attributes).toMatchObject({ attempt: 2n, city: 'Kyoto' });
    expect(record.metadata).toMatchObject({ component: 'agent', experimentId: 'exp-2', rootEntityType: 'agent' });
    expect(findInvalidRecords('logs', [record])).toEqual([]);
  });

  it('maps a metric observation to a gauge point with its labels, trace and reported cost', () => {
    const run = agentRun();
    const record = metricFromMastra(metricEvent(run).metric, SERVICE);
    expect(record).toMatchObject({
      name: 'mastra_model_total_input_tokens',
      type: 'gauge',
      value: 120,
      traceId: run.traceId,
      spanId: run.generation.id,
      serviceName: 'weather-service',
      runId: run.correlation.runId,
      userId: 'user-7',
    });
    expect(record.attributes).toMatchObject({
      model: 'mock-model-id',
      agent: 'weather-agent',
      costContext: { estimatedCost: 0.00036, costUnit: 'USD', provider: 'mock-provider', model: 'mock-model-id' },
    });
    expect(metricFromMastra({ ...metricEvent(run).metric, name: 'mastra_agent_duration_ms' }, SERVICE).unit).toBe('ms');
    expect(findInvalidRecords('metrics', [record])).toEqual([]);
  });

  it('maps a score attached to the trace; an unknown source is automated and kept in metadata', () => {
    const run = agentRun();
    const event = scoreEvent(run);
    const record = scoreFromMastra(event.score, SERVICE);
    expect(record).toMatchObject({
      scoreId: event.score.scoreId,
      traceId: run.traceId,
      spanId: run.agent.id,
      scorerId: 'answer-relevancy',
      scorerName: 'Answer Relevancy',
      scorerVersion: 'v3',
      score: 0.75,
      reason: 'answers the question, without live data',
      source: 'automated',
      serviceName: 'weather-service',
      userId: 'user-7',
      threadId: 'thread-1',
      tags: ['production'],
    });
    expect(record.metadata).toMatchObject({
      judge: 'mock',
      scoreSource: 'live',
      experimentId: 'exp-2',
      targetEntityType: 'agent',
    });
    expect(scoreFromMastra({ ...event.score, scoreSource: 'experiment' }, SERVICE).source).toBe('experiment');
    expect(findInvalidRecords('scores', [record])).toEqual([]);
  });

  it("maps feedback: the feedback's own user wins over the correlation context's", () => {
    const run = agentRun();
    const event = feedbackEvent(run);
    const record = feedbackFromMastra(event.feedback, SERVICE);
    expect(record).toMatchObject({
      feedbackId: event.feedback.feedbackId,
      traceId: run.traceId,
      spanId: run.agent.id,
      source: 'web',
      feedbackType: 'thumbs',
      value: -1,
      comment: 'the forecast was wrong',
      userId: 'user-8',
      sessionId: 'session-3',
      serviceName: 'weather-service',
    });
    expect(record.metadata).toMatchObject({ sourceId: 'widget-1' });
    const { feedbackUserId: _user, feedbackSource: _source, correlationContext: _c, ...bare } = event.feedback;
    const defaults = feedbackFromMastra(bare, SERVICE);
    expect([defaults.source, defaults.userId, defaults.serviceName]).toEqual(['user', null, SERVICE]);
    expect(findInvalidRecords('feedback', [record, defaults])).toEqual([]);
  });
});
