import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { StorageError } from '../../../src/storage/errors';
import { RESIDENT_PER_BODY_BYTE, SOFT_MEMORY_SHARE } from '../../../src/receiver/memory';
import { startReceiver } from '../../../src/receiver/server';
import { send, type HttpResult } from '../../support/http';
import { sdkSpans, tracesBody } from '../../support/telemetry';
import { TroubledStore } from '../../support/troubled-store';

const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };

function batch(count: number) {
  const spans = sdkSpans(count);
  return { traceIds: spans.map((span) => span.spanContext().traceId), body: tracesBody(spans, 'protobuf') };
}

describe('OTLP/HTTP receiver: backpressure', () => {
  let store: TroubledStore;

  beforeEach(() => {
    store = new TroubledStore({ path: ':memory:' });
  });

  afterEach(() => store.close());

  async function present(traceIds: string[]): Promise<boolean> {
    for (const id of traceIds) if ((await store.getTrace(id)) === null) return false;
    return true;
  }

  it('answers 429 with Retry-After when the write queue is full, and stores everything it acknowledged', async () => {
    const receiver = await startReceiver({
      store,
      port: 0,
      maxBatchSize: 100,
      maxBufferSize: 200,
      retryAfterSeconds: 3,
    });
    let release!: () => void;
    store.stall = new Promise((resolve) => (release = resolve));
    const batches = Array.from({ length: 6 }, () => batch(100));
    const responses: Promise<HttpResult>[] = [];
    for (const { body } of batches) {
      responses.push(send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body }));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    setTimeout(() => release(), 100);
    const results = await Promise.all(responses);
    const statuses = results.map((result) => result.status);
    // Two batches in flight (the default) and two queued fit; the rest are refused at once.
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    for (const result of results.filter((r) => r.status === 429)) {
      expect(result.headers['retry-after']).toBe('3');
      expect(result.body.toString('latin1')).toMatch(/write buffer full/);
    }
    store.stall = null;
    const acknowledged = batches.filter((_, i) => statuses[i] === 200).flatMap((b) => b.traceIds);
    expect(await present(acknowledged)).toBe(true);
    // A client that honours Retry-After gets the rest in.
    for (const [i, { body }] of batches.entries()) {
      if (statuses[i] === 429)
        expect((await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body })).status).toBe(200);
    }
    expect(await present(batches.flatMap((b) => b.traceIds))).toBe(true);
    await receiver.close();
  });

  it('answers 429 when too many request bytes are being processed at once', async () => {
    const receiver = await startReceiver({ store, port: 0, maxInFlightBytes: 1 });
    let release!: () => void;
    store.stall = new Promise((resolve) => (release = resolve));
    const first = send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(10).body });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(10).body });
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    release();
    expect((await first).status).toBe(200);
    await receiver.close();
  });

  describe('a large body refused while the client is still sending it', () => {
    // 16 MB: refused at its first piece (the budget is one byte, held by a stalled request), while
    // most of it is still to be written.
    const large = Buffer.concat([batch(10).body, Buffer.alloc(16 * 1024 * 1024)]);

    /** Runs `check` while a stalled request holds the budget; `release` lets that request finish. */
    async function whileStalled(check: (url: string, release: () => Promise<void>) => Promise<void>): Promise<void> {
      const receiver = await startReceiver({ store, port: 0, maxInFlightBytes: 1 });
      let release!: () => void;
      store.stall = new Promise((resolve) => (release = resolve));
      const first = send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(10).body });
      const finish = async () => {
        release();
        expect((await first).status).toBe(200);
      };
      try {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await check(receiver.url, finish);
      } finally {
        release();
        await first;
        await receiver.close();
      }
    }

    it('gets its 429 on a kept-alive connection that its retry uses again', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const sockets = new Set<unknown>();
      const viaAgent = (url: string, body: Buffer) =>
        new Promise<HttpResult>((resolve, reject) => {
          const req = request(
            new URL('/v1/traces', url),
            { method: 'POST', headers: { ...PROTOBUF, 'Content-Length': String(body.length) }, agent },
            (response) => {
              sockets.add(response.socket);
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () =>
                resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }),
              );
            },
          );
          req.on('error', reject);
          for (let offset = 0; offset < body.length; offset += 64 * 1024)
            req.write(body.subarray(offset, offset + 64 * 1024));
          req.end();
        });
      try {
        await whileStalled(async (url, finish) => {
          const refused = await viaAgent(url, large);
          expect(refused.status).toBe(429);
          expect(refused.headers['retry-after']).toBe('1');
          expect(refused.headers.connection).not.toBe('close');
          await finish();
          expect((await viaAgent(url, batch(10).body)).status).toBe(200);
        });
      } finally {
        agent.destroy();
      }
      expect(sockets.size).toBe(1);
    });

    it('is answered once its body is in when it asked for Connection: close, so no reset takes the answer away', async () => {
      await whileStalled(async (url) => {
        const socket = connect(Number(new URL(url).port), '127.0.0.1');
        const received: Buffer[] = [];
        const closed = new Promise((resolve) => {
          socket.once('close', resolve);
          socket.once('error', resolve);
        });
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        try {
          socket.write(
            `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
              `Content-Type: application/x-protobuf\r\nContent-Length: ${large.length}\r\n\r\n`,
          );
          socket.write(large.subarray(0, 1024 * 1024));
          await new Promise((resolve) => setTimeout(resolve, 300));
          // Answered now, the close that follows would reset the 15 MB still being written.
          expect(Buffer.concat(received).length).toBe(0);
          socket.end(large.subarray(1024 * 1024));
          await closed;
          expect(Buffer.concat(received).toString('latin1')).toMatch(/^HTTP\/1\.1 429 /);
        } finally {
          socket.destroy();
        }
      });
    });
  });

  it('counts request bytes as they arrive, so that a burst of concurrent requests cannot overshoot the budget', async () => {
    const body = batch(200).body;
    const receiver = await startReceiver({ store, port: 0, maxInFlightBytes: Math.floor(body.length * 2.5) });
    let release!: () => void;
    store.stall = new Promise((resolve) => (release = resolve));
    const burst = Array.from({ length: 8 }, () =>
      send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body, chunked: true }),
    );
    setTimeout(() => release(), 300);
    const statuses = (await Promise.all(burst)).map((result) => result.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(2);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
    await receiver.close();
  });

  it('refuses to start when the process is already near its memory limit', async () => {
    const limit = Math.floor(process.memoryUsage.rss() / 0.7);
    await expect(startReceiver({ store, port: 0, memoryLimitBytes: Math.floor(limit / 2) })).rejects.toThrow(
      /already uses [\d.]+ MiB, too close to the [\d.]+ MiB memory limit/,
    );
  });

  it('answers 503 with Retry-After while the process is over its memory limit and busy, and admits when idle', async () => {
    const receiver = await startReceiver({
      store,
      port: 0,
      memoryLimitBytes: Math.floor(process.memoryUsage.rss() / 0.7),
      // Small bodies, so that the default bytes in flight (at least one body) keep the 80% line.
      maxBodyBytes: 1024 * 1024,
    });
    let release!: () => void;
    store.stall = new Promise((resolve) => (release = resolve));
    const busy = send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(1).body });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ballast = Buffer.alloc(Math.floor(process.memoryUsage.rss() * 0.6), 1);
    const refused = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(1).body });
    expect(ballast[ballast.length - 1]).toBe(1);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.toString('latin1')).toMatch(
      /memory limit: the process uses [\d.]+ MiB, over the [\d.]+ MiB its [\d.]+ MiB limit admits new requests below/,
    );
    release();
    expect((await busy).status).toBe(200);
    // Nothing in flight: still over the limit, but a request gets through, so the receiver never locks up.
    expect((await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(1).body })).status).toBe(200);
    await receiver.close();
  });

  it('refuses new requests from 80% of the memory limit, before the limit itself is reached', async () => {
    const limit = Math.floor(process.memoryUsage.rss() / 0.7);
    // Small bodies, so that the default bytes in flight (at least one body) keep the 80% line.
    const receiver = await startReceiver({ store, port: 0, memoryLimitBytes: limit, maxBodyBytes: 1024 * 1024 });
    let release!: () => void;
    store.stall = new Promise((resolve) => (release = resolve));
    const busy = send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(1).body });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Bring the process to about 90% of its limit: past the soft limit, short of the limit.
    const ballast = Buffer.alloc(Math.max(0, Math.floor(limit * 0.9 - process.memoryUsage.rss())), 1);
    const rss = process.memoryUsage.rss();
    expect(rss).toBeGreaterThan(limit * 0.8);
    expect(rss).toBeLessThan(limit);
    // An admitted request would wait for the stalled store, then succeed.
    setTimeout(() => release(), 500);
    const refused = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(1).body });
    expect(ballast[ballast.length - 1]).toBe(1);
    expect(refused.status).toBe(503);
    expect(refused.body.toString('latin1')).toMatch(
      /over the [\d.]+ MiB its [\d.]+ MiB limit admits new requests below/,
    );
    expect((await busy).status).toBe(200);
    await receiver.close();
  });

  it('under a memory limit, holds as many request bytes in flight as what they grow to leaves room for, and one body', async () => {
    const limit = Math.floor(process.memoryUsage.rss() / 0.7);
    const inFlight = async (maxBodyBytes: number) => {
      const receiver = await startReceiver({ store, port: 0, memoryLimitBytes: limit, maxBodyBytes });
      const health = await send(receiver.url, { method: 'GET', path: '/health' });
      await receiver.close();
      return (JSON.parse(health.body.toString()) as { memory: { maxInFlightBytes: number } }).memory.maxInFlightBytes;
    };
    const affordable = (limit * (1 - SOFT_MEMORY_SHARE)) / RESIDENT_PER_BODY_BYTE;
    const small = await inFlight(1024);
    expect(small).toBeLessThanOrEqual(affordable);
    expect(small).toBeGreaterThan(affordable - 1024 * 1024);
    // A body larger than that is still let in beside others.
    expect(await inFlight(Math.ceil(affordable) + 1024 * 1024)).toBe(Math.ceil(affordable) + 1024 * 1024);
  });

  it('refuses new requests below 80% of the memory limit when more bytes may be in flight than it affords', async () => {
    const limit = Math.floor(process.memoryUsage.rss() / 0.6);
    // What these bytes may grow to leaves 70% of the limit, not 80%, for the resident size that admits.
    const maxInFlightBytes = Math.floor((limit * 0.3) / RESIDENT_PER_BODY_BYTE);
    const receiver = await startReceiver({ store, port: 0, memoryLimitBytes: limit, maxInFlightBytes });
    let release!: () => void;
    store.stall = new Promise((resolve) => (release = resolve));
    const busy = send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(1).body });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ballast = Buffer.alloc(Math.max(0, Math.floor(limit * 0.75 - process.memoryUsage.rss())), 1);
    const rss = process.memoryUsage.rss();
    expect(rss).toBeGreaterThan(limit * 0.7);
    expect(rss).toBeLessThan(limit * SOFT_MEMORY_SHARE);
    setTimeout(() => release(), 500);
    const refused = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(1).body });
    expect(ballast[ballast.length - 1]).toBe(1);
    expect(refused.status).toBe(503);
    expect(refused.body.toString('latin1')).toMatch(/memory limit: the process uses [\d.]+ MiB, over the [\d.]+ MiB/);
    expect((await busy).status).toBe(200);
    await receiver.close();
  });

  it('refuses to start when the request bytes in flight may grow past what the memory limit leaves', async () => {
    const limit = Math.floor(process.memoryUsage.rss() / 0.7);
    await expect(
      startReceiver({
        store,
        port: 0,
        memoryLimitBytes: limit,
        maxInFlightBytes: Math.ceil(limit / RESIDENT_PER_BODY_BYTE),
      }),
    ).rejects.toThrow(/MiB of requests in flight may grow to [\d.]+ MiB resident, which leaves nothing of the/);
  });

  it('answers 503 with Retry-After while the store is failing, and recovers', async () => {
    const receiver = await startReceiver({ store, port: 0, maxRetries: 2, retryDelayMs: 150, maxRetryDelayMs: 150 });
    const kept = batch(5);
    expect((await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: kept.body })).status).toBe(200);

    store.failing = true;
    const waiting = send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(5).body });
    await new Promise((resolve) => setTimeout(resolve, 60));
    const fast = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(5).body });
    expect(fast.status).toBe(503);
    expect(fast.headers['retry-after']).toBe('1');
    const exhausted = await waiting;
    expect(exhausted.status).toBe(503);
    expect(exhausted.body.toString('latin1')).toMatch(
      /storage is unavailable: dropped 5 spans records after 3 attempt\(s\)/,
    );

    store.failing = false;
    const after = batch(5);
    expect((await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: after.body })).status).toBe(200);
    expect(await present([...kept.traceIds, ...after.traceIds])).toBe(true);
    const health = await send(receiver.url, { method: 'GET', path: '/health' });
    expect(JSON.parse(health.body.toString())).toMatchObject({ status: 'ok', signals: { spans: { failing: false } } });
    await receiver.close();
  });

  it('answers 503 with Retry-After, never 500, when the store refuses every write, even as permanent', async () => {
    // No record can be blamed when nothing writes: the store is failing, not the data.
    const receiver = await startReceiver({ store, port: 0, maxRetries: 1, retryDelayMs: 1, maxRetryDelayMs: 2 });
    class Broken extends Error {}
    const original = store.batchCreateSpans.bind(store);
    store.batchCreateSpans = () =>
      Promise.reject(
        new StorageError({
          store: 'duckdb',
          operation: 'insert',
          retryable: false,
          message: 'schema mismatch',
          cause: new Broken(),
        }),
      );
    const response = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: batch(2).body });
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    store.batchCreateSpans = original;
    await receiver.close();
  });
});
