import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { EVALUATION_EVENT } from '../../../src/mapping/evaluation';

/** The agent turn of issue 12: an agent run, two model generations and a failing tool call, with logs and a score. */
export interface AgentTurn {
  traceId: string;
  agent: string;
  firstChat: string;
  tool: string;
  secondChat: string;
}

const QUESTION = 'What is the weather in Kyoto?';
export const ANSWER = 'I could not reach the weather service; Kyoto is usually mild in spring.';

/** Sends agent turns, logs, an evaluation event and metrics to a receiver over OTLP/HTTP (protobuf), as an app's SDK does. */
export class AgentApp {
  private readonly tracing: BasicTracerProvider;
  private readonly logging: LoggerProvider;
  private readonly metering: MeterProvider;

  constructor(url: string, headers: Record<string, string> = {}) {
    const resource = resourceFromAttributes({ 'service.name': 'weather-app', 'deployment.environment.name': 'test' });
    this.tracing = new BasicTracerProvider({
      resource,
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces`, headers }), {
          maxQueueSize: 10_000,
          maxExportBatchSize: 1000,
        }),
      ],
    });
    this.logging = new LoggerProvider({
      resource,
      processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${url}/v1/logs`, headers }) })],
    });
    this.metering = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({
            url: `${url}/v1/metrics`,
            headers,
            temporalityPreference: AggregationTemporality.DELTA,
          }),
          exportIntervalMillis: 3_600_000,
        }),
      ],
    });
  }

  /**
   * One turn of a session: the question goes in as the agent's input, the answer comes out. Its
   * spans have set times (`startMs` from now, in milliseconds), so that the waterfall is the same
   * on every run: agent 0–2000, model 20–820, tool 840–1340 (fails), model 1360–1980.
   */
  turn(sessionId: string, startMs: number, question = QUESTION, answer = ANSWER): AgentTurn {
    const base = Date.now() + startMs;
    const at = (offset: number) => new Date(base + offset);
    const tracer = this.tracing.getTracer('weather-agent');
    const logger = this.logging.getLogger('weather-agent');
    const histogram = this.metering.getMeter('weather-agent').createHistogram('gen_ai.client.token.usage', {
      unit: '{token}',
      advice: { explicitBucketBoundaries: [10, 20, 50, 100] },
    });
    const within = (span: Span) => trace.setSpan(context.active(), span);
    const agent = tracer.startSpan('invoke_agent weather-agent', {
      startTime: at(0),
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'weather-agent',
        'session.id': sessionId,
        'user.id': 'user-7',
        'input.value': question,
      },
    });
    logger.emit({
      body: 'agent started',
      timestamp: at(5),
      severityNumber: SeverityNumber.INFO,
      context: within(agent),
    });
    const system = { role: 'system', parts: [{ type: 'text', content: 'You answer questions about the weather.' }] };
    const user = { role: 'user', parts: [{ type: 'text', content: question }] };
    const call = {
      role: 'assistant',
      parts: [{ type: 'tool_call', id: 'call-1', name: 'get_weather', arguments: { city: 'Kyoto' } }],
    };
    const firstChat = tracer.startSpan(
      'chat gpt-4o-mini',
      {
        startTime: at(20),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 30,
          'gen_ai.usage.output_tokens': 12,
          'gen_ai.input.messages': JSON.stringify([system, user]),
          'gen_ai.output.messages': JSON.stringify([call]),
        },
      },
      within(agent),
    );
    firstChat.end(at(820));
    histogram.record(42, { 'gen_ai.token.type': 'input' });
    const tool = tracer.startSpan(
      'execute_tool get_weather',
      {
        startTime: at(840),
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'get_weather',
          'gen_ai.tool.call.arguments': '{"city":"Kyoto"}',
          'http.response.status_code': 200,
          'weather.retry_label': '200',
        },
      },
      within(agent),
    );
    tool.recordException({ name: 'TimeoutError', message: 'weather API timed out' }, at(1335));
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'weather API timed out' });
    logger.emit({
      body: 'tool failed, answering from memory',
      timestamp: at(1338),
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      context: within(tool),
    });
    tool.end(at(1340));
    const secondChat = tracer.startSpan(
      'chat gpt-4o-mini',
      {
        startTime: at(1360),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 55,
          'gen_ai.usage.output_tokens': 20,
          'gen_ai.input.messages': JSON.stringify([
            system,
            user,
            call,
            { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call-1', response: 'error: timed out' }] },
          ]),
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }] }]),
        },
      },
      within(agent),
    );
    logger.emit({
      eventName: EVALUATION_EVENT,
      timestamp: at(1985),
      severityNumber: SeverityNumber.INFO,
      context: within(secondChat),
      attributes: {
        'gen_ai.evaluation.name': 'answer-relevance',
        'gen_ai.evaluation.score.value': 0.6,
        'gen_ai.evaluation.explanation': 'no live weather data',
      },
    });
    secondChat.end(at(1980));
    histogram.record(75, { 'gen_ai.token.type': 'input' });
    agent.setAttribute('output.value', answer);
    agent.end(at(2000));
    return {
      traceId: agent.spanContext().traceId,
      agent: agent.spanContext().spanId,
      firstChat: firstChat.spanContext().spanId,
      tool: tool.spanContext().spanId,
      secondChat: secondChat.spanContext().spanId,
    };
  }

  /**
   * A trace of `count` spans: a root, 49 groups under it, and the rest leaves spread over the groups
   * in blocks, each span started a microsecond after the one before. Resolves with the trace id and
   * the last span in tree order.
   */
  bigTrace(count: number): { traceId: string; last: string } {
    const tracer = this.tracing.getTracer('load');
    const base = Date.now() - 60_000;
    let tick = 0;
    const at = (): [number, number] => {
      const nanos = (base % 1000) * 1_000_000 + tick++ * 1000;
      return [Math.floor(base / 1000) + Math.floor(nanos / 1e9), nanos % 1e9];
    };
    const root = tracer.startSpan('big batch', { startTime: at() });
    const groups = 49;
    const leaves = count - 1 - groups;
    const perGroup = Math.ceil(leaves / groups);
    let last = '';
    let made = 0;
    for (let g = 0; g < groups; g++) {
      const group = tracer.startSpan(`group ${g}`, { startTime: at() }, trace.setSpan(context.active(), root));
      for (let i = 0; i < perGroup && made < leaves; i++, made++) {
        const leaf = tracer.startSpan(`leaf ${made}`, { startTime: at() }, trace.setSpan(context.active(), group));
        leaf.end(at());
        last = leaf.spanContext().spanId;
      }
      group.end(at());
    }
    root.end(at());
    return { traceId: root.spanContext().traceId, last };
  }

  async flush(): Promise<void> {
    await this.tracing.forceFlush();
    await this.logging.forceFlush();
    await this.metering.forceFlush();
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.tracing.shutdown(), this.logging.shutdown(), this.metering.shutdown()]);
  }
}
