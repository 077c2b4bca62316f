import { status } from '@grpc/grpc-js';
import { startReceiver } from '../../../src/receiver/server';
import { StorageError } from '../../../src/storage/errors';
import { callExport, callOnce, EXPORT, grpcClient, statusDetails, type GrpcAnswer } from '../../support/grpc';
import { sdkSpans, tracesBody } from '../../support/telemetry';
import { TroubledStore } from '../../support/troubled-store';

function batch(count: number) {
  const spans = sdkSpans(count);
  return { traceIds: spans.map((span) => span.spanContext().traceId), body: tracesBody(spans, 'protobuf') };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('OTLP/gRPC receiver: backpressure, store failures and shutdown', () => {
  let store: TroubledStore;

  beforeEach(() => {
    store = new TroubledStore({ path: ':memory:' });
  });

  afterEach(() => store.close());

  async function present(traceIds: string[]): Promise<boolean> {
    const { traces } = await store.listTraces({ perPage: 1000 });
    const stored = new Set(traces.map((trace) => trace.traceId));
    return traceIds.every((id) => stored.has(id));
  }

  it('answers RESOURCE_EXHAUSTED with a RetryInfo while a stalled store fills the queue, and stores everything it acknowledged', async () => {
    const receiver = await startReceiver({
      store,
      port: 0,
      grpcPort: 0,
      maxBatchSize: 100,
      maxBufferSize: 200,
      retryAfterSeconds: 3,
    });
    const client = grpcClient(receiver.grpcAddress!);
    try {
      const release = store.stallWrites();
      const batches = Array.from({ length: 6 }, () => batch(100));
      const answers: Promise<GrpcAnswer>[] = [];
      for (const { body } of batches) {
        answers.push(callExport(client, EXPORT.traces, body));
        await pause(30);
      }
      setTimeout(release, 100);
      const results = await Promise.all(answers);
      // Two batches in flight (the default) and two queued fit; the rest are refused at once.
      const refused = results.filter((result) => result.error !== null);
      expect(results.filter((result) => result.error === null)).toHaveLength(4);
      expect(refused).toHaveLength(2);
      for (const { error } of refused) {
        expect(error!.code).toBe(status.RESOURCE_EXHAUSTED);
        expect(error!.details).toMatch(/write buffer full/);
        expect(statusDetails(error!)).toEqual({
          code: status.RESOURCE_EXHAUSTED,
          message: error!.details,
          retryDelayMs: 3000,
        });
        expect(error!.metadata.get('grpc-retry-pushback-ms')).toEqual(['3000']);
      }
      const acknowledged = batches.filter((_, i) => results[i]!.error === null).flatMap((b) => b.traceIds);
      expect(await present(acknowledged)).toBe(true);
      for (const [i, { body }] of batches.entries()) {
        if (results[i]!.error !== null) expect((await callExport(client, EXPORT.traces, body)).error).toBeNull();
      }
      expect(await present(batches.flatMap((b) => b.traceIds))).toBe(true);
    } finally {
      client.close();
      await receiver.close();
    }
  });

  it('is retried by a client with a retry policy only after the delay it was given (grpc-js reads it from grpc-retry-pushback-ms, sent beside the RetryInfo)', async () => {
    const receiver = await startReceiver({
      store,
      port: 0,
      grpcPort: 0,
      maxBatchSize: 100,
      maxBufferSize: 100,
      retryAfterSeconds: 1,
    });
    // Without the server's delay this policy would retry after 10 ms, twice, and give up.
    const retrying = grpcClient(receiver.grpcAddress!, {
      channel: {
        'grpc.service_config': JSON.stringify({
          methodConfig: [
            {
              name: [{ service: 'opentelemetry.proto.collector.trace.v1.TraceService' }],
              retryPolicy: {
                maxAttempts: 3,
                initialBackoff: '0.01s',
                maxBackoff: '0.01s',
                backoffMultiplier: 1,
                retryableStatusCodes: ['RESOURCE_EXHAUSTED', 'UNAVAILABLE'],
              },
            },
          ],
        }),
      },
    });
    const plain = grpcClient(receiver.grpcAddress!);
    try {
      const release = store.stallWrites();
      // Two writes in flight and one queued: the queue is full.
      const filling = [batch(100), batch(100), batch(100)];
      const filled = filling.map(({ body }) => callExport(plain, EXPORT.traces, body));
      await pause(100);
      const late = batch(100);
      const started = performance.now();
      const retried = callExport(retrying, EXPORT.traces, late.body);
      setTimeout(release, 300);
      expect((await retried).error).toBeNull();
      expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
      expect((await Promise.all(filled)).map((answer) => answer.error)).toEqual([null, null, null]);
      expect(await present([...filling, late].flatMap((b) => b.traceIds))).toBe(true);
    } finally {
      retrying.close();
      plain.close();
      await receiver.close();
    }
  });

  it('takes a request larger than the whole queue, in batches, and tells a client to retry one while others wait', async () => {
    const receiver = await startReceiver({ store, port: 0, grpcPort: 0, maxBatchSize: 50, maxBufferSize: 100 });
    try {
      const big = batch(150);
      expect((await callOnce(receiver.grpcAddress!, EXPORT.traces, big.body)).error).toBeNull();
      expect(await present(big.traceIds)).toBe(true);
      const release = store.stallWrites();
      // Two batches in flight, and 100 spans queued behind them: the big request must wait.
      const waiting = [batch(50), batch(50), batch(100)].map(({ body }) =>
        callOnce(receiver.grpcAddress!, EXPORT.traces, body),
      );
      await pause(100);
      const answer = await callOnce(receiver.grpcAddress!, EXPORT.traces, batch(150).body);
      release();
      expect(answer.error!.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(answer.error!.details).toMatch(/a batch of 150 spans records is larger than the whole buffer \(100\)/);
      // With a RetryInfo, OTLP clients retry it: it fits once the queue is empty.
      expect(statusDetails(answer.error!).retryDelayMs).toBe(1000);
      expect((await Promise.all(waiting)).map((result) => result.error)).toEqual([null, null, null]);
    } finally {
      await receiver.close();
    }
  });

  it('answers RESOURCE_EXHAUSTED when too many request bytes are being processed at once', async () => {
    const receiver = await startReceiver({ store, port: 0, grpcPort: 0, maxInFlightBytes: 1 });
    try {
      const release = store.stallWrites();
      const first = callOnce(receiver.grpcAddress!, EXPORT.traces, batch(10).body);
      await pause(50);
      const second = await callOnce(receiver.grpcAddress!, EXPORT.traces, batch(10).body);
      expect(second.error!.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(second.error!.details).toMatch(/MiB of requests are already being processed/);
      expect(statusDetails(second.error!).retryDelayMs).toBe(1000);
      release();
      expect((await first).error).toBeNull();
    } finally {
      await receiver.close();
    }
  });

  it('counts the bytes of a call as they arrive, so that concurrent large messages cannot overshoot the budget', async () => {
    const receiver = await startReceiver({ store, port: 0, grpcPort: 0, maxInFlightBytes: 4 * 2 ** 20 });
    const client = grpcClient(receiver.grpcAddress!);
    try {
      // Not protobuf: a message that gets in is refused by the decoder, and its bytes released.
      const garbage = Buffer.alloc(3 * 2 ** 20, 0x41);
      const answers = await Promise.all(Array.from({ length: 8 }, () => callExport(client, EXPORT.traces, garbage)));
      const codes = answers.map((answer) => answer.error!.code);
      expect(codes.filter((code) => code === status.RESOURCE_EXHAUSTED).length).toBeGreaterThanOrEqual(5);
      for (const { error } of answers.filter((answer) => answer.error!.code === status.RESOURCE_EXHAUSTED)) {
        expect(error!.details).toMatch(/MiB of requests are already being processed \(limit 4\.0 MiB\)/);
        expect(statusDetails(error!).retryDelayMs).toBe(1000);
      }
      // Every refused call gave its bytes back: one alone fits again.
      const alone = await callExport(client, EXPORT.traces, garbage);
      expect(alone.error!.code).toBe(status.INVALID_ARGUMENT);
      expect((await callExport(client, EXPORT.traces, batch(3).body)).error).toBeNull();
    } finally {
      client.close();
      await receiver.close();
    }
  });

  it('answers UNAVAILABLE with a RetryInfo while the store is failing, and recovers', async () => {
    const receiver = await startReceiver({
      store,
      port: 0,
      grpcPort: 0,
      maxRetries: 2,
      retryDelayMs: 150,
      maxRetryDelayMs: 150,
    });
    const address = receiver.grpcAddress!;
    try {
      const kept = batch(5);
      expect((await callOnce(address, EXPORT.traces, kept.body)).error).toBeNull();

      store.failing = true;
      const waiting = callOnce(address, EXPORT.traces, batch(5).body);
      await pause(60);
      const fast = await callOnce(address, EXPORT.traces, batch(5).body);
      expect(fast.error!.code).toBe(status.UNAVAILABLE);
      expect(fast.error!.details).toBe('storage is failing; retrying earlier writes');
      expect(statusDetails(fast.error!).retryDelayMs).toBe(1000);
      const exhausted = await waiting;
      expect(exhausted.error!.code).toBe(status.UNAVAILABLE);
      expect(exhausted.error!.details).toMatch(/storage is unavailable: dropped 5 spans records after 3 attempt\(s\)/);

      store.failing = false;
      const after = batch(5);
      expect((await callOnce(address, EXPORT.traces, after.body)).error).toBeNull();
      expect(await present([...kept.traceIds, ...after.traceIds])).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('answers UNAVAILABLE with a RetryInfo while over its memory limit and busy, and admits a call when idle', async () => {
    const receiver = await startReceiver({
      store,
      port: 0,
      grpcPort: 0,
      memoryLimitBytes: Math.floor(process.memoryUsage.rss() / 0.6),
      // Small messages, so that the default bytes in flight (at least one message) keep the 80% line.
      maxBodyBytes: 1024 * 1024,
    });
    const address = receiver.grpcAddress!;
    try {
      const release = store.stallWrites();
      const busy = callOnce(address, EXPORT.traces, batch(1).body);
      await pause(50);
      const ballast = Buffer.alloc(Math.floor(process.memoryUsage.rss() * 0.8), 1);
      const refused = await callOnce(address, EXPORT.traces, batch(1).body);
      expect(refused.error!.code).toBe(status.UNAVAILABLE);
      expect(refused.error!.details).toMatch(
        /memory limit: the process uses [\d.]+ MiB, over the [\d.]+ MiB its [\d.]+ MiB limit admits new requests below/,
      );
      expect(statusDetails(refused.error!).retryDelayMs).toBe(1000);
      release();
      expect((await busy).error).toBeNull();
      // Still over the limit, but alone: the call's own bytes are no other work, so it gets through.
      const alone = batch(1);
      expect((await callOnce(address, EXPORT.traces, alone.body)).error).toBeNull();
      expect(ballast[ballast.length - 1]).toBe(1);
      expect(await present(alone.traceIds)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('answers UNAVAILABLE with a RetryInfo, never INTERNAL, when the store refuses every write, even as permanent', async () => {
    // No record can be blamed when nothing writes: the store is failing, not the data (as over HTTP).
    const receiver = await startReceiver({
      store,
      port: 0,
      grpcPort: 0,
      maxRetries: 1,
      retryDelayMs: 1,
      maxRetryDelayMs: 2,
    });
    store.batchCreateSpans = () =>
      Promise.reject(
        new StorageError({ store: 'duckdb', operation: 'insert', retryable: false, message: 'schema mismatch' }),
      );
    try {
      const answer = await callOnce(receiver.grpcAddress!, EXPORT.traces, batch(2).body);
      expect(answer.error!.code).toBe(status.UNAVAILABLE);
      expect(answer.error!.details).toMatch(/schema mismatch/);
      expect(statusDetails(answer.error!).retryDelayMs).toBe(1000);
      expect(answer.error!.metadata.get('grpc-retry-pushback-ms')).toEqual(['1000']);
    } finally {
      await receiver.close();
    }
  });

  it('answers the calls in flight before it closes, then refuses new ones', async () => {
    const receiver = await startReceiver({ store, port: 0, grpcPort: 0 });
    const address = receiver.grpcAddress!;
    const release = store.stallWrites();
    const sent = batch(3);
    const inFlight = callOnce(address, EXPORT.traces, sent.body);
    await pause(100);
    const closed = receiver.close();
    await pause(50);
    const refused = await callOnce(address, EXPORT.traces, batch(1).body, {
      channel: { 'grpc.initial_reconnect_backoff_ms': 50 },
    });
    expect(refused.error!.code).toBe(status.UNAVAILABLE);
    release();
    expect((await inFlight).error).toBeNull();
    await closed;
    expect(await present(sent.traceIds)).toBe(true);
  });
});
