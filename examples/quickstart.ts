/**
 * Quickstart: a Node service registers otel-bridge's exporters in the OpenTelemetry NodeSDK, runs
 * one small agent turn, records a score and user feedback, and prints what was stored in the
 * embedded DuckDB file (`otel-bridge.duckdb` in the working directory).
 *
 * Run it with `npm run example`.
 */
import { SpanKind, SpanStatusCode, metrics, trace } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { DefaultExporter } from '../src';

/** Runs the example and returns the lines it printed. */
export async function main(print: (line: string) => void = console.log): Promise<string[]> {
  const printed: string[] = [];
  const say = (line: string) => {
    printed.push(line);
    print(line);
  };

  const exporter = new DefaultExporter({
    onDrop: (drop) => say(`dropped ${drop.count} ${drop.signal}: ${drop.error.message}`),
  });
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': 'quickstart-agent', 'deployment.environment.name': 'dev' }),
    autoDetectResources: false,
    instrumentations: [],
    spanProcessors: [new BatchSpanProcessor(exporter.spanExporter)],
    logRecordProcessors: [new BatchLogRecordProcessor({ exporter: exporter.logRecordExporter })],
    metricReaders: [
      new PeriodicExportingMetricReader({ exporter: exporter.metricExporter, exportIntervalMillis: 60_000 }),
    ],
  });
  sdk.start();

  const tracer = trace.getTracer('quickstart');
  const logger = logs.getLogger('quickstart');
  const tokens = metrics.getMeter('quickstart').createCounter('gen_ai.tokens', { unit: '{token}' });

  const traceId = tracer.startActiveSpan(
    'invoke_agent weather-agent',
    {
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'weather-agent',
        'user.id': 'user-1',
      },
    },
    (agent) => {
      tracer.startActiveSpan(
        'chat gpt-4o-mini',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.provider.name': 'openai',
            'gen_ai.usage.input_tokens': 42,
            'gen_ai.usage.output_tokens': 7,
            'gen_ai.input.messages': JSON.stringify([
              { role: 'user', parts: [{ type: 'text', content: 'Weather in Kyoto?' }] },
            ]),
          },
        },
        (model) => {
          tokens.add(49, { 'gen_ai.request.model': 'gpt-4o-mini' });
          model.end();
        },
      );
      const tool = tracer.startSpan('execute_tool get_weather', {
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather' },
      });
      tool.recordException(new Error('weather API timed out'));
      tool.setStatus({ code: SpanStatusCode.ERROR, message: 'weather API timed out' });
      tool.end();
      logger.emit({
        severityNumber: SeverityNumber.WARN,
        severityText: 'WARN',
        body: 'tool failed, answering from memory',
      });
      agent.end();
      return agent.spanContext().traceId;
    },
  );

  await exporter.recordScore({ scorerId: 'answer-relevance', score: 0.6, traceId, reason: 'no live weather data' });
  await exporter.recordFeedback({
    feedbackType: 'thumbs',
    value: -1,
    traceId,
    userId: 'user-1',
    comment: 'wrong forecast',
  });
  await sdk.shutdown();
  await exporter.forceFlush();

  const store = exporter.storage;
  const stored = await store.getTrace(traceId);
  say(`trace ${traceId}`);
  for (const span of stored?.spans ?? []) {
    const ms = Number(span.durationNano) / 1e6;
    const model = span.model ? ` model=${span.model} tokens=${span.totalTokens}` : '';
    const error = span.error ? ` error="${span.error.message}"` : '';
    say(`  ${span.spanType.padEnd(16)} ${span.name.padEnd(28)} ${ms.toFixed(3)} ms${model}${error}`);
  }
  for (const log of (await store.listLogs({ filter: { traceId } })).logs) say(`log   ${log.level}: ${log.message}`);
  for (const score of (await store.listScores({ filter: { traceId } })).scores)
    say(`score ${score.scorerId} = ${score.score} (${score.reason})`);
  for (const feedback of (await store.listFeedback({ filter: { traceId } })).feedback) {
    say(`feedback ${feedback.feedbackType} = ${feedback.value} from ${feedback.userId}: ${feedback.comment}`);
  }
  for (const metric of (await store.listMetrics({ filter: { name: 'gen_ai.tokens' } })).metrics)
    say(`metric ${metric.name} = ${metric.value}`);
  await exporter.shutdown();
  return printed;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
