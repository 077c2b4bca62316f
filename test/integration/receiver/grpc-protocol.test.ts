import { connect, constants as http2, type ClientHttp2Session } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { callOnce, EXPORT, partialSuccess, statusDetails } from '../../support/grpc';
import { send } from '../../support/http';
import { concat, fixed64Field, hexField, otlp, stringField } from '../../support/otlp-wire';
import { sdkSpans, tracesBody } from '../../support/telemetry';

const LIMIT = 1024 * 1024;
const TOKEN = 'grpc-s3cret';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** The 5-byte gRPC message prefix: compressed flag, then the length. */
function frame(message: Buffer, { compressed = false, declaredLength = message.length } = {}): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(compressed ? 1 : 0, 0);
  prefix.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([prefix, message]);
}

/**
 * Sends raw HTTP/2 gRPC frames, as a broken or hostile client would, and returns the status, which
 * comes in the headers (trailers-only) or the trailers.
 */
function rawCall(
  session: ClientHttp2Session,
  path: string,
  data: Buffer,
  { end = true, headers = {} }: { end?: boolean; headers?: Record<string, string> } = {},
): Promise<{ grpcStatus: number; message: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      [http2.HTTP2_HEADER_METHOD]: 'POST',
      [http2.HTTP2_HEADER_PATH]: path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...AUTH,
      ...headers,
    });
    const settle = (answer: Record<string, string | string[] | number | undefined>) => {
      if (answer['grpc-status'] === undefined) return;
      resolve({
        grpcStatus: Number(answer['grpc-status']),
        message: decodeURIComponent(String(answer['grpc-message'] ?? '')),
      });
      stream.close();
    };
    stream.on('response', settle);
    stream.on('trailers', settle);
    stream.on('error', reject);
    stream.resume();
    if (end) stream.end(data);
    else stream.write(data);
  });
}

const span = (traceIdHex: string, name: string) =>
  concat(
    hexField(1, traceIdHex),
    hexField(2, '0102030405060708'),
    stringField(5, name),
    fixed64Field(7, 1_700_000_000_000_000_000n),
    fixed64Field(8, 1_700_000_000_100_000_000n),
  );

