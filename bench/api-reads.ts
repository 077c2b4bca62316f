import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { makeSpans } from './data';
import { chunk, percentile } from './measure';
import { drive, startServer } from './receiver';

/** What the readers got while the receiver ingested. */
export interface ReadLoad {
  reads: number;
  /** Answers other than 200. */
  failed: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
}

function get(agent: Agent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * People looking at the viewer while telemetry flows in: each reader, in a loop, lists the newest
 * traces, opens the newest one, lists the newest logs and the services, pausing `pauseMs` between
 * reads, as a live page that polls and a person who clicks do. Given `traceIds`, readers skip the
 * trace list and open those traces in turn: the same reads without the store's heaviest one.
 */
export async function viewerReads(
  url: string,
  seconds: number,
  options: { readers?: number; pauseMs?: number; traceIds?: string[] } = {},
): Promise<ReadLoad> {
  const { readers = 2, pauseMs = 100, traceIds } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: readers });
  const latencies: number[] = [];
  let failed = 0;
  let opened = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const timed = async (path: string): Promise<string> => {
    const sent = performance.now();
    const { status, body } = await get(agent, `${url}${path}`);
    latencies.push(performance.now() - sent);
    if (status !== 200) failed++;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    return body;
  };
  const newestTrace = async (): Promise<string | undefined> => {
    if (traceIds) return traceIds[opened++ % traceIds.length];
    const page = JSON.parse(await timed('/api/v1/traces?perPage=50')) as { traces?: { traceId: string }[] };
    return page.traces?.[0]?.traceId;
  };
  await Promise.all(
    Array.from({ length: readers }, async () => {
      while (performance.now() < deadline) {
        const newest = await newestTrace();
        if (newest) await timed(`/api/v1/traces/${newest}`);
        await timed('/api/v1/logs?perPage=50');
        await timed('/api/v1/services');
      }
    }),
  );
  agent.destroy();
  const elapsed = (performance.now() - start) / 1000;
  return {
    reads: latencies.length,
    failed,
    rate: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** How the read load reads in a benchmark note. */
export function describeReads(reads: ReadLoad, ingestRate: number, baselineRate: number): string {
  return [
    `${reads.reads} reads (${reads.rate.toFixed(1)}/s, p50 ${reads.p50Ms.toFixed(0)} ms, p99 ${reads.p99Ms.toFixed(0)} ms${reads.failed > 0 ? `, ${reads.failed} failed` : ''})`,
    `ingest ${(ingestRate / baselineRate).toFixed(2)}× the run without reads`,
  ].join('; ');
}

/**
 * `node dist/bench/api-reads.js [rounds]`: only the rows that compare ingest with and without reads
 * (the viewer's, and the same without the trace list), alternated `rounds` times (default 2) so
 * that a shared machine's drift hits each alike.
 */
async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 2);
  const scratch = mkdtempSync(join(tmpdir(), 'otel-bridge-api-reads-'));
  const spans = await makeSpans('http', 100_000, 20261126);
  const bodies = chunk(spans, 500).map((part) => Buffer.from(ProtobufTraceSerializer.serializeRequest(part)!));
  // Traces of the first bodies, which are stored within the first second.
  const early = [...new Set(spans.slice(0, 5000).map((span) => span.spanContext().traceId))];
  const options = { contentType: 'application/x-protobuf', clients: 8, seconds: 15 };
  const variants = [
    ['without reads      ', null],
    ['viewer reads       ', {}],
    ['reads, no trace list', { traceIds: early }],
  ] as const;
  let file = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, reads] of variants) {
        const server = await startServer(['--duckdb-path', join(scratch, `serve-${file++}.duckdb`)]);
        try {
          const [load, read] = await Promise.all([
            drive(server, bodies, 500, options),
            reads ? viewerReads(server.url, options.seconds, reads) : null,
          ]);
          const ingest = `${Math.round(load.rate).toLocaleString('en-US').padStart(7)} spans/s (p50 ${load.p50Ms.toFixed(0)} ms, p99 ${load.p99Ms.toFixed(0)} ms, ${load.refused} refused)`;
          const readsText = read
            ? `; ${read.reads} reads, ${read.rate.toFixed(1)}/s, p50 ${read.p50Ms.toFixed(0)} ms, p99 ${read.p99Ms.toFixed(0)} ms, ${read.failed} failed`
            : '';
          console.log(`round ${round + 1} ${name} ${ingest}${readsText}`);
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
