import { networkInterfaces } from 'node:os';
import { gzipSync } from 'node:zlib';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { FaultInjector } from '../../support/faulty-store';
import { callOnce, EXPORT } from '../../support/grpc';
import { send, type HttpResult } from '../../support/http';
import { delta, sample, scrape } from '../../support/prometheus';
import { sdkSpans, tracesBody } from '../../support/telemetry';
import { TroubledStore } from '../../support/troubled-store';

const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const TRACES_ROUTE = { transport: 'http', route: '/v1/traces' };

interface JsonSpan {
  traceId: string;
  spanId: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: unknown[];
}

/** A JSON traces request from real SDK spans, whose spans a test may change. */
function jsonRequest(spans: ReturnType<typeof sdkSpans>) {
  const request = JSON.parse(tracesBody(spans, 'json').toString()) as {
    resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[];
  };
  return { request, spans: request.resourceSpans[0]!.scopeSpans[0]!.spans };
}

/** A zstd frame whose header declares a 1 GiB window, in about a kilobyte. */
function zstdWindowBomb(): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa0])];
  for (let i = 0; i < 250; i++) {
    const header = (i === 249 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41]));
  }
  return Buffer.concat(parts);
}

const health = async (url: string) => {
  const answer = await send(url, { method: 'GET', path: '/health' });
  return { status: answer.status, body: JSON.parse(answer.body.toString()) as { status: string; reasons: string[] } };
};