describe('OTLP/gRPC receiver: the protocol', () => {
  let store: DuckDBStore;
  let receiver: ReceiverHandle;
  let address: string;

  beforeAll(async () => {
    store = new DuckDBStore({ path: ':memory:' });
    receiver = await startReceiver({
      store,
      port: 0,
      grpcPort: 0,
      maxBodyBytes: LIMIT,
      authToken: TOKEN,
      grpcLimits: { messageTimeoutMs: 500, keepaliveTimeMs: 300, maxConcurrentStreams: 4 },
    });
    address = receiver.grpcAddress!;
  });

  afterAll(async () => {
    await receiver.close();
    await store.close();
  });

  it('listens on loopback beside OTLP/HTTP, and stores an export before answering it with an empty response', async () => {
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(receiver.grpcPort).not.toBe(receiver.port);
    const spans = sdkSpans(3);
    const answer = await callOnce(address, EXPORT.traces, tracesBody(spans, 'protobuf'), { metadata: AUTH });
    expect(answer.error).toBeNull();
    expect(answer.response!.length).toBe(0);
    for (const sent of spans) expect(await store.getTrace(sent.spanContext().traceId)).not.toBeNull();
    // An empty request is a zero-length message.
    const empty = await callOnce(address, EXPORT.logs, Buffer.alloc(0), { metadata: AUTH });
    expect(empty.error).toBeNull();
  });

  it('accepts gzip-compressed messages', async () => {
    const spans = sdkSpans(2);
    const answer = await callOnce(address, EXPORT.traces, tracesBody(spans, 'protobuf'), {
      metadata: AUTH,
      channel: { 'grpc.default_compression_algorithm': 2 },
    });
    expect(answer.error).toBeNull();
    expect(await store.getTrace(spans[1]!.spanContext().traceId)).not.toBeNull();
  });

  it('answers a partial success in the response message, and stores the valid items', async () => {
    const good = 'aa'.repeat(16);
    const body = Buffer.from(
      otlp.request(otlp.resource(otlp.keyValue('service.name', otlp.string('grpc-partial'))), otlp.scope('s'), [
        span(good, 'kept'),
        span('abcd', 'broken'),
      ]),
    );
    const answer = await callOnce(address, EXPORT.traces, body, { metadata: AUTH });
    expect(answer.error).toBeNull();
    const partial = partialSuccess(answer.response!);
    expect(partial!.rejected).toBe(1);
    expect(partial!.errorMessage).toMatch(/broken|trace id/i);
    expect((await store.getTrace(good))!.spans.map((stored) => stored.name)).toEqual(['kept']);
  });

  it('answers UNAUTHENTICATED without the bearer token, or with a wrong one', async () => {
    const body = tracesBody(sdkSpans(1), 'protobuf');
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }];
    for (const metadata of attempts) {
      const answer = await callOnce(address, EXPORT.traces, body, { metadata });
      expect(answer.error!.code).toBe(status.UNAUTHENTICATED);
      expect(answer.error!.details).toBe('missing or invalid bearer token');
      expect(statusDetails(answer.error!).retryDelayMs).toBeNull();
    }
  });

  it.each([
    ['traces', /invalid OTLP\/protobuf traces request at byte \d+/],
    ['logs', /invalid OTLP\/protobuf logs request/],
    ['metrics', /invalid OTLP\/protobuf metrics request/],
  ] as const)('answers an undecodable %s message with INVALID_ARGUMENT and the reason', async (signal, reason) => {
    const answer = await callOnce(address, EXPORT[signal], Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02]), {
      metadata: AUTH,
    });
    expect(answer.error!.code).toBe(status.INVALID_ARGUMENT);
    expect(answer.error!.details).toMatch(reason);
    expect(statusDetails(answer.error!)).toMatchObject({ code: status.INVALID_ARGUMENT, retryDelayMs: null });
  });

  it('answers a message over the size limit with RESOURCE_EXHAUSTED, before and after decompression', async () => {
    const oversized = await callOnce(address, EXPORT.traces, Buffer.alloc(LIMIT + 1, 1), { metadata: AUTH });
    expect(oversized.error!.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(oversized.error!.details).toMatch(/larger than max/);

    const bomb = gzipSync(Buffer.alloc(20 * LIMIT));
    expect(bomb.length).toBeLessThan(LIMIT / 10);
    const session = connect(`http://${address}`);
    try {
      const answer = await rawCall(session, EXPORT.traces, frame(bomb, { compressed: true }), {
        headers: { 'grpc-encoding': 'gzip' },
      });
      expect(answer.grpcStatus).toBe(status.RESOURCE_EXHAUSTED);
      expect(answer.message).toMatch(/decompresses to a size larger than 1048576/);
    } finally {
      session.close();
    }
  });

  it('answers UNIMPLEMENTED to an unknown method or service', async () => {
    const body = tracesBody(sdkSpans(1), 'protobuf');
    for (const method of [
      '/opentelemetry.proto.collector.trace.v1.TraceService/Import',
      '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export',
    ]) {
      const answer = await callOnce(address, method, body, { metadata: AUTH });
      expect(answer.error!.code).toBe(status.UNIMPLEMENTED);
      expect(answer.error!.details).toMatch(new RegExp(method.split('/')[2]!));
    }
  });

  it('answers truncated, malformed and stalled frames with a clear status, and stays up', async () => {
    const session = connect(`http://${address}`);
    try {
      const message = tracesBody(sdkSpans(2), 'protobuf');
      // The prefix promises more bytes than the stream carries.
      const truncated = await rawCall(session, EXPORT.traces, frame(message, { declaredLength: message.length + 50 }));
      const endedEarly = {
        grpcStatus: status.INVALID_ARGUMENT,
        message: 'the request stream ended before a whole message arrived',
      };
      expect(truncated).toEqual(endedEarly);
      // Half a prefix, or nothing at all.
      expect(await rawCall(session, EXPORT.traces, Buffer.from([0, 0, 0]))).toEqual(endedEarly);
      expect(await rawCall(session, EXPORT.traces, Buffer.alloc(0))).toEqual(endedEarly);
      // A compressed flag with gzip promised, but bytes that are not gzip: INTERNAL, as grpc-go answers it.
      const notGzip = await rawCall(session, EXPORT.traces, frame(message, { compressed: true }), {
        headers: { 'grpc-encoding': 'gzip' },
      });
      expect(notGzip.grpcStatus).toBe(status.INTERNAL);
      expect(notGzip.message).toMatch(/decompress/);
      // A compression nobody announced support for.
      const unknownEncoding = await rawCall(session, EXPORT.traces, frame(message, { compressed: true }), {
        headers: { 'grpc-encoding': 'br' },
      });
      expect(unknownEncoding.grpcStatus).toBe(status.UNIMPLEMENTED);
      // A message that never finishes arriving is ended after messageTimeoutMs.
      const stalled = await rawCall(session, EXPORT.traces, frame(message).subarray(0, 20), { end: false });
      expect(stalled).toEqual({
        grpcStatus: status.DEADLINE_EXCEEDED,
        message: 'the request message did not arrive within 500 ms',
      });
    } finally {
      session.close();
    }
    const after = sdkSpans(1);
    const answer = await callOnce(address, EXPORT.traces, tracesBody(after, 'protobuf'), { metadata: AUTH });
    expect(answer.error).toBeNull();
    expect(await store.getTrace(after[0]!.spanContext().traceId)).not.toBeNull();
    expect((await send(receiver.url, { method: 'GET', path: '/health' })).status).toBe(200);
  });

  it('limits concurrent streams per connection, and pings connections to find dead peers', async () => {
    const session = connect(`http://${address}`);
    try {
      await new Promise((resolve) => session.once('remoteSettings', resolve));
      expect(session.remoteSettings.maxConcurrentStreams).toBe(4);
      // Node answers the server's keepalive pings by itself; the event proves they are sent.
      await new Promise((resolve) => session.once('ping', resolve));
    } finally {
      session.close();
    }
  });
});

