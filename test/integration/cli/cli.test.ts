import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { pricesFrom } from '../../../src/cli/config';
import { run } from '../../../src/cli/main';
import { freePort } from '../../support/ports';
import { codecFor } from '../../../src/api/codec';
import { FeedbackListSchema, ScoreListSchema, TraceListSchema, TraceViewSchema } from '../../../src/api/schemas';
import { apiGet } from '../../support/api';
import { MEMORY_DEFAULTS } from '../../../src/storage/memory/store';
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
    expect(help.out.join('\n')).toMatch(/--grpc-port .*0 turns gRPC off.*\[OTEL_BRIDGE_GRPC_PORT\]/);
    const unknown = await runCli(['launch']);
    expect(unknown.code).toBe(1);
    expect(unknown.err.join('\n')).toMatch(/unknown command "launch"/);
    const flag = await runCli(['serve', '--colour']);
    expect(flag.code).toBe(1);
    expect(flag.err.join('\n')).toMatch(/Unknown option '--colour'/);
    const port = await runCli(['serve', '--port', 'eighty']);
    expect(port.err.join('\n')).toMatch(/--port must be a whole number >= 0, got "eighty"/);
    const tls = await runCli(['serve', '--tls-cert', 'cert.pem']);
    expect(tls.err.join('\n')).toMatch(/--tls-cert and --tls-key go together/);
    const store = await runCli(['query', 'traces', '--store', 'postgres']);
    expect(store.err.join('\n')).toMatch(/--store must be duckdb, clickhouse or memory, got "postgres"/);
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
      expect(pricesFrom({ prices: yaml, help: false, json: false, positionals: [] })).toEqual([
        { model: 'llama3.1:8b', provider: 'ollama', input: 0.1, output: 0.2 },
      ]);
      expect(pricesFrom({ prices: json, help: false, json: false, positionals: [] })).toEqual([
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
        '# USD per million tokens\nprices:\n  - model: llama3.1:8b\n    provider: ollama\n    input: 0.1\n    ' +
          'output: 0.2\n',
      );
      const { child, url } = await serve(['--port', '0', '--grpc-port', '0', '--prices', 'prices.yaml'], directory);
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

      const path = join(directory, 'otel-bridge.duckdb');
      const spend = await runCli(['query', 'spend', '--group-by', 'model', '--bucket', '1d', '--duckdb-path', path]);
      expect(spend.code).toBe(0);
      expect(spend.out.join('\n')).toMatch(/^[\d-]+ [\d:.]+\s+llama3\.1:8b\s+1\s+0\s+1500\s+\$0\.000200$/m);
      expect(spend.out.join('\n')).toContain('1 model calls, 0 without a known price, total $0.000200');
      const json = await runCli(['query', 'spend', '--from', '1h', '--json', '--duckdb-path', path]);
      expect(JSON.parse(json.out.join('\n'))).toMatchObject({
        groupBy: null,
        calls: 1,
        unpricedCalls: 0,
        series: [{ group: null, points: [{ calls: 1, totalTokens: 1500 }] }],
      });
      const badGroup = await runCli(['query', 'spend', '--group-by', 'colour', '--duckdb-path', path]);
      expect(badGroup.code).not.toBe(0);
      expect(badGroup.err.join('\n')).toMatch(/--group-by.*must be one of service, model/);
      const badFrom = await runCli(['query', 'spend', '--from', '0h', '--duckdb-path', path]);
      expect(badFrom.code).not.toBe(0);
      expect(badFrom.err.join('\n')).toMatch(/--from must be longer than zero, got "0h"/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('serves --store memory: it acknowledges what it stored, and drains on SIGTERM', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-cli-'));
    try {
      // --grpc-port 0: no gRPC listener, so that it never takes 4317 from another serve.
      const { child, url, output } = await serve(['--port', '0', '--grpc-port', '0', '--store', 'memory'], directory);
      expect(output()).toContain(
        `store: memory (at most ${MEMORY_DEFAULTS.maxRecordsPerSignal} records per signal, lost on exit)`,
      );
      const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces` });
      const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
      provider.getTracer('cli').startSpan('in memory').end();
      const exported = new Promise<number>((resolve) => {
        const original = exporter.export.bind(exporter);
        exporter.export = (spans, done) => original(spans, (result) => (resolve(result.code), done(result)));
      });
      await provider.forceFlush();
      // The receiver answers 200 only once the records are committed to the store.
      expect(await exported).toBe(0);
      await provider.shutdown();
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).not.toMatch(/dropped/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('serves OTLP/HTTP and OTLP/gRPC into ./otel-bridge.duckdb, drains on SIGTERM, and the data is queryable', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-cli-'));
    try {
      // Free ports, not 4318 and 4317, which the machine may already use.
      const grpcPort = await freePort();
      const { child, url, output } = await serve(['--port', '0', '--grpc-port', String(grpcPort)], directory);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(output()).toMatch(
        new RegExp(`and 127\\.0\\.0\\.1:${grpcPort} \\(OTLP/gRPC\\), store: duckdb otel-bridge\\.duckdb`),
      );

      // An SDK's gRPC exporters, given only the endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT would.
      const grpcEndpoint = `http://localhost:${grpcPort}`;
      const viaGrpc = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'cli-grpc' }),
        spanProcessors: [new BatchSpanProcessor(new GrpcTraceExporter({ url: grpcEndpoint }))],
      });
      viaGrpc.getTracer('cli').startSpan('grpc-checkout').end();
      await viaGrpc.forceFlush();
      await viaGrpc.shutdown();
      const logs = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'cli-grpc' }),
        processors: [new BatchLogRecordProcessor({ exporter: new GrpcLogExporter({ url: grpcEndpoint }) })],
      });
      logs.getLogger('cli').emit({ body: 'sent over gRPC' });
      await logs.forceFlush();
      await logs.shutdown();

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
      expect(table).toMatch(/cli-grpc\s+grpc-checkout/);
      expect(table).toMatch(/2 of 2$/);
      const logTable = await runCli(['query', 'logs', '--duckdb-path', join(directory, 'otel-bridge.duckdb')]);
      expect(logTable.out.join('\n')).toMatch(/sent over gRPC/);
      const traceId = /([0-9a-f]{32})\s+cli-test/.exec(table)![1]!;
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

  it('turns gRPC off with --grpc-port 0', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-cli-'));
    try {
      const { child, output } = await serve(
        ['--port', '0', '--grpc-port', '0', '--duckdb-path', ':memory:'],
        directory,
      );
      expect(output()).toMatch(
        /\(OTLP\/HTTP: \/v1\/traces \/v1\/logs \/v1\/metrics; API: \/api\/v1, \/v1\/scores, \/v1\/feedback; viewer: \/\), store:/,
      );
      expect(output()).not.toMatch(/gRPC/);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("records scores and feedback through a running serve, and query --json prints the API's JSON", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-cli-'));
    try {
      const { child, url } = await serve(['--port', '0', '--grpc-port', '0', '--token', 'cli-secret'], directory);
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'cli-api' }),
        spanProcessors: [
          new BatchSpanProcessor(
            new OTLPTraceExporter({ url: `${url}/v1/traces`, headers: { Authorization: 'Bearer cli-secret' } }),
          ),
        ],
      });
      const span = provider.getTracer('cli').startSpan('answer');
      span.end();
      await provider.shutdown();
      const { traceId, spanId } = span.spanContext();

      const client = ['--url', url, '--token', 'cli-secret', '--trace', traceId];
      const score = await runCli([
        'score',
        ...client,
        '--span',
        spanId,
        '--scorer',
        'relevance',
        '--value',
        '0.9',
        '--reason',
        'on topic',
      ]);
      expect(score.err).toEqual([]);
      expect(score.code).toBe(0);
      expect(JSON.parse(score.out.join('\n'))).toMatchObject({
        traceId,
        spanId,
        scorerId: 'relevance',
        score: 0.9,
        reason: 'on topic',
      });
      const feedback = await runCli([
        'feedback',
        ...client,
        '--feedback-type',
        'thumbs',
        '--value',
        '1',
        '--user',
        'u-1',
      ]);
      expect(feedback.code).toBe(0);
      const correction = await runCli([
        'feedback',
        ...client,
        '--feedback-type',
        'correction',
        '--value',
        'Kyoto',
        '--comment',
        'not Tokyo',
      ]);
      expect(correction.code).toBe(0);

      // Read while serve runs, as curl would.
      const auth = { Authorization: 'Bearer cli-secret' };
      const live = await apiGet(url, `/api/v1/feedback?traceId=${traceId}&order=asc`, FeedbackListSchema, auth);
      expect(live.feedback.map((item) => [item.feedbackType, item.value, item.userId])).toEqual([
        ['thumbs', 1, 'u-1'],
        ['correction', 'Kyoto', null],
      ]);
      const liveScores = await apiGet(url, '/api/v1/scores?perPage=20', ScoreListSchema, auth);

      const refused = await runCli([
        'score',
        '--url',
        url,
        '--token',
        'wrong',
        '--trace',
        traceId,
        '--scorer',
        'x',
        '--value',
        '1',
      ]);
      expect(refused.code).toBe(1);
      expect(refused.err.join('\n')).toMatch(/the server answered 401: missing or invalid bearer token/);
      const invalid = await runCli(['score', ...client, '--scorer', 'x', '--value', 'high']);
      expect(invalid.err.join('\n')).toMatch(/--value must be a number for a score, got "high"/);
      const missing = await runCli(['feedback', ...client, '--value', '1']);
      expect(missing.err.join('\n')).toMatch(/feedback needs --feedback-type/);
      const badTrace = await runCli([
        'score',
        '--url',
        url,
        '--token',
        'cli-secret',
        '--trace',
        'nope',
        '--scorer',
        'x',
        '--value',
        '1',
      ]);
      expect(badTrace.err.join('\n')).toMatch(/the server answered 400: invalid scores: \/traceId/);

      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const gone = await runCli(['score', ...client, '--scorer', 'x', '--value', '1']);
      expect(gone.err.join('\n')).toMatch(/no otel-bridge server answered at http:\/\/127\.0\.0\.1:\d+\/v1\/scores/);

      const path = ['--duckdb-path', join(directory, 'otel-bridge.duckdb')];
      const scores = await runCli(['query', 'scores', '--json', ...path]);
      expect(scores.code).toBe(0);
      expect(codecFor(ScoreListSchema).parse(JSON.parse(scores.out.join('\n'))).value).toEqual(liveScores);
      const traces = codecFor(TraceListSchema).parse(
        JSON.parse((await runCli(['query', 'traces', '--json', ...path])).out.join('\n')),
      );
      expect(traces.issues).toEqual([]);
      expect(traces.value.traces.map((trace) => [trace.traceId, trace.name])).toEqual([[traceId, 'answer']]);
      const view = codecFor(TraceViewSchema).parse(
        JSON.parse((await runCli(['query', 'traces', '--trace', traceId, '--json', ...path])).out.join('\n')),
      ).value;
      expect(view.spans.map((item) => item.spanId)).toEqual([spanId]);
      expect(view.scores.map((item) => item.scorerId)).toEqual(['relevance']);
      expect(view.feedback).toEqual(live.feedback);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('query traces --order-by cost, --min-cost and --any-error sort and filter by cost and errors', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-cli-'));
    const path = join(directory, 'cost.duckdb');
    try {
      const store = new DuckDBStore({ path });
      await store.init();
      const start = BigInt(Date.now() - 60_000) * 1_000_000n;
      // Started in this order, so that the default (newest first) and cost orders differ.
      const costs = { cheap: 0.01, dear: 2.5, unpriced: null, middle: 0.4 };
      const spans = Object.entries(costs).map(([name, totalCost], i) =>
        makeSpan({
          name,
          spanType: 'model_generation',
          totalCost,
          startTimeUnixNano: start + BigInt(i) * 1_000_000n,
          // One failed call: --any-error keeps its trace alone.
          ...(name === 'cheap' ? { error: { message: 'quota', type: null, stack: null } } : {}),
        }),
      );
      await store.batchCreateSpans({ spans });
      await store.close();
      const names = async (...flags: string[]) => {
        const { code, out, err } = await runCli(['query', 'traces', ...flags, '--duckdb-path', path]);
        expect(err).toEqual([]);
        expect(code).toBe(0);
        return out.join('\n').match(/\b(cheap|dear|unpriced|middle)\b/g);
      };
      expect(await names()).toEqual(['middle', 'unpriced', 'dear', 'cheap']);
      expect(await names('--order-by', 'cost')).toEqual(['dear', 'middle', 'cheap', 'unpriced']);
      expect(await names('--min-cost', '0.3')).toEqual(['middle', 'dear']);
      expect(await names('--min-cost', '0.3', '--order-by', 'cost', '--limit', '1')).toEqual(['dear']);
      expect(await names('--any-error')).toEqual(['cheap']);
      const json = await runCli(['query', 'traces', '--min-cost', '1', '--json', '--duckdb-path', path]);
      expect(JSON.parse(json.out.join('\n'))).toMatchObject({ traces: [{ name: 'dear' }], pagination: { total: 1 } });

      const badOrder = await runCli(['query', 'traces', '--order-by', 'price', '--duckdb-path', path]);
      expect(badOrder.code).not.toBe(0);
      expect(badOrder.err.join('\n')).toMatch(/--order-by must be one of startTime, cost, duration, got "price"/);
      const badCost = await runCli(['query', 'traces', '--min-cost', 'lots', '--duckdb-path', path]);
      expect(badCost.code).not.toBe(0);
      expect(badCost.err.join('\n')).toMatch(/--min-cost must be a number >= 0, such as 0.05, got "lots"/);
      const onLogs = await runCli(['query', 'logs', '--order-by', 'cost', '--duckdb-path', path]);
      expect(onLogs.code).not.toBe(0);
      expect(onLogs.err.join('\n')).toMatch(/--order-by is for traces only/);
      const errorsOfLogs = await runCli(['query', 'logs', '--any-error', '--duckdb-path', path]);
      expect(errorsOfLogs.err.join('\n')).toMatch(/--any-error is for traces only/);
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
