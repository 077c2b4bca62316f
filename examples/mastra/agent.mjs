// A Mastra app with otel-bridge as its observability exporter, alongside OpenTelemetry.
//
// An agent with a tool that calls an HTTP API, driven by a mock model (no network, no API key).
// Mastra's spans, logs and metrics go to otel-bridge's Mastra exporter; @mastra/otel-bridge gives
// Mastra's spans the ids of real OpenTelemetry spans, so the tool's HTTP call (auto-instrumented by
// the NodeSDK, exported through otel-bridge's span exporter) lands in the same trace. Then it adds
// a score and a feedback to the trace, and prints what was stored.
//
// Run it: npm run example:mastra (Node 22 and the Mastra packages come with the compat stage).
import { createRequire } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { Mastra } from '@mastra/core/mastra';
import { Agent } from '@mastra/core/agent';
import { createTool } from '@mastra/core/tools';
import { Observability } from '@mastra/observability';
import { OtelBridge } from '@mastra/otel-bridge';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import { DefaultExporter, DuckDBStore, formatTrace } from 'otel-bridge';

const path = process.env.OTEL_BRIDGE_DUCKDB_PATH ?? 'mastra-example.duckdb';
// The one line that names the store; for ClickHouse, import ClickHouseStore (the second line to change) and
// () => new ClickHouseStore({ url: 'http://localhost:8123' }).
const openStore = () => new DuckDBStore({ path });
// The mock model has no price in the price library; a negotiated or self-hosted model is priced so,
// in USD per million tokens, and the override wins over the library.
const prices = [{ model: 'mock-weather-model', provider: 'mock-provider', input: 0.15, output: 0.6 }];
const otelBridge = new DefaultExporter({ storage: openStore(), prices });

const sdk = new NodeSDK({
  serviceName: 'weather-app',
  spanProcessors: [new BatchSpanProcessor({ exporter: otelBridge.spanExporter })],
  logRecordProcessors: [new BatchLogRecordProcessor({ exporter: otelBridge.logRecordExporter })],
  metricReaders: [new PeriodicExportingMetricReader({ exporter: otelBridge.metricExporter })],
  instrumentations: [new HttpInstrumentation()],
});
sdk.start();
// Loaded after sdk.start(), through require, so that the HTTP instrumentation has patched it.
const http = createRequire(import.meta.url)('node:http');

// The "weather API" the tool calls: a local server, itself instrumented.
const api = http.createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(
    JSON.stringify({ city: new URL(request.url, 'http://x').searchParams.get('city'), forecast: 'sunny', celsius: 24 }),
  );
});
await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
const apiUrl = `http://127.0.0.1:${api.address().port}/forecast`;

function getJson(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

const getWeather = createTool({
  id: 'getWeather',
  description: 'The forecast for a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => getJson(`${apiUrl}?city=${encodeURIComponent(city)}`),
});

const usage = (input, output) => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

// First the model calls the tool, then it answers.
const model = new MockLanguageModelV3({
  provider: 'mock-provider',
  modelId: 'mock-weather-model',
  doGenerate: [
    {
      content: [
        { type: 'tool-call', toolCallId: 'call-1', toolName: 'getWeather', input: JSON.stringify({ city: 'Kyoto' }) },
      ],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage: usage(52, 11),
      warnings: [],
    },
    {
      content: [{ type: 'text', text: 'It is sunny in Kyoto, 24 °C.' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usage(80, 12),
      warnings: [],
    },
  ],
});

const weatherAgent = new Agent({
  id: 'weather-agent',
  name: 'Weather Agent',
  instructions: 'You answer questions about the weather, using the getWeather tool.',
  model,
  tools: { getWeather },
});

const mastra = new Mastra({
  agents: { weatherAgent },
  observability: new Observability({
    configs: {
      default: { serviceName: 'weather-app', exporters: [otelBridge.mastra], bridge: new OtelBridge() },
    },
  }),
});

const agent = mastra.getAgent('weatherAgent');
const result = await agent.generate('What is the weather in Kyoto?', {
  tracingOptions: { metadata: { userId: 'user-7', sessionId: 'session-3' } },
});
const traceId = result.traceId;
console.log(`answer: ${result.text}`);

// An evaluation and a user's verdict, attached to the trace.
const correlationContext = { traceId, userId: 'user-7', serviceName: 'weather-app' };
await mastra.observability.addScore({
  traceId,
  correlationContext,
  score: { scorerId: 'answer-relevancy', scorerName: 'Answer Relevancy', score: 0.9, reason: 'answers the question' },
});
await mastra.observability.addFeedback({
  traceId,
  correlationContext,
  feedback: { feedbackType: 'thumbs', value: 1, comment: 'spot on', feedbackUserId: 'user-7' },
});

await mastra.shutdown();
await sdk.shutdown();
await otelBridge.shutdown();
api.closeAllConnections();
await new Promise((resolve) => api.close(resolve));

// Read back what was stored.
const store = openStore();
await store.init();
const trace = await store.getTrace(traceId);
console.log(`trace ${traceId}`);
console.log(formatTrace(trace.spans));
const filter = { traceId };
for (const score of (await store.listScores({ filter })).scores)
  console.log(`score ${score.scorerId} = ${score.score}`);
for (const feedback of (await store.listFeedback({ filter })).feedback)
  console.log(`feedback ${feedback.feedbackType} = ${feedback.value} from ${feedback.userId}`);
const metrics = await store.listMetrics({ filter, perPage: 100 });
console.log(`metrics: ${[...new Set(metrics.metrics.map((metric) => metric.name))].sort().join(', ')}`);
const logs = await store.listLogs({ perPage: 100 });
console.log(`logs: ${logs.pagination.total}`);
// What the run cost: each model call once (the generation and its steps repeat their calls' usage).
const day = 86_400_000_000_000n;
const start = trace.spans[0].startTimeUnixNano;
const spend = await store.aggregateSpend({
  bucketSizeNano: day,
  filter: { traceId, from: start - day, to: start + day },
});
console.log(`spend: ${spend.calls} model calls, $${spend.totalCost?.toPrecision(3)}`);
await store.close();