describe('receiver self-observability: GET /metrics', () => {
  let store: DuckDBStore;
  let faults: FaultInjector;
  let receiver: ReceiverHandle;

  beforeEach(async () => {
    store = new DuckDBStore({ path: ':memory:' });
    faults = new FaultInjector();
    receiver = await startReceiver({
      store: faults.wrap(store),
      port: 0,
      grpcPort: 0,
      limits: { attributeCountLimit: 2 },
    });
  });

  afterEach(async () => {
    await receiver.close();
    await store.close();
  });

  it('counts good, partly bad and compressed-bomb requests by exactly what became of them', async () => {
    const before = await scrape(receiver.url);

    const good = await send(receiver.url, {
      path: '/v1/traces',
      headers: { ...PROTOBUF, 'Content-Encoding': 'gzip' },
      body: gzipSync(tracesBody(sdkSpans(4), 'protobuf')),
    });
    expect(good.status).toBe(200);

    // Five spans: two plain, one over the attribute limit, one undecodable, one that validation refuses.
    const { request, spans } = jsonRequest(sdkSpans(2));
    const [wide] = jsonRequest(sdkSpans(1, { a: '1', b: '2', c: '3' })).spans;
    const [backwards] = jsonRequest(sdkSpans(1)).spans;
    backwards!.endTimeUnixNano = String(BigInt(backwards!.startTimeUnixNano) - 1n);
    spans.push(wide!, { ...spans[0]!, traceId: 'abcd', name: 'broken' }, backwards!);
    const partial = await send(receiver.url, { path: '/v1/traces', headers: JSON_TYPE, body: JSON.stringify(request) });
    expect(partial.status).toBe(200);
    expect(JSON.parse(partial.body.toString())).toMatchObject({ partialSuccess: { rejectedSpans: '2' } });

    const ratioBomb = await send(receiver.url, {
      path: '/v1/traces',
      headers: { ...PROTOBUF, 'Content-Encoding': 'gzip' },
      body: gzipSync(Buffer.alloc(8 * 1024 * 1024)),
    });
    const windowBomb = await send(receiver.url, {
      path: '/v1/traces',
      headers: { ...PROTOBUF, 'Content-Encoding': 'zstd' },
      body: zstdWindowBomb(),
    });
    expect([ratioBomb.status, windowBomb.status]).toEqual([413, 413]);

    const after = await scrape(receiver.url);
    const moved = (name: string, labels: Record<string, string> = {}) => delta(before, after, name, labels);
    expect(moved('otel_bridge_items_received_total', { signal: 'spans' })).toBe(9);
    expect(moved('otel_bridge_items_stored_total', { signal: 'spans' })).toBe(7);
    expect(moved('otel_bridge_items_rejected_total', { signal: 'spans', reason: 'decode' })).toBe(1);
    expect(moved('otel_bridge_items_rejected_total', { signal: 'spans', reason: 'invalid' })).toBe(1);
    expect(moved('otel_bridge_items_dropped_total', { signal: 'spans', reason: 'buffer_full' })).toBe(0);
    expect(moved('otel_bridge_items_dropped_total', { signal: 'spans', reason: 'write_failed' })).toBe(0);
    expect(moved('otel_bridge_limits_applied_total', { signal: 'spans', limit: 'attributes_dropped' })).toBe(1);
    expect(moved('otel_bridge_requests_refused_total', { reason: 'compression_ratio' })).toBe(1);
    expect(moved('otel_bridge_requests_refused_total', { reason: 'zstd_window' })).toBe(1);
    expect(moved('otel_bridge_requests_total', { ...TRACES_ROUTE, status: '200' })).toBe(2);
    expect(moved('otel_bridge_requests_total', { ...TRACES_ROUTE, status: '413' })).toBe(2);
    // The first scrape is counted once it is answered, before the second one is rendered.
    expect(moved('otel_bridge_requests_total', { transport: 'http', route: '/metrics', status: '200' })).toBe(1);
    // Every store write is timed once: the good request's, and the partial one's twice (refused, then without
    // the invalid span); the store saw each of them.
    const writes = (outcome: string) =>
      moved('otel_bridge_store_write_duration_seconds_count', { signal: 'spans', outcome });
    expect([writes('ok'), writes('error')]).toEqual([2, 1]);
    expect(faults.attempts.filter((attempt) => attempt.signal === 'spans')).toHaveLength(3);
    expect(
      sample(after, 'otel_bridge_store_write_duration_seconds_bucket', { signal: 'spans', outcome: 'ok', le: '+Inf' }),
    ).toBe(2);
    expect(moved('otel_bridge_store_write_duration_seconds_sum', { signal: 'spans', outcome: 'ok' })).toBeGreaterThan(
      0,
    );
    expect(sample(after, 'otel_bridge_queue_depth', { signal: 'spans' })).toBe(0);
    expect(sample(after, 'otel_bridge_request_bytes_in_flight')).toBe(0);
    expect(sample(after, 'otel_bridge_store_failing', { signal: 'spans' })).toBe(0);
    expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('counts OTLP/gRPC calls by method and code, and model spans that no price table knows', async () => {
    const before = await scrape(receiver.url);
    const model = sdkSpans(2, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'no-such-model-x9',
      'gen_ai.system': 'nowhere',
      'gen_ai.usage.input_tokens': 10,
    });
    const ok = await callOnce(receiver.grpcAddress!, EXPORT.traces, tracesBody(model, 'protobuf'));
    expect(ok.error).toBeNull();
    const bad = await callOnce(receiver.grpcAddress!, EXPORT.traces, Buffer.from([0xff, 0xff, 0xff]));
    expect(bad.error?.code).toBe(3);
    const after = await scrape(receiver.url);
    const route = { transport: 'grpc', route: EXPORT.traces };
    expect(delta(before, after, 'otel_bridge_requests_total', { ...route, status: 'OK' })).toBe(1);
    expect(delta(before, after, 'otel_bridge_requests_total', { ...route, status: 'INVALID_ARGUMENT' })).toBe(1);
    expect(delta(before, after, 'otel_bridge_items_received_total', { signal: 'spans' })).toBe(2);
    expect(delta(before, after, 'otel_bridge_pricing_spans_total', { source: 'unpriced' })).toBe(2);
    const unpriced = [...after.keys()].filter((key) => key.startsWith('otel_bridge_unpriced_model_spans_total{'));
    expect(unpriced).toEqual([expect.stringContaining('no-such-model-x9')]);
    expect(after.get(unpriced[0]!)).toBe(2);
  });

  it('keeps each receiver’s counters its own, in one process', async () => {
    const otherStore = new DuckDBStore({ path: ':memory:' });
    const other = await startReceiver({ store: otherStore, port: 0 });
    try {
      const body = tracesBody(sdkSpans(3), 'protobuf');
      expect((await send(other.url, { path: '/v1/traces', headers: PROTOBUF, body })).status).toBe(200);
      expect(sample(await scrape(other.url), 'otel_bridge_items_stored_total', { signal: 'spans' })).toBe(3);
      expect(sample(await scrape(receiver.url), 'otel_bridge_items_stored_total', { signal: 'spans' })).toBe(0);
    } finally {
      await other.close();
      await otherStore.close();
    }
  });
});

/** This machine's first IPv4 address that is not loopback. */
function lanAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;
  if (address === undefined) throw new Error('this test needs a network interface with a non-loopback IPv4 address');
  return address;
}