describe('OTLP/gRPC receiver: connections', () => {
  it('closes a connection that stays idle, and the client reconnects for its next call', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const receiver = await startReceiver({ store, port: 0, grpcPort: 0, grpcLimits: { maxConnectionIdleMs: 300 } });
    try {
      const session = connect(`http://${receiver.grpcAddress!}`);
      const closed = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
      session.on('error', () => undefined);
      expect(await closed).toBe(http2.NGHTTP2_NO_ERROR);
      session.destroy();
      const answer = await callOnce(receiver.grpcAddress!, EXPORT.traces, tracesBody(sdkSpans(1), 'protobuf'));
      expect(answer.error).toBeNull();
    } finally {
      await receiver.close();
      await store.close();
    }
  });

  it('refuses to start when the gRPC port is taken or a gRPC setting is out of range, with a clear error', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    await expect(startReceiver({ store, port: 0, grpcPort: 70_000 })).rejects.toThrow(
      'grpcPort must be an integer from 0 to 65535, got 70000',
    );
    await expect(
      startReceiver({ store, port: 0, grpcPort: 0, grpcLimits: { maxConcurrentStreams: 0 } }),
    ).rejects.toThrow('grpcLimits.maxConcurrentStreams must be a positive number, got 0');
    const first = await startReceiver({ store, port: 0, grpcPort: 0 });
    try {
      await expect(startReceiver({ store, port: 0, grpcPort: first.grpcPort! })).rejects.toThrow(
        /cannot listen for OTLP\/gRPC on 127\.0\.0\.1:\d+/,
      );
    } finally {
      await first.close();
      await store.close();
    }
  });
});
