import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { run } from '../../../src/cli/main';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { makeLog, makeSpan } from '../../support/records';

const ROOT = join(__dirname, '..', '..', '..');

async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    argv,
    env,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out, err };
}

/** Starts `otel-bridge serve` as its own process, the way `npm start` does, and waits for it to listen. */
function serve(
  args: string[],
  cwd: string,
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('ts-node/register/transpile-only'),
      join(ROOT, 'src', 'cli', 'main.ts'),
      'serve',
      ...args,
    ],
    {
      cwd,
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs', moduleResolution: 'node10' }),
      },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 30_000);
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}

describe('otel-bridge command line', () => {
  it('prints help, and fails clearly on an unknown command or flag', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toMatch(/usage: otel-bridge <command>/);
    expect(help.out.join('\n')).toMatch(/--port .*\[OTEL_BRIDGE_PORT\]/);
    const unknown = await runCli(['launch']);
    expect(unknown.code).toBe(1);
    expect(unknown.err.join('\n')).toMatch(/unknown command "launch"/);
    const flag = await runCli(['serve', '--colour']);
    expect(flag.code).toBe(1);
    expect(flag.err.join('\n')).toMatch(/Unknown option '--colour'/);
    const port = await runCli(['serve', '--port', 'eighty']);
    expect(port.err.join('\n')).toMatch(/--port must be a whole number >= 0, got "eighty"/);
    const store = await runCli(['query', 'traces', '--store', 'postgres']);
    expect(store.err.join('\n')).toMatch(/--store must be duckdb or clickhouse/);
  });

  it('serves with no options into ./otel-bridge.duckdb, drains on SIGTERM, and the data is queryable', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-cli-'));
    try {
      const { child, url, output } = await serve(['--port', '0'], directory);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(output()).toMatch(/store: duckdb otel-bridge\.duckdb/);

      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'cli-test' }),
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }))],
      });
      const tracer = provider.getTracer('cli');
      const root = tracer.startSpan('checkout', {
        attributes: { 'user.id': 'u-7', 'gen_ai.operation.name': 'invoke_agent' },
      });
      root.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      root.end();
      await provider.forceFlush();
      await provider.shutdown();

      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toMatch(/SIGTERM: draining…\s+stopped/);

      const traces = await runCli(['query', 'traces', '--duckdb-path', join(directory, 'otel-bridge.duckdb')]);
      expect(traces.code).toBe(0);
      const table = traces.out.join('\n');
      expect(table).toMatch(/cli-test\s+checkout\s+agent_run\s+\S+ ms\s+error/);
      expect(table).toMatch(/1 of 1$/);
      const traceId = /([0-9a-f]{32})/.exec(table)![1]!;
      const tree = await runCli([
        'query',
        'traces',
        '--trace',
        traceId,
        '--duckdb-path',
        join(directory, 'otel-bridge.duckdb'),
      ]);
      expect(tree.out.join('\n')).toMatch(/checkout\s+agent_run\s+\S+ ms\s+error\s+card declined/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('escapes control characters in everything query prints, so stored data cannot drive the terminal', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-cli-'));
    const path = join(directory, 'escapes.duckdb');
    try {
      const store = new DuckDBStore({ path });
      await store.init();
      // Clear the screen, retitle the window, a C1 CSI, DEL, and a BEL.
      const hostile = 'pay\u001b[2J\u001b]0;pwned\u0007\u009b31m\u007f';
      const span = makeSpan({ name: hostile, serviceName: 'svc\u001b[31m', input: 'in\u001bput' });
      await store.batchCreateSpans({ spans: [span] });
      await store.batchCreateLogs({ logs: [makeLog({ message: 'log\u001b[1A', body: 'log\u001b[1A' })] });
      await store.close();
      for (const argv of [
        ['query', 'traces'],
        ['query', 'traces', '--trace', span.traceId],
        ['query', 'logs'],
      ]) {
        const { code, out } = await runCli([...argv, '--duckdb-path', path]);
        expect(code).toBe(0);
        const printed = out.join('\n');
        // eslint-disable-next-line no-control-regex -- none may reach the terminal
        expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
        expect(printed).toMatch(argv[1] === 'logs' ? /log\\x1b\[1A/ : /pay\\x1b\[2J\\x1b\]0;pwned\\x07\\x9b31m\\x7f/);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
