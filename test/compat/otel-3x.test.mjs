// OpenTelemetry JS 3.x: our span, log and metric exporters, registered with the 3.x SDK, store the
// same records as with the 2.x SDK. Both lines run here, side by side (2.x under otel2-* aliases),
// through the same scenario; the stored records must be equal but for ids, times and the SDK's
// own version. Then the NodeSDK (0.30x) with the HTTP instrumentation, into our exporters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace, SpanKind, SpanStatusCode, ValueType } from '@opentelemetry/api';
import * as trace3 from '@opentelemetry/sdk-trace';
import * as logs3 from '@opentelemetry/sdk-logs';
import * as metrics3 from '@opentelemetry/sdk-metrics';
import * as resources3 from '@opentelemetry/resources';
import * as trace2 from 'otel2-sdk-trace-base';
import * as logs2 from 'otel2-sdk-logs';
import * as metrics2 from 'otel2-sdk-metrics';
import * as resources2 from 'otel2-resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { DefaultExporter, DuckDBStore } from 'otel-bridge';

const LINES = {
  '2.x': {
    TracerProvider: trace2.BasicTracerProvider,
    spanProcessor: (exporter) => new trace2.SimpleSpanProcessor(exporter),
    logs: logs2,
    metrics: metrics2,
    resources: resources2,
  },
  '3.x': {
    TracerProvider: trace3.TracerProvider,
    spanProcessor: (exporter) => new trace3.SimpleSpanProcessor({ exporter }),
    logs: logs3,
    metrics: metrics3,
    resources: resources3,
  },
};

const tempStore = () =>
  new DuckDBStore({ path: join(mkdtempSync(join(tmpdir(), 'otel-bridge-compat-')), 'store.duckdb') });

