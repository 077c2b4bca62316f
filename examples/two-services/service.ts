/**
 * One service of the two-services example: `backend` serves `/price`, `frontend` calls it once.
 * Each is its own process with its own NodeSDK, sending OTLP/HTTP (protobuf) to
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, as any OpenTelemetry app does; the HTTP instrumentation carries the
 * trace from one to the other in `traceparent`.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const [role, backendUrl] = process.argv.slice(2);

const sdk = new NodeSDK({
  serviceName: role,
  autoDetectResources: false,
  // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318).
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  instrumentations: [new HttpInstrumentation()],
});
sdk.start();
// Loaded after sdk.start() and through require, which the HTTP instrumentation hooks to patch it.
const http = createRequire(__filename)('node:http') as typeof import('node:http');

async function backend(): Promise<void> {
  const server = http.createServer((request, response) => {
    trace.getActiveSpan()?.setAttribute('app.item', 'coffee');
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ item: 'coffee', price: 3.5 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The orchestrator reads this line, then stops the backend with SIGTERM when the frontend is done.
  console.log(`backend on http://127.0.0.1:${(server.address() as AddressInfo).port}/price`);
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void sdk.shutdown());
  });
}

async function frontend(): Promise<void> {
  const traceId = await trace.getTracer('frontend').startActiveSpan('checkout', async (span) => {
    await new Promise<void>((resolve, reject) => {
      http.get(backendUrl!, (response) => response.resume().on('end', resolve)).on('error', reject);
    });
    span.end();
    return span.spanContext().traceId;
  });
  await sdk.shutdown();
  console.log(`trace ${traceId}`);
}

(role === 'backend' ? backend() : frontend()).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
