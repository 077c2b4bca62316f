/**
 * A Node app under the OpenTelemetry NodeSDK with auto-instrumented HTTP: a small API server and a
 * client that calls it, exported in-process into DuckDB by otel-bridge, then the stored trace
 * printed as a tree (the client span, and the server span under it, joined by `traceparent`).
 *
 * Run it with `npm run example:http`. It writes `nodesdk-http.duckdb` in the working directory.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { DefaultExporter, DuckDBStore, formatTrace } from '../src';

async function main(): Promise<void> {
  const path = 'nodesdk-http.duckdb';
  // The one line that names the store; for ClickHouse, import ClickHouseStore (the second line to change) and
  // () => new ClickHouseStore({ url: 'http://localhost:8123' }).
  const openStore = () => new DuckDBStore({ path });
  const exporter = new DefaultExporter({ storage: openStore() });
  const sdk = new NodeSDK({
    serviceName: 'orders-api',
    autoDetectResources: false,
    spanProcessors: [new BatchSpanProcessor(exporter.spanExporter)],
    logRecordProcessors: [new BatchLogRecordProcessor({ exporter: exporter.logRecordExporter })],
    metricReaders: [new PeriodicExportingMetricReader({ exporter: exporter.metricExporter })],
    instrumentations: [new HttpInstrumentation()],
  });
  sdk.start();
  // Loaded after sdk.start() and through require, which the HTTP instrumentation hooks to patch it.
  const load = createRequire(__filename);
  const http = load('node:http') as typeof import('node:http');

  const server = http.createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ order: request.url, status: 'shipped' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // One user action: a span of our own around the HTTP call, which the instrumentation traces.
  const traceId = await trace.getTracer('orders-client').startActiveSpan('check order', async (span) => {
    await new Promise<void>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/orders/42`, (response) => response.resume().on('end', resolve))
        .on('error', reject);
    });
    span.end();
    return span.spanContext().traceId;
  });

  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await sdk.shutdown();
  await exporter.shutdown();

  const store = openStore();
  await store.init();
  const stored = await store.getTrace(traceId);
  await store.close();
  const text = `trace ${traceId}\n${formatTrace(stored?.spans ?? [])}`;
  console.log(text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
