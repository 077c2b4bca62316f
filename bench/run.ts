import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ClickHouseStore, DuckDBStore, logFromSdk, spanFromSdk, type ObservabilityStore } from '../src';
import { describeReads, viewerReads } from './api-reads';
import { makeLogs, makeSpans, type Workload } from './data';
import { decodeRate, protobufjsDecodeRate, protobufjsRecordsRate } from './decoder';
import { inProcessLogs, inProcessMetrics, inProcessSpans } from './in-process';
import { chunk, type Measurement } from './measure';
import { readMeasurements } from './reads';
import { drive, startServer, type DriveOptions, type LoadResult } from './receiver';
import { storageLimit } from './storage';

/**
 * `npm run bench`: every path of otel-bridge on the same seeded telemetry, in one run. Prints a
 * table, writes bench/results/latest.json, and refreshes the table in BENCHMARKS.md.
 */

const SEED = 20261126;
const SPANS_PER_REQUEST = 500;
const HTTP_SPANS = 100_000;
const AGENT_SPANS = 20_000;
const LOGS = 100_000;
/** Issue 10's sizes: DuckDB at 10M spans; chdb at the largest that fits the bench's time. */
const READ_SPANS = { duckdb: 10_000_000, chdb: 2_000_000 } as const;
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const ROOT = join(__dirname, '..', '..');

const scratch = mkdtempSync(join(tmpdir(), 'otel-bridge-bench-'));
let files = 0;
const freshPath = (name: string) => join(scratch, `${name}-${files++}`);

function bodies(spans: ReadableSpan[], encoding: 'protobuf' | 'json'): Buffer[] {
  const serializer = encoding === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
  return chunk(spans, SPANS_PER_REQUEST).map((requestSpans) => Buffer.from(serializer.serializeRequest(requestSpans)!));
}

function duckdb(): DuckDBStore {
  return new DuckDBStore({ path: freshPath('store.duckdb') });
}

/** chdb binds one data directory per process: this process uses one, each server its own. */
function chdb(): ClickHouseStore {
  // chdb is optional: loaded only when a chdb run is benchmarked
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createChdbConnection } = require('chdb/connection') as {
    createChdbConnection: (options: { path: string }) => unknown;
  };
  const client = createClient({ connection: createChdbConnection({ path: freshPath('chdb') }) } as Parameters<
    typeof createClient
  >[0]);
  return new ClickHouseStore({ client });
}

