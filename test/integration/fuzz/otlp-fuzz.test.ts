import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { OtlpDecodeError, decodeLogs, decodeMetrics, decodeTraces, type OtlpEncoding } from '../../../src/mapping/otlp';
import { applyLimits, LIMIT_DEFAULTS, noLimitCounts } from '../../../src/pipeline/limits';
import { findInvalidRecords } from '../../../src/records/validate';
import { decompress } from '../../../src/receiver/body';
import { ReceiverError } from '../../../src/receiver/errors';
import { startReceiver } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { send } from '../../support/http';
import { sdkSpans, tracesBody, zstdFrame } from '../../support/telemetry';

/**
 * Fuzzing the ingest path with fast-check: mutated, truncated and generated OTLP bodies, protobuf
 * and JSON, in every content encoding. Each must end in a clear refusal (a 4xx) or in records the
 * pipeline can judge (a partial success at worst); never another exception, a hang or a 5xx.
 * Seeded: `FUZZ_SEED=<n>` replays a run, and fast-check prints the seed and path of a failure.
 */

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const LIMIT = 4 * 1024 * 1024;
const ENCODINGS = ['identity', 'gzip', 'deflate', 'zstd'] as const;
type Encoding = (typeof ENCODINGS)[number];
const SIGNALS = ['traces', 'logs', 'metrics'] as const;

function compress(body: Uint8Array, encoding: Encoding): Buffer {
  const buffer = Buffer.from(body);
  // The fastest level: the decoder sees the same format, and the run fits its time.
  if (encoding === 'gzip') return gzipSync(buffer, { level: 1 });
  if (encoding === 'deflate') return deflateSync(buffer, { level: 1 });
  if (encoding === 'zstd') {
    const blocks = [];
    for (let offset = 0; offset < buffer.length || blocks.length === 0; offset += 128 * 1024) {
      blocks.push({ raw: buffer.subarray(offset, offset + 128 * 1024) });
    }
    return zstdFrame(blocks);
  }
  return buffer;
}

const attributeValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ stringValue: fc.string() }),
    fc.record({ intValue: fc.oneof(fc.bigInt().map(String), fc.integer()) }),
    fc.record({ doubleValue: fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', '1e999')) }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ bytesValue: fc.base64String() }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(tie('keyValue'), { maxLength: 3 }) }) }),
    fc.jsonValue(),
  ),
  keyValue: fc.record({ key: fc.string(), value: tie('value') }),
}));

const hexOrJunk = (bytes: number) =>
  fc.oneof(
    fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex')),
    fc.string(),
    fc.constant(''),
  );
const nanos = fc.oneof(fc.bigInt({ min: -1n, max: 2n ** 64n }).map(String), fc.integer(), fc.string());

/** Generated OTLP/JSON requests: the right shape, with any values in it. */
const generatedJson = fc
  .record({
    attributes: fc.array(attributeValue.keyValue, { maxLength: 4 }),
    traceId: hexOrJunk(16),
    spanId: hexOrJunk(8),
    start: nanos,
    end: nanos,
    extra: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  })
  .map(({ attributes, traceId, spanId, start, end, extra }) => {
    const resource = { attributes };
    const item = {
      traceId,
      spanId,
      name: 'x',
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      timeUnixNano: start,
      attributes,
      ...extra,
    };
    return Buffer.from(
      JSON.stringify({
        resourceSpans: [{ resource, scopeSpans: [{ spans: [item] }] }],
        resourceLogs: [{ resource, scopeLogs: [{ logRecords: [item] }] }],
        resourceMetrics: [
          {
            resource,
            scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ ...item, asInt: start }] } }] }],
          },
        ],
      }),
    );
  });

/** A body and the OTLP encoding it claims. */
interface Payload {
  body: Uint8Array;
  encoding: OtlpEncoding;
}

const BASES: { body: Buffer; encoding: OtlpEncoding }[] = [];

/** A mutation of a real OTLP body: bytes flipped, inserted, deleted, or the body cut short. */
const mutated = fc
  .record({
    base: fc.nat(),
    edits: fc.array(
      fc.record({ kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate'), at: fc.nat(), byte: fc.nat(255) }),
      { minLength: 1, maxLength: 6 },
    ),
  })
  .map(({ base, edits }) => {
    const { body, encoding } = BASES[base % BASES.length]!;
    let bytes = Buffer.from(body);
    for (const { kind, at, byte } of edits) {
      const position = bytes.length === 0 ? 0 : at % bytes.length;
      if (kind === 'flip') bytes[position] = byte;
      else if (kind === 'insert')
        bytes = Buffer.concat([bytes.subarray(0, position), Buffer.from([byte]), bytes.subarray(position)]);
      else if (kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, position), bytes.subarray(position + 1)]);
      else bytes = bytes.subarray(0, position);
    }
    const payload: Payload = { body: bytes, encoding };
    return payload;
  });

const anyBody = fc.oneof(
  { weight: 5, arbitrary: mutated },
  {
    weight: 2,
    arbitrary: generatedJson.map((body): Payload => ({ body, encoding: 'json' })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 512 }).map((body): Payload => ({ body, encoding: 'protobuf' })),
  },
);