/** The same telemetry through one SDK line into our three exporters; returns what was stored. */
async function scenario(line) {
  const sdk = LINES[line];
  const store = tempStore();
  const exporter = new DefaultExporter({ storage: store });
  const resource = sdk.resources.resourceFromAttributes({
    'service.name': 'compat',
    'deployment.environment.name': 'ci',
  });

  const tracerProvider = new sdk.TracerProvider({
    resource,
    spanProcessors: [sdk.spanProcessor(exporter.spanExporter)],
  });
  const tracer = tracerProvider.getTracer('compat-scope', '1.0.0');
  const root = tracer.startSpan('invoke_agent planner', {
    kind: SpanKind.SERVER,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'planner',
      'user.id': 'u-1',
      int: 42,
      double: 2.5,
      flag: true,
      list: ['a', 'b'],
    },
  });
  const child = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 3,
      },
      links: [{ context: root.spanContext(), attributes: { reason: 'follows' } }],
    },
    trace.setSpan(context.active(), root),
  );
  child.addEvent('retry', { attempt: 2 });
  child.recordException(new TypeError('rate limited'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
  child.end();
  root.end();
  await tracerProvider.shutdown();

  const loggerProvider = new sdk.logs.LoggerProvider({
    resource,
    processors: [new sdk.logs.SimpleLogRecordProcessor({ exporter: exporter.logRecordExporter })],
  });
  const logger = loggerProvider.getLogger('compat-scope', '1.0.0');
  logger.emit({
    severityNumber: 13,
    severityText: 'WARN',
    body: 'tool failed',
    attributes: { tool: 'weather', attempt: 2 },
  });
  logger.emit({ severityNumber: 9, body: { structured: true, count: 3 }, eventName: 'agent.step' });
  await loggerProvider.shutdown();

  const reader = new sdk.metrics.PeriodicExportingMetricReader({
    exporter: exporter.metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new sdk.metrics.MeterProvider({ resource, readers: [reader] });
  const meter = meterProvider.getMeter('compat-scope', '1.0.0');
  meter.createCounter('requests', { unit: '{request}', valueType: ValueType.INT }).add(3, { route: '/chat' });
  meter.createHistogram('latency', { unit: 'ms' }).record(12.5, { route: '/chat' });
  meter.createUpDownCounter('in_flight').add(-1);
  meter.createGauge('temperature').record(21.5, { room: 'a' });
  await meterProvider.shutdown();

  await exporter.shutdown();
  await store.init();
  const traces = await store.listTraces();
  const spans = (await store.getTrace(traces.traces[0].traceId)).spans;
  const logs = (await store.listLogs({ order: 'asc' })).logs;
  const metrics = (await store.listMetrics({ order: 'asc' })).metrics.sort((a, b) => a.name.localeCompare(b.name));
  await store.close();
  return { spans, logs, metrics };
}

/** A record without what differs between two runs: ids, times, and the SDK's own version. */
function comparable(record) {
  const ids = new Set(['traceId', 'spanId', 'parentSpanId']);
  const times = /([tT]imeUnixNano|durationNano)$/;
  const strip = (value) => {
    if (Array.isArray(value)) return value.map(strip);
    if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !ids.has(key) && !times.test(key) && key !== 'telemetry.sdk.version')
        .map(([key, inner]) => [key, key === 'exception.stacktrace' || key === 'stack' ? '<stack>' : strip(inner)]),
    );
  };
  return strip(record);
}

test('our exporters store the same records on the OpenTelemetry JS 3.x SDK as on 2.x', async () => {
  const two = await scenario('2.x');
  const three = await scenario('3.x');
  assert.equal(three.spans.length, 2);
  assert.equal(three.logs.length, 2);
  assert.equal(three.metrics.length, 4);
  // What was stored is right, not just equal: the agent fields, the error, the typed values.
  const [root, child] = three.spans;
  assert.equal(root.spanType, 'agent_run');
  assert.equal(root.kind, 'server');
  assert.equal(root.attributes.int, 42n);
  assert.equal(child.parentSpanId, root.spanId);
  assert.deepEqual(
    [child.spanType, child.model, child.totalTokens, child.error?.type],
    ['model_generation', 'gpt-4o', 15, 'TypeError'],
  );
  assert.equal(child.links[0].spanId, root.spanId);
  assert.deepEqual(
    three.logs.map((log) => [log.level, log.message]),
    [
      ['warn', 'tool failed'],
      ['info', '{"structured":true,"count":"3"}'],
    ],
  );
  assert.deepEqual(
    three.metrics.map((metric) => [metric.name, metric.type, metric.value ?? metric.sum]),
    [
      ['in_flight', 'sum', -1],
      ['latency', 'histogram', 12.5],
      ['requests', 'sum', 3n],
      ['temperature', 'gauge', 21.5],
    ],
  );
  assert.deepEqual(comparable(three), comparable(two));
});

test('the NodeSDK 0.30x with the HTTP instrumentation exports into our exporters', async () => {
  const store = tempStore();
  const exporter = new DefaultExporter({ storage: store });
  const sdk = new NodeSDK({
    serviceName: 'compat-http',
    spanProcessors: [new trace3.BatchSpanProcessor({ exporter: exporter.spanExporter })],
    logRecordProcessors: [new logs3.BatchLogRecordProcessor({ exporter: exporter.logRecordExporter })],
    metricReaders: [new metrics3.PeriodicExportingMetricReader({ exporter: exporter.metricExporter })],
    instrumentations: [new HttpInstrumentation()],
  });
  sdk.start();
  const http = createRequire(import.meta.url)('node:http');
  const server = http.createServer((request, response) => response.end('ok'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise((resolve, reject) =>
    http
      .get(`http://127.0.0.1:${server.address().port}/health`, (response) => response.resume().on('end', resolve))
      .on('error', reject),
  );
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await sdk.shutdown();
  await exporter.shutdown();
  await store.init();
  const { traces } = await store.listTraces();
  assert.equal(traces.length, 1);
  const spans = (await store.getTrace(traces[0].traceId)).spans;
  assert.deepEqual(
    spans.map((span) => [span.kind, span.serviceName, span.attributes['http.response.status_code']]),
    [
      ['client', 'compat-http', 200n],
      ['server', 'compat-http', 200n],
    ],
  );
  assert.equal(spans[1].parentSpanId, spans[0].spanId);
  const metrics = await store.listMetrics({
    filter: { name: ['http.client.request.duration', 'http.server.request.duration'] },
  });
  assert.equal(metrics.pagination.total, 2);
  await store.close();
});
