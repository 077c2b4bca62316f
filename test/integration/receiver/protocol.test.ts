import { gzipSync, deflateSync, deflateRawSync } from 'node:zlib';
import type { RecordOf, Signal } from '../../../src/records/types';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { send } from '../../support/http';
import { sdkSpans, tracesBody, zstdFrame } from '../../support/telemetry';

const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const LIMIT = 1024 * 1024;

/** Reads a `google.rpc.Status` protobuf body: field 1 code (varint), field 2 message (string). */
function readStatus(body: Buffer): { code: number; message: string } {
  let code = 0;
  let message = '';
  let offset = 0;
  while (offset < body.length) {
    const tag = body[offset++]!;
    if (tag === 0x08) {
      code = body[offset++]!;
    } else if (tag === 0x12) {
      let length = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = body[offset++]!;
        length |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      message = body.subarray(offset, offset + length).toString('utf8');
      offset += length;
    } else {
      throw new Error(`unexpected tag ${tag}`);
    }
  }
  return { code, message };
}

describe('OTLP/HTTP receiver: the protocol', () => {
  let store: DuckDBStore;
  let receiver: ReceiverHandle;

  beforeAll(async () => {
    store = new DuckDBStore({ path: ':memory:' });
    receiver = await startReceiver({
      store,
      port: 0,
      maxBodyBytes: LIMIT,
      corsAllowedOrigins: ['https://app.example'],
    });
  });

  afterAll(async () => {
    await receiver.close();
    await store.close();
  });

  const spanCount = async () => (await store.listTraces({ perPage: 1 })).pagination.total;

  it('listens on loopback by default and answers /health', async () => {
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await send(receiver.url, { method: 'GET', path: '/health' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString())).toMatchObject({
      status: 'ok',
      store: 'duckdb',
      signals: { spans: { failing: false } },
    });
  });

  it('accepts protobuf and answers 200 with an empty protobuf ExportTraceServiceResponse once stored', async () => {
    const before = await spanCount();
    const response = await send(receiver.url, {
      path: '/v1/traces',
      headers: PROTOBUF,
      body: tracesBody(sdkSpans(3), 'protobuf'),
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-protobuf');
    expect(response.body.length).toBe(0);
    expect(await spanCount()).toBe(before + 3);
  });

  it('accepts JSON on the same port and answers in JSON', async () => {
    const spans = sdkSpans(2);
    const response = await send(receiver.url, {
      path: '/v1/traces',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: tracesBody(spans, 'json'),
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body.toString())).toEqual({});
    expect((await store.getTrace(spans[0]!.spanContext().traceId))!.spans[0]!.name).toBe('span 0');
  });

  it.each([
    ['gzip', (body: Buffer) => gzipSync(body)],
    ['x-gzip', (body: Buffer) => gzipSync(body)],
    ['deflate', (body: Buffer) => deflateSync(body)],
    ['deflate', (body: Buffer) => deflateRawSync(body)],
    ['zstd', (body: Buffer) => zstdFrame([{ raw: body }])],
  ])('decodes Content-Encoding %s', async (encoding, compress) => {
    const spans = sdkSpans(2);
    const response = await send(receiver.url, {
      path: '/v1/traces',
      headers: { ...PROTOBUF, 'Content-Encoding': encoding },
      body: compress(tracesBody(spans, 'protobuf')),
      chunked: true,
    });
    expect(response.status).toBe(200);
    expect(await store.getTrace(spans[1]!.spanContext().traceId)).not.toBeNull();
  });

  it('treats an empty request as a success', async () => {
    expect((await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: Buffer.alloc(0) })).status).toBe(
      200,
    );
    const json = await send(receiver.url, { path: '/v1/logs', headers: JSON_TYPE, body: '{}' });
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body.toString())).toEqual({});
  });

  it('stores the valid spans of a request and reports the invalid ones as a partial success', async () => {
    const good = sdkSpans(2);
    const request = JSON.parse(tracesBody(good, 'json').toString()) as {
      resourceSpans: { scopeSpans: { spans: { traceId: string; name: string }[] }[] }[];
    };
    const spans = request.resourceSpans[0]!.scopeSpans[0]!.spans;
    spans.push({ ...spans[0]!, traceId: 'abcd', name: 'broken' });
    const response = await send(receiver.url, {
      path: '/v1/traces',
      headers: JSON_TYPE,
      body: JSON.stringify(request),
    });
    expect(response.status).toBe(200);
    const answer = JSON.parse(response.body.toString()) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    expect(answer.partialSuccess.rejectedSpans).toBe('1');
    expect(answer.partialSuccess.errorMessage).toMatch(/broken/);
    expect(await store.getTrace(good[0]!.spanContext().traceId)).not.toBeNull();
    expect(await store.getTrace(good[1]!.spanContext().traceId)).not.toBeNull();
  });

  it('answers undecodable protobuf with 400 and a google.rpc.Status in protobuf', async () => {
    const response = await send(receiver.url, {
      path: '/v1/traces',
      headers: PROTOBUF,
      body: Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02]),
    });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/x-protobuf');
    const status = readStatus(response.body);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/invalid OTLP\/protobuf traces request/);
  });

  it('answers invalid JSON with 400 and a JSON status', async () => {
    const response = await send(receiver.url, {
      path: '/v1/metrics',
      headers: JSON_TYPE,
      body: '{"resourceMetrics": [',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body.toString())).toMatchObject({
      code: 3,
      message: expect.stringMatching(/invalid OTLP\/JSON metrics request/) as jest.AsymmetricMatcher,
    });
  });

  it('answers a truncated gzip body with 400', async () => {
    const gzipped = gzipSync(tracesBody(sdkSpans(5), 'protobuf'));
    const response = await send(receiver.url, {
      path: '/v1/traces',
      headers: { ...PROTOBUF, 'Content-Encoding': 'gzip' },
      body: gzipped.subarray(0, gzipped.length - 10),
    });
    expect(response.status).toBe(400);
    expect(readStatus(response.body).message).toMatch(/invalid gzip body/);
  });

  it('answers 413 to a body over the limit, declared or streamed', async () => {
    const big = Buffer.alloc(LIMIT + 1, 1);
    const declared = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: big });
    expect(declared.status).toBe(413);
    const streamed = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: big, chunked: true });
    expect(streamed.status).toBe(413);
    expect(readStatus(streamed.body).message).toMatch(/request body exceeds the 1048576-byte limit/);
  });

  it.each([
    ['gzip', () => gzipSync(Buffer.alloc(20 * LIMIT))],
    ['zstd', () => zstdFrame(Array.from({ length: 40 }, () => ({ rle: 0, size: 128 * 1024 })))],
  ])('answers 413 to a %s decompression bomb without inflating it', async (encoding, bomb) => {
    const body = bomb();
    expect(body.length).toBeLessThan(LIMIT / 10);
    const response = await send(receiver.url, {
      path: '/v1/traces',
      headers: { ...PROTOBUF, 'Content-Encoding': encoding },
      body,
    });
    expect(response.status).toBe(413);
    expect(readStatus(response.body).message).toMatch(/decompressed body exceeds/);
  });

  it('answers 415 to an unknown content type or content encoding', async () => {
    const type = await send(receiver.url, {
      path: '/v1/traces',
      headers: { 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    expect(type.status).toBe(415);
    expect((JSON.parse(type.body.toString()) as { message: string }).message).toMatch(
      /unsupported Content-Type "text\/plain"/,
    );
    const encoding = await send(receiver.url, {
      path: '/v1/traces',
      headers: { ...PROTOBUF, 'Content-Encoding': 'br' },
      body: 'x',
    });
    expect(encoding.status).toBe(415);
  });

  it('answers 405 to other methods and 404 to other paths', async () => {
    const method = await send(receiver.url, { method: 'GET', path: '/v1/traces' });
    expect(method.status).toBe(405);
    expect(method.headers.allow).toBe('POST, OPTIONS');
    expect((await send(receiver.url, { method: 'PUT', path: '/v1/logs', headers: PROTOBUF, body: 'x' })).status).toBe(
      405,
    );
    expect((await send(receiver.url, { path: '/v1/spans', headers: PROTOBUF, body: '' })).status).toBe(404);
    expect((await send(receiver.url, { method: 'GET', path: '/v1/unknown' })).status).toBe(404);
  });

  it('answers a CORS preflight for an allowed origin, and gives other origins no CORS headers', async () => {
    const preflight = await send(receiver.url, {
      method: 'OPTIONS',
      path: '/v1/traces',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(preflight.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Content-Type/);
    const post = await send(receiver.url, {
      path: '/v1/traces',
      headers: { ...PROTOBUF, Origin: 'https://app.example' },
      body: Buffer.alloc(0),
    });
    expect(post.headers['access-control-allow-origin']).toBe('https://app.example');
    const stranger = await send(receiver.url, {
      path: '/v1/traces',
      headers: { ...PROTOBUF, Origin: 'https://evil.example' },
      body: Buffer.alloc(0),
    });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('stays up through every bad request, with the data of the good ones intact', async () => {
    const spans = sdkSpans(4);
    const before = await spanCount();
    const bad = [
      send(receiver.url, {
        path: '/v1/traces',
        headers: PROTOBUF,
        body: Buffer.from('garbage that is not protobuf at all \xff\xff'),
      }),
      send(receiver.url, { path: '/v1/logs', headers: JSON_TYPE, body: '[]' }),
      send(receiver.url, {
        path: '/v1/metrics',
        headers: { ...PROTOBUF, 'Content-Encoding': 'gzip' },
        body: 'not gzip',
      }),
    ];
    const good = send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body: tracesBody(spans, 'protobuf') });
    const statuses = (await Promise.all([...bad, good])).map((response) => response.status);
    expect(statuses).toEqual([400, 400, 400, 200]);
    expect(await spanCount()).toBe(before + 4);
    expect((await send(receiver.url, { method: 'GET', path: '/health' })).status).toBe(200);
  });
});

describe('OTLP/HTTP receiver: authentication', () => {
  it('requires the bearer token when one is set, and compares it exactly', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const receiver = await startReceiver({ store, port: 0, authToken: 's3cret-token' });
    try {
      const body = tracesBody(sdkSpans(1), 'protobuf');
      const missing = await send(receiver.url, { path: '/v1/traces', headers: PROTOBUF, body });
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer');
      const wrong = await send(receiver.url, {
        path: '/v1/traces',
        headers: { ...PROTOBUF, Authorization: 'Bearer s3cret-tokeN' },
        body,
      });
      expect(wrong.status).toBe(401);
      const prefix = await send(receiver.url, {
        path: '/v1/traces',
        headers: { ...PROTOBUF, Authorization: 'Bearer s3cret' },
        body,
      });
      expect(prefix.status).toBe(401);
      const right = await send(receiver.url, {
        path: '/v1/traces',
        headers: { ...PROTOBUF, Authorization: 'Bearer s3cret-token' },
        body,
      });
      expect(right.status).toBe(200);
      expect((await store.listTraces()).pagination.total).toBe(1);
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});

describe('OTLP/HTTP receiver: lifecycle', () => {
  it('reports an unreachable store on /health with 503', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const receiver = await startReceiver({ store, port: 0 });
    await store.close();
    const health = await send(receiver.url, { method: 'GET', path: '/health' });
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body.toString())).toMatchObject({
      status: 'failing',
      reasons: [expect.stringMatching(/^the store does not answer: .*not open/) as jest.AsymmetricMatcher],
    });
    await receiver.close();
  });

  it('answers what is in flight before it closes, then refuses connections', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    class SlowStore extends DuckDBStore {
      protected override async insert<S extends Signal>(signal: S, records: readonly RecordOf[S][]): Promise<void> {
        await released;
        return super.insert(signal, records);
      }
    }
    const store = new SlowStore({ path: ':memory:' });
    const receiver = await startReceiver({ store, port: 0 });
    const inFlight = send(receiver.url, {
      path: '/v1/traces',
      headers: PROTOBUF,
      body: tracesBody(sdkSpans(3), 'protobuf'),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = receiver.close();
    await expect(send(receiver.url, { method: 'GET', path: '/health' })).rejects.toThrow(/ECONNREFUSED/);
    release();
    expect((await inFlight).status).toBe(200);
    await closed;
    expect((await store.listTraces()).pagination.total).toBe(3);
    await store.close();
  });

  it('refuses to start on a port that is taken, with a clear error', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const first = await startReceiver({ store, port: 0 });
    await expect(startReceiver({ store, port: first.port })).rejects.toThrow(/EADDRINUSE/);
    await first.close();
    await store.close();
  });
});
