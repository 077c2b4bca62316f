import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createApiHandler } from '../../../src/api/handler';
import { ScoreListSchema, TraceListSchema } from '../../../src/api/schemas';
import { DefaultExporter } from '../../../src/exporters/default-exporter';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { apiGet, apiPost, errorOf } from '../../support/api';
import { send } from '../../support/http';
import { makeSpan, spanId, traceId } from '../../support/records';
import { TroubledStore } from '../../support/troubled-store';

const TOKEN = 'api-secret';
const ORIGIN = 'https://app.example';
const auth = { Authorization: `Bearer ${TOKEN}` };

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

describe('the HTTP API: token, CORS, writes and their bad input', () => {
  let store: DuckDBStore;
  let receiver: ReceiverHandle;

  beforeAll(async () => {
    store = new DuckDBStore({ path: ':memory:' });
    receiver = await startReceiver({ store, port: 0, authToken: TOKEN, corsAllowedOrigins: [ORIGIN] });
  });

  afterAll(async () => {
    await receiver.close();
    await store.close();
  });

  it('refuses reads and writes without the bearer token, and answers them with it', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/traces'],
      ['GET', `/api/v1/traces/${traceId()}`],
      ['GET', '/api/v1/services'],
      ['POST', '/v1/feedback'],
      ['POST', '/v1/scores'],
    ] as const) {
      for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: TOKEN }] as Record<
        string,
        string
      >[]) {
        const result = await send(receiver.url, {
          method,
          path,
          headers: { 'Content-Type': 'application/json', ...headers },
          ...(method === 'POST' ? { body: '{"feedbackType":"thumbs","value":1}' } : {}),
        });
        expect([method, path, result.status, result.headers['www-authenticate']]).toEqual([
          method,
          path,
          401,
          'Bearer',
        ]);
      }
    }
    expect((await store.listFeedback()).pagination.total).toBe(0);
    await store.batchCreateSpans({ spans: [makeSpan()] });
    expect((await apiGet(receiver.url, '/api/v1/traces', TraceListSchema, auth)).traces).toHaveLength(1);
  });

  it('answers a browser-style CORS preflight without the token, then takes the feedback POST that carries it', async () => {
    const preflight = await send(receiver.url, {
      method: 'OPTIONS',
      path: '/v1/feedback',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(preflight.headers['access-control-allow-methods']).toMatch(/\bPOST\b/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Content-Type/);
    expect(preflight.headers.vary).toBe('Origin');

    const trace = traceId();
    const span = spanId();
    const posted = await apiPost(
      receiver.url,
      '/v1/feedback',
      { traceId: trace, spanId: span, feedbackType: 'thumbs', value: 1, userId: 'u-1', comment: 'spot on' },
      { ...auth, Origin: ORIGIN },
    );
    expect(posted.status).toBe(200);
    expect(posted.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(posted.headers['access-control-expose-headers']).toBe('Retry-After');
    const answer = JSON.parse(posted.body.toString()) as { feedback: { feedbackId: string; timeUnixNano: string }[] };
    // Answered only once committed: the store has it now.
    const { feedback } = await store.listFeedback({ filter: { traceId: trace } });
    expect(feedback).toEqual([
      expect.objectContaining({ spanId: span, feedbackType: 'thumbs', value: 1, userId: 'u-1', source: 'user' }),
    ]);
    expect(answer.feedback[0]!.feedbackId).toBe(feedback[0]!.feedbackId);
    expect(answer.feedback[0]!.timeUnixNano).toBe(String(feedback[0]!.timeUnixNano));

    const readPreflight = await send(receiver.url, {
      method: 'OPTIONS',
      path: '/api/v1/traces',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' },
    });
    expect(readPreflight.status).toBe(204);
    expect(readPreflight.headers['access-control-allow-methods']).toMatch(/\bGET\b/);
    const elsewhere = await send(receiver.url, {
      method: 'OPTIONS',
      path: '/v1/feedback',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('takes an array of scores, gzip-compressed, and answers with the records as stored', async () => {
    const trace = traceId();
    const body = gzipSync(
      JSON.stringify([
        { scorerId: 'relevance', score: 0.9, traceId: trace, timeUnixNano: '1700000000123456789', scoreId: 's-1' },
        {
          scorerId: 'tone',
          score: 1,
          traceId: trace,
          metadata: { judge: 'gpt-4o', tokens: { $int: '9007199254740993' } },
        },
      ]),
    );
    const result = await send(receiver.url, {
      method: 'POST',
      path: '/v1/scores',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', ...auth },
      body,
    });
    expect(result.status).toBe(200);
    const stored = await apiGet(receiver.url, `/api/v1/scores?traceId=${trace}&order=asc`, ScoreListSchema, auth);
    expect(stored.scores.map((score) => [score.scorerId, score.timeUnixNano > 0n])).toEqual([
      ['relevance', true],
      ['tone', true],
    ]);
    expect(stored.scores[0]!.timeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(stored.scores[1]!.metadata.tokens).toBe(9_007_199_254_740_993n);
    // Posting the same id again is idempotent.
    await apiPost(
      receiver.url,
      '/v1/scores',
      { scorerId: 'relevance', score: 0.9, traceId: trace, scoreId: 's-1' },
      auth,
    );
    expect((await store.listScores({ filter: { traceId: trace } })).pagination.total).toBe(2);
  });

  it.each([
    ['bad JSON', 'application/json', '{"scorerId": ', 400, /^the body is not JSON: /],
    ['an empty body', 'application/json', '', 400, /^the body is not JSON: /],
    [
      'plain text',
      'text/plain',
      '{"scorerId":"a","score":1}',
      415,
      /unsupported Content-Type "text\/plain"; send application\/json/,
    ],
    [
      'an unknown field',
      'application/json',
      '{"scorerId":"a","score":1,"label":"good"}',
      400,
      /\/label is not a known field/,
    ],
    [
      'wrong types',
      'application/json',
      '{"scorerId":1,"score":"high","tags":"x"}',
      400,
      /\/scorerId must be a string \(and 2 more\)/,
    ],
    ['a missing field', 'application/json', '{"score":1}', 400, /^invalid scores: \/scorerId is required$/],
    [
      'a rounded int64',
      'application/json',
      '{"scorerId":"a","score":1,"timeUnixNano":1700000000123456789}',
      400,
      /beyond ±2\^53/,
    ],
    [
      'a list with one bad item',
      'application/json',
      '[{"scorerId":"a","score":1},{"scorerId":"b"}]',
      400,
      /^invalid scores: item 1: \/score is required$/,
    ],
  ])('refuses %s with a clear error, and stores none of the body', async (_what, type, body, status, message) => {
    const before = (await store.listScores()).pagination.total;
    const result = await send(receiver.url, {
      method: 'POST',
      path: '/v1/scores',
      headers: { 'Content-Type': type, ...auth },
      body,
    });
    expect(result.status).toBe(status);
    expect(errorOf(result).message).toMatch(message);
    expect((await store.listScores()).pagination.total).toBe(before);
  });

  it('lists every problem of a bad write in the answer, by item and field', async () => {
    const result = await apiPost(
      receiver.url,
      '/v1/feedback',
      [
        { feedbackType: 'thumbs', value: 1 },
        { feedbackType: '', value: true, traceId: 'XYZ', colour: 'red' },
      ],
      auth,
    );
    expect(result.status).toBe(400);
    expect(errorOf(result).issues).toEqual([
      { index: 1, path: '/value', message: 'must be a number or a string' },
      { index: 1, path: '/colour', message: expect.stringMatching(/^is not a known field/) as unknown },
      { index: 1, path: '/traceId', message: expect.stringMatching(/match/) as unknown },
      { index: 1, path: '/feedbackType', message: expect.stringMatching(/length/) as unknown },
    ]);
  });

  it('refuses an oversized body with 413, declared or streamed, and reads no more of it', async () => {
    const big = JSON.stringify({ scorerId: 'a', score: 1, reason: 'x'.repeat(2 * 1024 * 1024) });
    for (const chunked of [false, true]) {
      const result = await send(receiver.url, {
        method: 'POST',
        path: '/v1/scores',
        headers: { 'Content-Type': 'application/json', ...auth },
        body: big,
        chunked,
      });
      expect(result.status).toBe(413);
      expect(errorOf(result).message).toMatch(/exceeds the 1048576-byte limit/);
    }
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20));
    const result = await send(receiver.url, {
      method: 'POST',
      path: '/v1/scores',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', ...auth },
      body: bomb,
    });
    expect(result.status).toBe(413);
    expect(errorOf(result).message).toMatch(/decompressed body exceeds/);
  });

  it('answers other methods with 405 and Allow, and other API paths with 404', async () => {
    const put = await send(receiver.url, { method: 'PUT', path: '/api/v1/traces', headers: auth });
    expect([put.status, put.headers.allow]).toEqual([405, 'GET, OPTIONS']);
    const get = await send(receiver.url, { method: 'GET', path: '/v1/scores', headers: auth });
    expect([get.status, get.headers.allow]).toEqual([405, 'POST, OPTIONS']);
    const missing = await send(receiver.url, { method: 'GET', path: '/api/v2/traces', headers: auth });
    expect(missing.status).toBe(404);
    expect(errorOf(missing).message).toMatch(/the API's paths are \/api\/v1\/traces, /);
    // The OTLP routes are still the receiver's.
    const otlp = await send(receiver.url, { method: 'GET', path: '/v1/traces', headers: auth });
    expect(otlp.status).toBe(405);
  });
});

describe('the HTTP API applies the receiver’s backpressure to writes', () => {
  it('answers writes 503 with Retry-After while the store fails writes, still answers reads, and commits the held write once it recovers', async () => {
    const store = new TroubledStore({ path: ':memory:' });
    const receiver = await startReceiver({ store, port: 0, retryDelayMs: 50, maxRetryDelayMs: 50, maxRetries: 1000 });
    try {
      store.failing = true;
      const held = apiPost(receiver.url, '/v1/scores', { scorerId: 'held', score: 1 });
      await until(() => receiver.pipeline.writer('scores').isFailing);
      const refused = await apiPost(receiver.url, '/v1/scores', { scorerId: 'refused', score: 1 });
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(errorOf(refused).message).toMatch(/storage is failing/);
      // A write being retried is no reason to refuse a read: the store still answers it.
      const read = await send(receiver.url, { method: 'GET', path: '/api/v1/scores' });
      expect([read.status, read.headers['retry-after']]).toEqual([200, undefined]);
      expect(JSON.parse(read.body.toString())).toMatchObject({ scores: [], pagination: { total: 0 } });
      expect(receiver.pipeline.writer('scores').isFailing).toBe(true);
      store.failing = false;
      expect((await held).status).toBe(200);
      const after = await send(receiver.url, { method: 'GET', path: '/api/v1/scores' });
      expect(
        (JSON.parse(after.body.toString()) as { scores: { scorerId: string }[] }).scores.map((s) => s.scorerId),
      ).toEqual(['held']);
      expect((await store.listScores()).scores.map((score) => score.scorerId)).toEqual(['held']);
    } finally {
      await receiver.close();
      await store.close();
    }
  });

  it('stores more records than the write buffer holds when nothing else waits, and answers 429 while the request bytes in flight are at their limit', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const receiver = await startReceiver({
      store,
      port: 0,
      maxBufferSize: 10,
      maxBatchSize: 10,
      maxInFlightBytes: 1000,
    });
    try {
      const many = Array.from({ length: 11 }, (_, i) => ({ scorerId: `s${i}`, score: i }));
      expect((await apiPost(receiver.url, '/v1/scores', many)).status).toBe(200);
      await receiver.pipeline.flush();
      expect((await store.listScores({ perPage: 100 })).pagination.total).toBe(11);

      // A slow sender holds 800 bytes of the 1000-byte budget until it finishes its 900-byte body.
      const body = JSON.stringify({ scorerId: 'slow', score: 1, reason: 'x'.repeat(859) });
      expect(Buffer.byteLength(body)).toBe(900);
      let finish = () => {};
      const slow = new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${receiver.url}/v1/scores`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        });
        req.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write(body.slice(0, 800));
        finish = () => req.end(body.slice(800));
      });
      // Until the server has read the slow sender's bytes, a 300-byte request still fits.
      let refused = await apiPost(receiver.url, '/v1/scores', { scorerId: 'fast', score: 1, reason: 'y'.repeat(300) });
      while (refused.status === 200) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        refused = await apiPost(receiver.url, '/v1/scores', { scorerId: 'fast', score: 1, reason: 'y'.repeat(300) });
      }
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(errorOf(refused).message).toMatch(/already being processed/);
      finish();
      expect(await slow).toBe(200);
      expect((await apiPost(receiver.url, '/v1/scores', { scorerId: 'after', score: 1 })).status).toBe(200);
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});

describe('createApiHandler, mounted in an app’s own server', () => {
  it('serves the API of an embedded DefaultExporter beside the app’s routes, before and after any write', async () => {
    const exporter = new DefaultExporter({ storage: new DuckDBStore({ path: ':memory:' }) });
    const api = createApiHandler({ pipeline: exporter.pipeline, corsAllowedOrigins: ['*'] });
    const server = createServer((request, response) => {
      if (api(request, response)) return;
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('the app');
    });
    const url = await listen(server);
    try {
      expect((await apiGet(url, '/api/v1/scores', ScoreListSchema)).scores).toEqual([]);
      const trace = traceId();
      await exporter.recordScore({ scorerId: 'relevance', score: 0.8, traceId: trace });
      expect((await apiPost(url, '/v1/scores', { scorerId: 'human', score: 1, traceId: trace })).status).toBe(200);
      const { scores } = await apiGet(url, `/api/v1/scores?traceId=${trace}`, ScoreListSchema);
      expect(scores.map((score) => score.scorerId).sort()).toEqual(['human', 'relevance']);
      const app = await send(url, { method: 'GET', path: '/dashboard' });
      expect([app.status, app.body.toString()]).toEqual([200, 'the app']);
      const otlp = await send(url, { method: 'POST', path: '/v1/traces', body: '{}' });
      expect(otlp.body.toString()).toBe('the app');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await exporter.shutdown();
      await exporter.storage.close();
    }
  });

  it('reads a store without a pipeline, and refuses writes there with 405', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    await store.init();
    const span = makeSpan();
    await store.batchCreateSpans({ spans: [span] });
    const api = createApiHandler({ store });
    const server = createServer((request, response) => {
      if (!api(request, response)) response.writeHead(404).end();
    });
    const url = await listen(server);
    try {
      expect((await apiGet(url, '/api/v1/traces', TraceListSchema)).traces.map((trace) => trace.spanId)).toEqual([
        span.spanId,
      ]);
      const write = await apiPost(url, '/v1/feedback', { feedbackType: 'thumbs', value: 1 });
      expect(write.status).toBe(405);
      expect(errorOf(write).message).toBe('this API is read-only: it does not take feedback');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    }
  });

  it('needs a pipeline or a store, and the pipeline’s own store', () => {
    expect(() => createApiHandler({})).toThrow(/needs a pipeline, or a store/);
    const exporter = new DefaultExporter({ storage: new DuckDBStore({ path: ':memory:' }) });
    expect(() =>
      createApiHandler({ pipeline: exporter.pipeline, store: new DuckDBStore({ path: ':memory:' }) }),
    ).toThrow(/the pipeline’s own store/);
  });
});