describe('receiver self-observability: who may read /metrics', () => {
  it('needs the token from a peer on another address, and not from loopback', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const receiver = await startReceiver({ store, host: '0.0.0.0', port: 0, authToken: 's3cret' });
    try {
      const local = `http://127.0.0.1:${receiver.port}`;
      const remote = `http://${lanAddress()}:${receiver.port}`;
      expect((await send(local, { method: 'GET', path: '/metrics' })).status).toBe(200);
      const refused = await send(remote, { method: 'GET', path: '/metrics' });
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      const wrong = await send(remote, { method: 'GET', path: '/metrics', headers: { Authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      const samples = await scrape(remote, { Authorization: 'Bearer s3cret' });
      expect(
        sample(samples, 'otel_bridge_requests_total', { transport: 'http', route: '/metrics', status: '401' }),
      ).toBe(2);
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});

describe('receiver self-observability: GET /health', () => {
  let store: TroubledStore;

  beforeEach(() => {
    store = new TroubledStore({ path: ':memory:' });
  });

  afterEach(() => store.close());

  it('says degraded (200) while a stalled store fills the write buffer and requests get 429', async () => {
    const receiver = await startReceiver({ store, port: 0, maxBatchSize: 50, maxBufferSize: 100 });
    try {
      expect(await health(receiver.url)).toMatchObject({ status: 200, body: { status: 'ok', reasons: [] } });
      const before = await scrape(receiver.url);
      const release = store.stallWrites();
      const sent: Promise<HttpResult>[] = [];
      for (let i = 0; i < 6; i++) {
        const body = tracesBody(sdkSpans(50), 'protobuf');
        sent.push(send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body }));
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      // Two batches in flight and two in the full buffer wait; the other requests are refused.
      const refused = (await Promise.all(sent.slice(4))).map((result) => result.status);
      expect(refused).toEqual([429, 429]);
      const degraded = await health(receiver.url);
      expect(degraded.status).toBe(200);
      expect(degraded.body.status).toBe('degraded');
      expect(degraded.body.reasons).toEqual(
        expect.arrayContaining([
          'spans: the write buffer holds 100 of 100 records',
          'requests were refused for backpressure in the last 10 s',
        ]),
      );
      const during = await scrape(receiver.url);
      expect(sample(during, 'otel_bridge_queue_depth', { signal: 'spans' })).toBe(100);
      expect(delta(before, during, 'otel_bridge_requests_refused_total', { reason: 'buffer_full' })).toBe(2);
      expect(delta(before, during, 'otel_bridge_items_dropped_total', { signal: 'spans', reason: 'buffer_full' })).toBe(
        100,
      );
      release();
      expect((await Promise.all(sent.slice(0, 4))).map((result) => result.status)).toEqual([200, 200, 200, 200]);
      const after = await scrape(receiver.url);
      expect(delta(before, after, 'otel_bridge_items_stored_total', { signal: 'spans' })).toBe(200);
      expect(sample(after, 'otel_bridge_queue_depth', { signal: 'spans' })).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('says failing (503) while the store is in an outage, and ok again once it recovers', async () => {
    const receiver = await startReceiver({ store, port: 0, retryDelayMs: 100, maxRetryDelayMs: 100, maxRetries: 50 });
    try {
      store.failing = true;
      const spans = sdkSpans(5);
      const waiting = send(receiver.url, {
        path: '/v1/traces',
        headers: PROTOBUF,
        body: tracesBody(spans, 'protobuf'),
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const failing = await health(receiver.url);
      expect(failing.status).toBe(503);
      expect(failing.body).toMatchObject({
        status: 'failing',
        reasons: ['spans: the store failed a write, which is being retried'],
      });
      const refused = await send(receiver.url, {
        path: '/v1/traces',
        headers: PROTOBUF,
        body: tracesBody(sdkSpans(1), 'protobuf'),
      });
      expect(refused.status).toBe(503);
      const during = await scrape(receiver.url);
      expect(sample(during, 'otel_bridge_store_failing', { signal: 'spans' })).toBe(1);
      expect(sample(during, 'otel_bridge_requests_refused_total', { reason: 'store_failing' })).toBe(1);
      expect(
        sample(during, 'otel_bridge_store_write_duration_seconds_count', { signal: 'spans', outcome: 'error' }),
      ).toBeGreaterThan(0);
      store.failing = false;
      expect((await waiting).status).toBe(200);
      expect(await store.getTrace(spans[0]!.spanContext().traceId)).not.toBeNull();
      expect(await health(receiver.url)).toMatchObject({ status: 200, body: { status: 'ok', reasons: [] } });
    } finally {
      await receiver.close();
    }
  });

  it('answers HEAD for load balancers that probe with it', async () => {
    const receiver = await startReceiver({ store, port: 0 });
    try {
      const head = await send(receiver.url, { method: 'HEAD', path: '/health' });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
    } finally {
      await receiver.close();
    }
  });
});
