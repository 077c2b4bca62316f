import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { pricesFrom } from '../../../src/cli/config';
import { run } from '../../../src/cli/main';
import { DuckDBStore } from '../../../src/storage/duckdb/store';

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

  it('reads --prices from a YAML or JSON file, and names the file and entry of a bad one', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-prices-'));
    try {
      const file = (name: string, text: string) => {
        writeFileSync(join(directory, name), text);
        return join(directory, name);
      };
      const yaml = file(
        'prices.yaml',
        'prices:\n  - model: llama3.1:8b\n    provider: ollama\n    input: 0.1\n    output: 0.2\n',
      );
      const json = file(
        'prices.json',
        JSON.stringify({ prices: [{ model: 'ft:*', input: 1, output: 2, cachedInput: 0.5 }] }),
      );
      expect(pricesFrom({ prices: yaml, help: false, positionals: [] })).toEqual([
        { model: 'llama3.1:8b', provider: 'ollama', input: 0.1, output: 0.2 },
      ]);
      expect(pricesFrom({ prices: json, help: false, positionals: [] })).toEqual([
        { model: 'ft:*', input: 1, output: 2, cachedInput: 0.5 },
      ]);

      const missing = await runCli(['serve', '--prices', join(directory, 'nope.yaml')]);
      expect(missing.code).toBe(1);
      expect(missing.err.join('\n')).toMatch(/--prices .*nope\.yaml: .*ENOENT/);
      const broken = await runCli(['serve', '--prices', file('broken.yaml', 'prices: [\n')]);
      expect(broken.err.join('\n')).toMatch(/--prices .*broken\.yaml: /);
      const noList = await runCli(['serve', '--prices', file('list.yaml', '- model: m\n')]);
      expect(noList.err.join('\n')).toMatch(/list\.yaml: expected a "prices" list at the top/);
      const negative = await runCli(['serve'], {
        OTEL_BRIDGE_PRICES: file('negative.yaml', 'prices:\n  - { model: m, input: -1, output: 1 }\n'),
      });
      expect(negative.err.join('\n')).toMatch(
        /--prices .*negative\.yaml: prices\[0\]\.input must be a number >= 0 \(USD per million tokens\), got -1/,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('serve --prices prices a self-hosted model that the library does not know', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-cli-'));
    try {
      writeFileSync(
        join(directory, 'prices.yaml'),
        '# USD per million tokens\nprices:\n  - model: llama3.1:8b\n    provider: ollama\n    input: 0.1\n    output: 0.2\n',
      );
      const { child, url } = await serve(['--port', '0', '--prices', 'prices.yaml'], directory);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const provider = new BasicTracerProvider({
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }))],
      });
      const span = provider.getTracer('cli').startSpan('chat llama3.1:8b', {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'ollama',
          'gen_ai.request.model': 'llama3.1:8b',
          'gen_ai.usage.input_tokens': 1000,
          'gen_ai.usage.output_tokens': 500,
        },
      });
      span.end();
      try {
        await provider.forceFlush();
        await provider.shutdown();
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);

      const store = new DuckDBStore({ path: join(directory, 'otel-bridge.duckdb') });
      await store.init();
      try {
        const [stored] = (await store.getTrace(span.spanContext().traceId))!.spans;
        expect(stored).toMatchObject({ model: 'llama3.1:8b', costSource: 'override' });
        expect(stored!.totalCost).toBeCloseTo((1000 * 0.1 + 500 * 0.2) / 1e6, 15);
      } finally {
        await store.close();
      }
      const tree = await runCli([
        'query',
        'traces',
        '--trace',
        span.spanContext().traceId,
        '--duckdb-path',
        join(directory, 'otel-bridge.duckdb'),
      ]);
      expect(tree.out.join('\n')).toMatch(/chat llama3\.1:8b\s+model_generation\s+.+llama3\.1:8b\s+1500\s+\$0\.000200/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
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
});
