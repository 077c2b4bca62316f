import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { run } from '../../../src/cli/main';
import { UnauthenticatedNetworkError } from '../../../src/receiver/errors';
import { startReceiver } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { MemoryStore } from '../../../src/storage/memory/store';
import { startViewer } from '../../../src/viewer/server';
import { callExport, EXPORT, grpcClient } from '../../support/grpc';
import { send } from '../../support/http';
import { freePort } from '../../support/ports';
import { sample, scrape } from '../../support/prometheus';

/**
 * Issue 9, classes 6 and 7, through the built command line (`npm run build` first): no open
 * receiver on the network without a token, slow clients cut at the configured timeouts while others
 * are served, and a cap on open connections for both transports.
 */

const CLI = join(__dirname, '..', '..', '..', 'dist', 'src', 'cli', 'main.js');
const JSON_TYPE = { 'Content-Type': 'application/json' };
const EMPTY_TRACES = JSON.stringify({ resourceSpans: [] });

/** Every child still running; a test that fails or times out leaves none behind. */
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessByStdio<null, Readable, Readable> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** `otel-bridge <command>` as its own process, resolved once it listens; `--grpc-port 0` unless given. */
function start(command: 'serve' | 'view', args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const grpc = command === 'serve' && !args.includes('--grpc-port') ? ['--grpc-port', '0'] : [];
  const child = spawnCli([command, '--port', '0', ...grpc, ...args], env);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(?:listening on|viewer on) (http:\/\/\S+?)\/? /.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        child,
        url: match[1]!,
        output: () => output,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}: ${output}`));
    });
  });
}

/** Runs a command that should fail; its exit code and what it printed. */
function fail(command: 'serve' | 'view', args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawnCli([command, '--port', '0', ...args]);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** A raw TCP client: what it received, and when (ms after opening) the server closed it. */
function rawClient(url: string): { socket: Socket; received: () => string; closed: Promise<number> } {
  const { hostname, port } = new URL(url);
  const opened = Date.now();
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  return { socket, received: () => received, closed };
}

/** Whether `closed` settles within `ms`. */
async function closesWithin(closed: Promise<number>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([closed.then(() => true as const), late]);
  clearTimeout(timer);
  return result;
}

const postTraces = (url: string, headers: Record<string, string> = {}) =>
  send(url, { path: '/v1/traces', headers: { ...JSON_TYPE, ...headers }, body: EMPTY_TRACES });

describe('an open receiver on the network', () => {
  it('serve refuses 0.0.0.0, :: and a LAN address without a token, naming the host and the two ways out', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
      const { code, output } = await fail('serve', ['--host', host, '--grpc-port', '0', '--store', 'memory']);
      expect(code).toBe(1);
      expect(output).toContain(`refusing to listen on ${host} without a bearer token`);
      expect(output).toMatch(/--token or OTEL_BRIDGE_TOKEN/);
      expect(output).toMatch(/--allow-unauthenticated or OTEL_BRIDGE_ALLOW_UNAUTHENTICATED=true/);
      expect(output).not.toMatch(/listening on/);
    }
  }, 120_000);

  it('serve on the network starts with --allow-unauthenticated (or its variable) or a token, and says so', async () => {
    const grpcPort = await freePort();
    const open = await start('serve', ['--host', '0.0.0.0', '--store', 'memory', '--grpc-port', String(grpcPort)], {
      OTEL_BRIDGE_ALLOW_UNAUTHENTICATED: 'true',
    });
    try {
      expect(open.output()).toMatch(
        new RegExp(
          `access: UNAUTHENTICATED on http://0\\.0\\.0\\.0:\\d+ .*and 0\\.0\\.0\\.0:${grpcPort} .*reachable ` +
            `from the network`,
        ),
      );
      expect((await postTraces(open.url.replace('0.0.0.0', '127.0.0.1'))).status).toBe(200);
    } finally {
      await open.stop();
    }

    const guarded = await start('serve', ['--host', '0.0.0.0', '--store', 'memory', '--token', 's3cret']);
    try {
      expect(guarded.output()).toMatch(
        /access: bearer token required on http:\/\/0\.0\.0\.0:\d+.*reachable from the network/,
      );
      const local = guarded.url.replace('0.0.0.0', '127.0.0.1');
      expect((await postTraces(local)).status).toBe(401);
      expect((await postTraces(local, { Authorization: 'Bearer s3cret' })).status).toBe(200);
    } finally {
      await guarded.stop();
    }

    const loopback = await start('serve', ['--host', 'localhost', '--store', 'memory']);
    try {
      expect(loopback.output()).toMatch(/access: unauthenticated on http:\/\/127\.0\.0\.1:\d+.*this machine only/);
    } finally {
      await loopback.stop();
    }
  }, 120_000);

  it('reads OTEL_BRIDGE_ALLOW_UNAUTHENTICATED as true or false, and names the variable otherwise', async () => {
    const errors: string[] = [];
    const code = await run(
      ['serve'],
      { OTEL_BRIDGE_ALLOW_UNAUTHENTICATED: 'yes' },
      () => undefined,
      (line) => errors.push(line),
    );
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/OTEL_BRIDGE_ALLOW_UNAUTHENTICATED must be true or false, got "yes"/);
  });

  it('view refuses the network without a token too', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-defences-'));
    try {
      const path = join(directory, 'data.duckdb');
      const store = new DuckDBStore({ path });
      await store.init();
      await store.close();
      const { code, output } = await fail('view', ['--host', '0.0.0.0', '--duckdb-path', path]);
      expect(code).toBe(1);
      expect(output).toContain('refusing to listen on 0.0.0.0 without a bearer token');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 60_000);

  it('startReceiver and startViewer refuse with a typed error, take allowUnauthenticated, and check timeouts', async () => {
    const store = new MemoryStore();
    try {
      const refused = startReceiver({ store, host: '0.0.0.0', port: 0 });
      await expect(refused).rejects.toBeInstanceOf(UnauthenticatedNetworkError);
      await expect(refused).rejects.toMatchObject({ host: '0.0.0.0', code: 'UNAUTHENTICATED_NETWORK' });
      await expect(startViewer({ store, host: '::', port: 0 })).rejects.toMatchObject({ host: '::' });
      const viewer = await startViewer({ store, host: '0.0.0.0', port: 0, allowUnauthenticated: true });
      expect(viewer.reach).toBe('network');
      await viewer.close();
      const receiver = await startReceiver({ store, port: 0, viewer: false });
      expect(receiver.reach).toBe('loopback');
      await receiver.close();
      await expect(
        startReceiver({ store, port: 0, httpLimits: { headerTimeoutMs: 5000, requestTimeoutMs: 1000 } }),
      ).rejects.toThrow(/headerTimeoutMs \(--header-timeout-s\), 5000 ms, must not exceed/);
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('slow clients', () => {
  let server: Running;
  beforeAll(async () => {
    server = await start('serve', [
      '--store',
      'memory',
      '--header-timeout-s',
      '1',
      '--request-timeout-s',
      '2',
      '--idle-timeout-s',
      '1',
    ]);
  }, 60_000);
  afterAll(() => server.stop());

  it('cuts headers that never end and a body that never ends at their timeouts, serving others meanwhile', async () => {
    const slowloris = rawClient(server.url);
    slowloris.socket.write('POST /v1/traces HTTP/1.1\r\nHost: receiver\r\n');
    const endless = rawClient(server.url);
    endless.socket.write(
      'POST /v1/traces HTTP/1.1\r\nHost: receiver\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
    );
    // Each keeps sending a little, so that only the timeouts can end them.
    const drip = setInterval(() => {
      if (!slowloris.socket.destroyed) slowloris.socket.write('X-Slow: still\r\n');
      if (!endless.socket.destroyed) endless.socket.write(' ');
    }, 200);
    try {
      const served: number[] = [];
      for (let i = 0; i < 5; i++) {
        served.push((await postTraces(server.url)).status);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(served).toEqual([200, 200, 200, 200, 200]);
      const headerCut = await slowloris.closed;
      const bodyCut = await endless.closed;
      expect(headerCut).toBeGreaterThanOrEqual(1000);
      expect(headerCut).toBeLessThan(bodyCut);
      expect(bodyCut).toBeGreaterThanOrEqual(2000);
      expect(bodyCut).toBeLessThan(5000);
      expect(slowloris.received()).toMatch(/^HTTP\/1\.1 408/);
      expect(endless.received()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
    }
    expect((await postTraces(server.url)).status).toBe(200);
  }, 30_000);

  it('closes a keep-alive connection after the idle timeout', async () => {
    const client = rawClient(server.url);
    client.socket.write('GET /health HTTP/1.1\r\nHost: receiver\r\nConnection: keep-alive\r\n\r\n');
    while (!client.received().includes('"status"')) await new Promise((resolve) => setTimeout(resolve, 20));
    const answered = Date.now();
    await client.closed;
    const idle = Date.now() - answered;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(idle).toBeGreaterThanOrEqual(900);
    expect(idle).toBeLessThan(4000);
  }, 30_000);
});

describe('the connection cap', () => {
  it('closes HTTP connections beyond --max-connections at once, and the connected clients keep working', async () => {
    const server = await start('serve', ['--store', 'memory', '--max-connections', '3']);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const idle = [rawClient(server.url), rawClient(server.url)];
    try {
      expect(await sendWith(agent, server.url)).toBe(200);
      const beyond = rawClient(server.url);
      expect(await closesWithin(beyond.closed, 2000)).toBe(true);
      expect(beyond.received()).toBe('');
      // The connected ones are still open, and the keep-alive client is served on its connection.
      expect(idle.every((client) => !client.socket.destroyed)).toBe(true);
      expect(await sendWith(agent, server.url)).toBe(200);
      // A freed place takes a new client.
      idle[0]!.socket.destroy();
      await idle[0]!.closed;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await postTraces(server.url)).status).toBe(200);
    } finally {
      agent.destroy();
      for (const client of idle) client.socket.destroy();
      await server.stop();
    }
  }, 60_000);

  it('closes gRPC connections beyond --max-connections at once, and the connected clients keep working', async () => {
    const grpcPort = await freePort();
    const server = await start('serve', [
      '--store',
      'memory',
      '--max-connections',
      '2',
      '--grpc-port',
      String(grpcPort),
    ]);
    // A local subchannel pool: each client its own connection.
    const clients = [0, 1, 2].map(() =>
      grpcClient(`127.0.0.1:${grpcPort}`, { channel: { 'grpc.use_local_subchannel_pool': 1 } }),
    );
    try {
      const [first, second, third] = clients.map((client) => () => callExport(client, EXPORT.traces, Buffer.alloc(0)));
      expect((await first!()).error).toBeNull();
      expect((await second!()).error).toBeNull();
      expect((await third!()).error?.code).toBe(GrpcStatus.UNAVAILABLE);
      expect((await first!()).error).toBeNull();
      expect((await second!()).error).toBeNull();
    } finally {
      for (const client of clients) client.close();
      await server.stop();
    }
  }, 60_000);

  it('counts the connections it refuses, per transport', async () => {
    const store = new MemoryStore();
    const receiver = await startReceiver({
      store,
      port: 0,
      grpcPort: 0,
      viewer: false,
      httpLimits: { maxConnections: 1 },
      grpcLimits: { maxConnections: 1 },
    });
    const held = [rawClient(receiver.url), rawClient(`http://127.0.0.1:${receiver.grpcPort}`)];
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const beyond = [rawClient(receiver.url), rawClient(`http://127.0.0.1:${receiver.grpcPort}`)];
      await Promise.all(beyond.map((client) => client.closed));
      expect(receiver.refusedConnections).toEqual({ http: 1, grpc: 1 });
      // Free the one HTTP slot for the scrape.
      held[0]!.socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const metrics = await scrape(receiver.url);
      expect(
        ['http', 'grpc'].map((transport) => sample(metrics, 'otel_bridge_connections_refused_total', { transport })),
      ).toEqual([1, 1]);
    } finally {
      for (const client of held) client.socket.destroy();
      await receiver.close();
      await store.close();
    }
  }, 30_000);
});

/** One POST of an empty traces request through `agent`, which keeps its connection open. */
function sendWith(agent: Agent, url: string): Promise<number> {
  const body = Buffer.from(EMPTY_TRACES);
  return new Promise((resolve, reject) => {
    const call = request(
      new URL('/v1/traces', url),
      { method: 'POST', agent, headers: { ...JSON_TYPE, 'Content-Length': String(body.length) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}
