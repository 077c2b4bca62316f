/**
 * Two services sending OTLP to `otel-bridge serve`: starts the receiver on a free port with its own
 * DuckDB file, then a backend and a frontend service (each its own process and NodeSDK, exporting
 * OTLP/HTTP to the receiver); the frontend calls the backend once. Then it reads the trace back through
 * the receiver's HTTP API, stops the receiver, which drains, and prints the trace: both services'
 * spans in one tree. Only the `serve` line names the store, so ClickHouse is a one-line change.
 *
 * Run it with `npm run example:services`. It writes `two-services.duckdb` in the working directory.
 * With a Collector in between, the services send to the Collector and the Collector to otel-bridge
 * (README, "A Collector in front").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';
import { RECORD_CODECS, formatTrace, type SpanRecord } from '../../src';

/** The sibling script: `.ts` under ts-node, `.js` once compiled. */
const script = (path: string): string => join(__dirname, `${path}${extname(__filename)}`);

/** Starts a Node process and resolves with it and the first line of its output that matches. */
function start(
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready.test(output)) reject(new Error(`${args.join(' ')} exited ${code}:\n${output}`));
    });
  });
}

/** `GET /api/v1/traces/{id}`: the trace's spans, decoded by the API's own codec (int64 and times exact). */
async function readTrace(url: string, traceId: string): Promise<SpanRecord[]> {
  const response = await fetch(`${url}/api/v1/traces/${traceId}`);
  if (!response.ok) throw new Error(`GET /api/v1/traces/${traceId} answered ${response.status}`);
  const { spans } = (await response.json()) as { spans: unknown[] };
  return spans.map((json) => {
    const { value, issues } = RECORD_CODECS.spans.parse(json);
    if (issues.length > 0) throw new Error(`the API answered a span its codec refuses: ${JSON.stringify(issues)}`);
    return value;
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', resolve));

async function main(): Promise<void> {
  // The one line that names the store; for ClickHouse: ['--clickhouse-url', 'http://localhost:8123'].
  const store = ['--duckdb-path', 'two-services.duckdb'];
  const cli = script('../../src/cli/main');
  // OTLP/HTTP on OTEL_BRIDGE_PORT or a free port; no OTLP/gRPC listener, which would take 4317 (the services send
  // HTTP).
  const port = process.env.OTEL_BRIDGE_PORT ?? '0';
  const receiver = await start([cli, 'serve', '--port', port, ...store], /listening on (http:\/\/\S+)/, {
    OTEL_BRIDGE_GRPC_PORT: '0',
  });
  // An endpoint already set (a Collector in between) wins; otherwise the services send to the receiver.
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? receiver.match[1]! };
  try {
    const backend = await start([script('service'), 'backend'], /backend on (\S+)/, endpoint);
    const frontend = await start([script('service'), 'frontend', backend.match[1]!], /trace ([0-9a-f]{32})/, endpoint);
    const traceId = frontend.match[1]!;
    await exited(frontend.child);
    backend.child.kill('SIGTERM');
    await exited(backend.child);
    // Each service flushed on exit, and otel-bridge acknowledges only what it committed: the trace is
    // readable now, through the HTTP API beside the receiver, whichever store serve writes to.
    const spans = await readTrace(receiver.match[1]!, traceId);
    receiver.child.kill('SIGTERM');
    if ((await exited(receiver.child)) !== 0) throw new Error('otel-bridge serve did not exit cleanly');

    const services = [...new Set(spans.map((span) => span.serviceName))].join(', ');
    console.log(`trace ${traceId} (services: ${services})\n${formatTrace(spans)}`);
  } finally {
    receiver.child.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
