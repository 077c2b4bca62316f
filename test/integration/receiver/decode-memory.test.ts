import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { OPTIONS } from '../../../src/cli/config';
import { send, type HttpResult } from '../../support/http';
import { bytesField, messageField } from '../../support/otlp-wire';
import { zstdFrame } from '../../support/telemetry';
import { spawnTypeScript } from '../../support/ts-node';
import { untilListening, type ServeProcess } from '../../support/serve';
import { sample, scrape } from '../../support/prometheus';

/**
 * Decoding is bounded under the memory limit: `otel-bridge serve`, as its own process with the
 * default `--memory-limit-mb`, gets bodies that decode to many times their size (400,000 tiny spans
 * inside the 20 MB body limit, in protobuf and JSON, plain and compressed, millions of empty JSON
 * objects, JSON nested a million levels deep), several at once, while an innocent client sends.
 * The process's peak resident memory stays under the limit, every hostile request gets a 4xx, a
 * partial success or a retryable 503, and every innocent span is stored.
 */

const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const MEMORY_LIMIT_BYTES = Number(OPTIONS['memory-limit-mb'].default) * 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

interface Hostile {
  name: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** An ExportTraceServiceRequest of `count` spans that carry only their ids: 30 bytes each. */
function tinySpansProtobuf(count: number): Buffer {
  const traceId = randomBytes(16);
  const spans: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const spanId = Buffer.alloc(8);
    spanId.writeUInt32BE(index + 1, 4);
    spans.push(messageField(2, bytesField(1, traceId), bytesField(2, spanId)));
  }
  // ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.spans(2)
  return Buffer.from(messageField(1, bytesField(2, Buffer.concat(spans))));
}

function tinySpansJson(count: number): Buffer {
  const traceId = hex(16);
  const spans = Array.from({ length: count }, (_, index) => ({
    traceId,
    spanId: (index + 1).toString(16).padStart(16, '0'),
  }));
  return Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
}

/** The body as a zstd frame of raw blocks, as the fuzz test writes them. */
function zstd(body: Buffer): Buffer {
  const blocks = [];
  for (let offset = 0; offset < body.length; offset += 128 * 1024)
    blocks.push({ raw: body.subarray(offset, offset + 128 * 1024) });
  return zstdFrame(blocks);
}

function hostileBodies(): Hostile[] {
  const protobuf = tinySpansProtobuf(400_000);
  const json = tinySpansJson(260_000);
  const emptyObjects = Buffer.from(`{"resourceSpans":[],"skipped":[${'{},'.repeat(6_500_000)}{}]}`);
  const deep = Buffer.from(`{"resourceSpans":[],"skipped":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`);
  expect(Math.max(protobuf.length, json.length, emptyObjects.length)).toBeLessThan(20 * 1024 * 1024);
  return [
    { name: '400k spans, protobuf', headers: PROTOBUF, body: protobuf },
    {
      name: '400k spans, protobuf, gzip',
      headers: { ...PROTOBUF, 'Content-Encoding': 'gzip' },
      body: gzipSync(protobuf),
    },
    { name: '400k spans, protobuf, zstd', headers: { ...PROTOBUF, 'Content-Encoding': 'zstd' }, body: zstd(protobuf) },
    { name: '260k spans, JSON', headers: JSON_TYPE, body: json },
    { name: '260k spans, JSON, gzip', headers: { ...JSON_TYPE, 'Content-Encoding': 'gzip' }, body: gzipSync(json) },
    { name: '6.5M empty objects, JSON', headers: JSON_TYPE, body: emptyObjects },
    { name: 'nested 1M deep, JSON', headers: JSON_TYPE, body: deep },
  ];
}

function serve(args: string[], cwd: string): Promise<ServeProcess> {
  const child = spawnTypeScript('src/cli/main.ts', ['serve', '--port', '0', '--grpc-port', '0', ...args], cwd);
  return untilListening(child, 45_000);
}

/** The child's peak resident set so far, from the kernel's high-water mark. */
function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

/** Sends 50-span requests until stopped, retrying each on 429 and 503 as an OTLP exporter does; returns the stored ids. */
function innocentClient(url: string): { stop: () => Promise<string[]> } {
  let running = true;
  const acknowledged: string[] = [];
  const loop = (async () => {
    while (running) {
      const ids = Array.from({ length: 50 }, () => hex(8));
      const traceId = hex(16);
      const now = String(BigInt(Date.now()) * 1_000_000n);
      const spans = ids.map((spanId) => ({
        traceId,
        spanId,
        name: 'innocent',
        startTimeUnixNano: now,
        endTimeUnixNano: now,
      }));
      const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
      for (;;) {
        const response = await send(url, { path: '/v1/traces', headers: JSON_TYPE, body });
        if (response.status === 200) break;
        expect([429, 503]).toContain(response.status);
        await sleep(100);
      }
      acknowledged.push(...ids);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return acknowledged;
    },
  };
}

describe('otel-bridge serve under bodies that decode to many times their size', () => {
  const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-decode-memory-'));
  let server: ServeProcess | null = null;

  afterAll(async () => {
    // Also after a timeout, which is how a regression shows: the process then decodes for minutes.
    server?.child.kill('SIGKILL');
    await server?.exited;
    rmSync(directory, { recursive: true, force: true });
  });

  it('stays under its memory limit, answers every hostile request, and stores every innocent span', async () => {
    const path = join(directory, 'store.duckdb');
    const hostile = hostileBodies();
    const { child, url, exited } = (server = await serve(['--duckdb-path', path], directory));
    const innocent = innocentClient(url);
    const answers: { name: string; response: HttpResult }[] = [];
    // Two rounds, each with every hostile body at once.
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        hostile.map(async ({ name, headers, body }) => {
          answers.push({ name, response: await send(url, { path: '/v1/traces', headers, body }) });
        }),
      );
    }
    const peak = peakRss(child.pid!);
    const stored = await innocent.stop();

    expect(peak).toBeLessThan(MEMORY_LIMIT_BYTES);
    const unexpected = answers
      .filter(
        ({ response }) =>
          !(response.status === 200 || response.status === 503 || (response.status >= 400 && response.status < 500)),
      )
      .map(({ name, response }) => `${name}: ${response.status} ${response.body.toString('latin1').slice(0, 200)}`);
    expect(unexpected).toEqual([]);
    // The bound refused what did not fit, with a status clients retry.
    const refused = answers.filter(({ response }) => response.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const { response } of refused) expect(response.headers['retry-after']).toBeDefined();
    // Each such refusal is counted under its own reason in /metrics.
    const decodedRefusals = refused.filter(({ response }) => /records need more than/.test(response.body.toString()));
    expect(decodedRefusals.length).toBeGreaterThan(0);
    const metrics = await scrape(url);
    expect(sample(metrics, 'otel_bridge_requests_refused_total', { reason: 'decoded_memory' })).toBeGreaterThanOrEqual(
      decodedRefusals.length,
    );
    expect(stored.length).toBeGreaterThan(0);

    child.kill('SIGTERM');
    await exited;
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    const rows = (await connection.runAndReadAll("SELECT span_id FROM otel_spans WHERE name = 'innocent'")).getRows();
    const present = new Set(rows.map(([id]) => id as string));
    connection.closeSync();
    instance.closeSync();
    expect(stored.filter((id) => !present.has(id))).toEqual([]);
  }, 120_000);
});