async function withStore<T>(store: ObservabilityStore, work: (store: ObservabilityStore) => Promise<T>): Promise<T> {
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const results: Measurement[] = [];
function record(measurement: Measurement): Measurement {
  results.push(measurement);
  const extra = [
    measurement.ofLimit === undefined ? '' : `${measurement.ofLimit.toFixed(2)}× limit`,
    measurement.p99Ms === undefined
      ? ''
      : `p50 ${measurement.p50Ms!.toFixed(0)} ms, p99 ${measurement.p99Ms.toFixed(0)} ms`,
    measurement.peakRssMb === undefined ? '' : `server peak RSS ${measurement.peakRssMb} MB`,
    measurement.note ?? '',
  ].filter((part) => part !== '');
  console.log(
    `  ${measurement.id.padEnd(28)} ${Math.round(measurement.rate).toLocaleString('en-US').padStart(9)} /s   ` +
      `${extra.join(', ')}`,
  );
  return measurement;
}

async function inProcessMeasurement(
  id: string,
  path: string,
  workload: string,
  run: () => Promise<{ seconds: number; rate: number }>,
  items: number,
) {
  const { seconds, rate } = await run();
  return record({ id, path, workload, store: 'duckdb', items, seconds, rate });
}

async function receiverRun(
  id: string,
  args: string[],
  requestBodies: Buffer[],
  options: DriveOptions & {
    workload: Workload;
    store: string;
    limit?: number;
    note?: string;
    /** Runs viewer reads through the API meanwhile, and compares ingest with this rate without them. */
    readsBeside?: number;
  },
): Promise<LoadResult> {
  const server = await startServer(args);
  try {
    const [result, reads] = await Promise.all([
      drive(server, requestBodies, SPANS_PER_REQUEST, options),
      options.readsBeside === undefined ? null : viewerReads(server.url, options.seconds),
    ]);
    record({
      id,
      path: 'receiver',
      workload: options.workload,
      store: options.store,
      items: result.acked,
      seconds: result.seconds,
      rate: result.rate,
      ...(options.limit === undefined ? {} : { ofLimit: result.rate / options.limit }),
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      peakRssMb: result.serverPeakRssMb,
      note: [
        options.note,
        reads ? describeReads(reads, result.rate, options.readsBeside!) : '',
        result.refused > 0
          ? `${result.refused} requests answered ${options.transport === 'grpc' ? 'RESOURCE_EXHAUSTED/UNAVAILABLE' : '429/503'} and retried`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
    });
    return result;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(
    `otel-bridge benchmarks: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );

  // Decoders first, with only the request bodies alive: a large live heap makes every GC slower.
  console.log('generating seeded telemetry…');
  const httpProtobuf = bodies(await makeSpans('http', HTTP_SPANS, SEED), 'protobuf');
  const httpJson = bodies(await makeSpans('http', HTTP_SPANS, SEED), 'json');
  const agentProtobuf = bodies(await makeSpans('agent', AGENT_SPANS, SEED + 1), 'protobuf');

  console.log('decoder alone (OTLP body → records):');
  record({
    id: 'decode http protobuf',
    path: 'decoder',
    workload: 'http',
    store: '-',
    items: HTTP_SPANS,
    seconds: 0,
    rate: decodeRate(httpProtobuf, 'protobuf'),
  });
  record({
    id: 'decode http json',
    path: 'decoder',
    workload: 'http',
    store: '-',
    items: HTTP_SPANS,
    seconds: 0,
    rate: decodeRate(httpJson, 'json'),
  });
  record({
    id: 'decode agent protobuf',
    path: 'decoder',
    workload: 'agent',
    store: '-',
    items: AGENT_SPANS,
    seconds: 0,
    rate: decodeRate(agentProtobuf, 'protobuf'),
  });
  record({
    id: 'protobufjs decode only',
    path: 'decoder',
    workload: 'http',
    store: '-',
    items: HTTP_SPANS,
    seconds: 0,
    rate: protobufjsDecodeRate(httpProtobuf, SPANS_PER_REQUEST),
    note: 'library baseline: message objects only, no records',
  });
  record({
    id: 'protobufjs decode + records',
    path: 'decoder',
    workload: 'http',
    store: '-',
    items: HTTP_SPANS,
    seconds: 0,
    rate: protobufjsRecordsRate(httpProtobuf),
    note: 'library alternative: the same records through the same builder',
  });

  // The same seeds make the same spans again, now as records.
  const httpRecords = (await makeSpans('http', HTTP_SPANS, SEED)).map(spanFromSdk);
  const agentRecords = (await makeSpans('agent', AGENT_SPANS, SEED + 1)).map(spanFromSdk);
  const logRecords = (await makeLogs(LOGS, SEED + 2)).map(logFromSdk);

  console.log('storage limit (ready-made records → store):');
  const limits: Record<string, number> = {};
  for (const [id, store, workload, records] of [
    ['limit duckdb http', duckdb, 'http', httpRecords],
    ['limit duckdb agent', duckdb, 'agent', agentRecords],
    ['limit chdb http', chdb, 'http', httpRecords.slice(0, 40_000)],
  ] as const) {
    const { seconds, rate } = await withStore(store(), (opened) => storageLimit(opened, 'spans', records));
    limits[id] = rate;
    record({ id, path: 'storage limit', workload, store: id.split(' ')[1]!, items: records.length, seconds, rate });
  }
  const logLimit = await withStore(duckdb(), (opened) => storageLimit(opened, 'logs', logRecords));
  record({
    id: 'limit duckdb logs',
    path: 'storage limit',
    workload: 'logs',
    store: 'duckdb',
    items: LOGS,
    seconds: logLimit.seconds,
    rate: logLimit.rate,
  });

  console.log('in-process (OpenTelemetry SDK → our exporters → DuckDB file):');
  const spansInProcess = await inProcessMeasurement(
    'sdk spans http',
    'in-process',
    'http',
    () => withStore(duckdb(), (store) => inProcessSpans(store, 'http', HTTP_SPANS, SEED)),
    HTTP_SPANS,
  );
  spansInProcess.ofLimit = spansInProcess.rate / limits['limit duckdb http']!;
  await inProcessMeasurement(
    'sdk logs',
    'in-process',
    'logs',
    () => withStore(duckdb(), (store) => inProcessLogs(store, LOGS, SEED + 2)),
    LOGS,
  );
  const metrics = await withStore(duckdb(), (store) => inProcessMetrics(store, 2000, 20, SEED + 3));
  record({
    id: 'sdk metric points',
    path: 'in-process',
    workload: 'metrics',
    store: 'duckdb',
    items: metrics.points,
    seconds: metrics.seconds,
    rate: metrics.rate,
  });

  console.log(`receiver end to end (otel-bridge serve, ${SPANS_PER_REQUEST}-span requests, ack after commit):`);
  const duckdbArgs = () => ['--duckdb-path', freshPath('serve.duckdb')];
  // chdb's engine lives in the server process, which then starts above the default memory limit.
  const chdbArgs = () => ['--clickhouse-url', `chdb:${freshPath('serve-chdb')}`, '--memory-limit-mb', '2048'];
  const saturated = await receiverRun('receiver duckdb http proto', duckdbArgs(), httpProtobuf, {
    contentType: PROTOBUF,
    clients: 8,
    seconds: 15,
    workload: 'http',
    store: 'duckdb',
    limit: limits['limit duckdb http'],
  });
  await receiverRun('receiver duckdb http + reads', duckdbArgs(), httpProtobuf, {
    contentType: PROTOBUF,
    clients: 8,
    seconds: 15,
    workload: 'http',
    store: 'duckdb',
    limit: limits['limit duckdb http'],
    readsBeside: saturated.rate,
  });
  await receiverRun('receiver duckdb grpc proto', duckdbArgs(), httpProtobuf, {
    contentType: PROTOBUF,
    transport: 'grpc',
    clients: 8,
    seconds: 15,
    workload: 'http',
    store: 'duckdb',
    limit: limits['limit duckdb http'],
    note: 'OTLP/gRPC, same load as the http proto row',
  });
  await receiverRun('receiver duckdb http json', duckdbArgs(), httpJson, {
    contentType: JSON_TYPE,
    clients: 8,
    seconds: 10,
    workload: 'http',
    store: 'duckdb',
    limit: limits['limit duckdb http'],
  });
  await receiverRun('receiver duckdb agent proto', duckdbArgs(), agentProtobuf, {
    contentType: PROTOBUF,
    clients: 8,
    seconds: 10,
    workload: 'agent',
    store: 'duckdb',
    limit: limits['limit duckdb agent'],
  });
  await receiverRun('receiver duckdb grpc agent', duckdbArgs(), agentProtobuf, {
    contentType: PROTOBUF,
    transport: 'grpc',
    clients: 8,
    seconds: 10,
    workload: 'agent',
    store: 'duckdb',
    limit: limits['limit duckdb agent'],
    note: 'OTLP/gRPC',
  });
  await receiverRun('receiver duckdb agent, 1 GiB', [...duckdbArgs(), '--memory-limit-mb', '1024'], agentProtobuf, {
    contentType: PROTOBUF,
    clients: 8,
    seconds: 10,
    workload: 'agent',
    store: 'duckdb',
    limit: limits['limit duckdb agent'],
    note: '--memory-limit-mb 1024',
  });
  await receiverRun('receiver chdb http proto', chdbArgs(), httpProtobuf, {
    contentType: PROTOBUF,
    clients: 8,
    seconds: 10,
    workload: 'http',
    store: 'chdb',
    limit: limits['limit chdb http'],
  });
  await receiverRun('receiver chdb grpc proto', chdbArgs(), httpProtobuf, {
    contentType: PROTOBUF,
    transport: 'grpc',
    clients: 8,
    seconds: 10,
    workload: 'http',
    store: 'chdb',
    limit: limits['limit chdb http'],
    note: 'OTLP/gRPC',
  });
  await receiverRun('latency at 50% load', duckdbArgs(), httpProtobuf, {
    contentType: PROTOBUF,
    clients: 8,
    seconds: 10,
    spansPerSecond: saturated.rate / 2,
    workload: 'http',
    store: 'duckdb',
    note: `open loop at ${Math.round(saturated.rate / 2)} spans/s`,
  });
  await receiverRun('overload http, defaults', duckdbArgs(), httpProtobuf, {
    contentType: PROTOBUF,
    clients: 48,
    seconds: 10,
    workload: 'http',
    store: 'duckdb',
    note: '48 senders, no pause',
  });
  await receiverRun('overload agent, defaults', duckdbArgs(), agentProtobuf, {
    contentType: PROTOBUF,
    clients: 48,
    seconds: 15,
    workload: 'agent',
    store: 'duckdb',
    note: '48 senders, no pause',
  });
  await receiverRun(
    'overload agent, 16 MiB/5000',
    [...duckdbArgs(), '--max-in-flight-mb', '16', '--max-buffer', '5000'],
    agentProtobuf,
    {
      contentType: PROTOBUF,
      clients: 48,
      seconds: 15,
      workload: 'agent',
      store: 'duckdb',
      note: '--max-in-flight-mb 16 --max-buffer 5000',
    },
  );

  // Issue 10: reads of a large store (generated once, then cached under the temp directory).
  if (process.env.BENCH_READS !== '0') {
    console.log('reads at scale (bench/reads.ts; the first run generates the stores):');
    for (const [store, spans, ingest] of [
      ['duckdb', READ_SPANS.duckdb, false],
      ['duckdb', READ_SPANS.duckdb, true],
      ['chdb', READ_SPANS.chdb, false],
    ] as const) {
      for (const measurement of readMeasurements(store, spans, { ingest, rounds: ingest ? 5 : 20 }))
        record(measurement);
    }
  }

  rmSync(scratch, { recursive: true, force: true });
  const report = {
    date: new Date().toISOString(),
    command: 'npm run bench',
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    seconds: Math.round((performance.now() - started) / 1000),
    results,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  updateBenchmarksMd(report);
  console.log(`done in ${report.seconds} s; wrote bench/results/latest.json and the table in BENCHMARKS.md`);
}

function table(report: { results: Measurement[] }): string {
  const rows = report.results.map((m) => {
    const latency = m.p99Ms === undefined ? '' : `${m.p50Ms!.toFixed(0)} / ${m.p99Ms.toFixed(0)}`;
    return `| ${m.id} | ${m.store} | ${Math.round(m.rate).toLocaleString('en-US')} | ${m.ofLimit === undefined ? '' : m.ofLimit.toFixed(2)} | ${latency} | ${m.peakRssMb ?? ''} | ${m.note ?? ''} |`;
  });
  return [
    '| measurement | store | items/s | × storage limit | p50 / p99 ms | server peak RSS MB | note |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function updateBenchmarksMd(report: {
  date: string;
  command: string;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string };
  seconds: number;
  results: Measurement[];
}): void {
  const file = join(ROOT, 'BENCHMARKS.md');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const block = [
    start,
    `Measured ${report.date.slice(0, 10)} with \`${report.command}\` (${report.seconds} s) on ${report.machine.cores} cores (${report.machine.cpu}), ${report.machine.memoryGiB} GiB, Node ${report.machine.node}.`,
    '',
    table(report),
    end,
  ].join('\n');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = `# Benchmarks\n\n${start}\n${end}\n`;
  }
  writeFileSync(file, text.replace(new RegExp(`${start}[\\s\\S]*${end}`), block));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