/** A body as it arrives: encoded, and sometimes corrupted after compression. */
const request = fc.record({
  payload: anyBody,
  encoding: fc.constantFrom(...ENCODINGS),
  signal: fc.constantFrom(...SIGNALS),
  corruptCompressed: fc.option(fc.record({ at: fc.nat(), byte: fc.nat(255), cut: fc.boolean() }), { freq: 4 }),
});

function wire(input: typeof request extends fc.Arbitrary<infer T> ? T : never): Buffer {
  let body = compress(input.payload.body, input.encoding);
  const corruption = input.corruptCompressed;
  if (corruption && input.encoding !== 'identity' && body.length > 0) {
    const at = corruption.at % body.length;
    body = corruption.cut ? body.subarray(0, at) : Buffer.from(body);
    if (!corruption.cut) body[at] = corruption.byte;
  }
  return body;
}

const DECODERS = { traces: decodeTraces, logs: decodeLogs, metrics: decodeMetrics };
const RECORD_SIGNALS = { traces: 'spans', logs: 'logs', metrics: 'metrics' } as const;

beforeAll(() => {
  const spans = sdkSpans(5, { 'http.method': 'GET', 'gen_ai.prompt': 'hello', count: 3, ok: true });
  for (const encoding of ['protobuf', 'json'] as const) BASES.push({ body: tracesBody(spans, encoding), encoding });
  fc.sample(generatedJson, { seed: SEED, numRuns: 4 }).forEach((body) => BASES.push({ body, encoding: 'json' }));
});

describe(`fuzzing OTLP ingest (FUZZ_SEED=${SEED})`, () => {
  it('decodes or refuses 100,000 mutated, truncated and generated bodies, in every encoding, in process', async () => {
    let refused = 0;
    let decoded = 0;
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        let body: Buffer;
        try {
          body = await decompress(wire(input), input.encoding, LIMIT);
        } catch (error) {
          // Only a clear client error: a 4xx that names the problem.
          if (!(error instanceof ReceiverError) || error.status < 400 || error.status >= 500) throw error;
          refused++;
          return;
        }
        try {
          const result = DECODERS[input.signal](body, input.payload.encoding);
          const signal = RECORD_SIGNALS[input.signal];
          applyLimits(signal, result.records as never, LIMIT_DEFAULTS, noLimitCounts());
          findInvalidRecords(signal, result.records);
          decoded++;
        } catch (error) {
          if (!(error instanceof OtlpDecodeError)) throw error;
          refused++;
        }
      }),
      { seed: SEED, numRuns: 100_000, interruptAfterTimeLimit: 110_000, markInterruptAsFailure: true },
    );
    expect(refused + decoded).toBe(100_000);
    expect(decoded).toBeGreaterThan(1000);
  }, 150_000);

  it('answers fuzzed requests with a 4xx or a partial success, and stores every innocent request sent alongside', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const baseline = process.memoryUsage.rss();
    const memoryLimitBytes = baseline + 512 * 1024 * 1024;
    const receiver = await startReceiver({ store, port: 0, maxBodyBytes: LIMIT, memoryLimitBytes });
    let peak = baseline;
    const sampling = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const innocent: string[] = [];
    const statuses = new Map<number, number>();
    try {
      const inputs = fc.sample(request, { seed: SEED + 1, numRuns: 500 });
      const CONTENT_TYPES = { protobuf: 'application/x-protobuf', json: 'application/json' };
      let next = 0;
      const worker = async () => {
        while (next < inputs.length) {
          const input = inputs[next++]!;
          const response = await send(receiver.url, {
            path: `/v1/${input.signal}`,
            headers: {
              'Content-Type': CONTENT_TYPES[input.payload.encoding],
              ...(input.encoding === 'identity' ? {} : { 'Content-Encoding': input.encoding }),
            },
            body: wire(input),
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500 || (response.status !== 200 && response.status < 400)) {
            throw new Error(`status ${response.status} for a fuzzed body: ${response.body.toString().slice(0, 200)}`);
          }
          if (next % 5 === 0) {
            const spans = sdkSpans(3);
            for (;;) {
              const ok = await send(receiver.url, {
                path: '/v1/traces',
                headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' },
                body: gzipSync(tracesBody(spans, 'protobuf')),
              });
              if (ok.status === 200) break;
              if (ok.status !== 429) throw new Error(`an innocent request got ${ok.status}`);
            }
            innocent.push(...spans.map((span) => span.spanContext().traceId));
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      expect(innocent.length).toBeGreaterThan(250);
      for (const traceId of innocent) expect(await store.getTrace(traceId)).not.toBeNull();
      expect(peak).toBeLessThan(memoryLimitBytes);
      expect([...statuses.keys()].every((status) => status === 200 || (status >= 400 && status < 500))).toBe(true);
    } finally {
      clearInterval(sampling);
      await receiver.close();
      await store.close();
    }
  }, 120_000);
});
