import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startReceiver } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { callOnce, EXPORT } from '../../support/grpc';
import { send } from '../../support/http';
import { sdkSpans, tracesBody } from '../../support/telemetry';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'tls');
const tls = { certFile: join(FIXTURES, 'cert.pem'), keyFile: join(FIXTURES, 'key.pem') };
const ca = readFileSync(tls.certFile);

function overHttps(url: string, path: string, body?: Buffer): Promise<{ status: number; text: string }> {
  const headers = body ? { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length } : {};
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: body ? 'POST' : 'GET', ca, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the receiver over TLS', () => {
  it('serves OTLP/HTTP as HTTPS and OTLP/gRPC with TLS, from one certificate and key file', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const receiver = await startReceiver({ store, port: 0, grpcPort: 0, tls });
    try {
      expect(receiver.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const viaHttps = sdkSpans(1);
      expect((await overHttps(receiver.url, '/v1/traces', tracesBody(viaHttps, 'protobuf'))).status).toBe(200);
      // The HTTP API shares the HTTPS port.
      const traceId = viaHttps[0]!.spanContext().traceId;
      const view = await overHttps(receiver.url, `/api/v1/traces/${traceId}`);
      expect(view.status).toBe(200);
      expect((JSON.parse(view.text) as { traceId: string }).traceId).toBe(traceId);

      // By name, as clients are usually configured, which the certificate names too.
      const grpcAddress = `localhost:${receiver.grpcPort!}`;
      const overGrpc = sdkSpans(1);
      const answer = await callOnce(grpcAddress, EXPORT.traces, tracesBody(overGrpc, 'protobuf'), {
        credentials: credentials.createSsl(ca),
      });
      expect(answer.error).toBeNull();

      // The SDK's own gRPC exporter, given the certificate to trust.
      const exporter = new GrpcTraceExporter({
        url: `https://${grpcAddress}`,
        credentials: credentials.createSsl(ca),
      });
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      provider.getTracer('tls').startSpan('over tls').end();
      await provider.forceFlush();
      await provider.shutdown();

      for (const span of [...viaHttps, ...overGrpc])
        expect(await store.getTrace(span.spanContext().traceId)).not.toBeNull();
      expect((await store.listTraces({ filter: { name: 'over tls' } })).traces).toHaveLength(1);

      // Plain text is not answered on either port.
      await expect(send(receiver.url.replace('https', 'http'), { method: 'GET', path: '/health' })).rejects.toThrow();
      const plain = await callOnce(grpcAddress, EXPORT.traces, tracesBody(sdkSpans(1), 'protobuf'));
      expect(plain.error!.code).toBe(status.UNAVAILABLE);
    } finally {
      await receiver.close();
      await store.close();
    }
  });

  it('names the file it cannot read', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    await expect(
      startReceiver({ store, port: 0, tls: { certFile: tls.certFile, keyFile: join(FIXTURES, 'missing.pem') } }),
    ).rejects.toThrow(/cannot read the TLS key ".*missing\.pem": ENOENT/);
    await store.close();
  });
});
