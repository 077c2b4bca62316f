import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { peakRssMb, percentile } from './measure';

/** A running `otel-bridge serve`, started as its own process, exactly as users start it. */
export interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startServer(args: string[]): Promise<Server> {
  const main = join(__dirname, '..', 'src', 'cli', 'main.js');
  const child: ChildProcess = spawn(process.execPath, [main, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`otel-bridge serve exited with ${code}: ${output}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Post {
  status: number;
  retryAfterMs: number;
}

function post(agent: Agent, url: string, body: Buffer, contentType: string): Promise<Post> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/traces`,
      { method: 'POST', agent, headers: { 'Content-Type': contentType, 'Content-Length': body.length } },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfterMs: Number(response.headers['retry-after'] ?? 0) * 1000,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface LoadResult {
  acked: number;
  refused: number;
  seconds: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  serverPeakRssMb: number;
}

/**
 * Drives the receiver with `clients` concurrent senders, each posting the next body as soon as the
 * previous one is answered (closed loop), or, with `spansPerSecond`, at a fixed rate whatever the
 * answers (open loop, for latency under a known load). A 429 or 503 is retried after its
 * Retry-After (at most 100 ms here, to keep pressure on), as the OTLP exporters do.
 */
export async function drive(
  server: Server,
  bodies: Buffer[],
  spansPerBody: number,
  options: { contentType: string; clients: number; seconds: number; spansPerSecond?: number },
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients * 2 });
  const latencies: number[] = [];
  let acked = 0;
  let refused = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + options.seconds * 1000;

  const send = async (): Promise<void> => {
    const body = bodies[next++ % bodies.length]!;
    while (performance.now() < deadline + 30_000) {
      const sent = performance.now();
      // A server that refuses a request before reading it closes the connection, which can cut the upload.
      const answer = await post(agent, server.url, body, options.contentType).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE' || error.code === 'ECONNRESET') return { status: 503, retryAfterMs: 100 };
        throw error;
      });
      if (answer.status === 200) {
        latencies.push(performance.now() - sent);
        acked += spansPerBody;
        return;
      }
      if (answer.status !== 429 && answer.status !== 503) throw new Error(`receiver answered ${answer.status}`);
      refused++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, answer.retryAfterMs)));
    }
    throw new Error('the receiver kept refusing for 30 s past the end of the run');
  };

  if (options.spansPerSecond === undefined) {
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        while (performance.now() < deadline) await send();
      }),
    );
  } else {
    const interval = (spansPerBody / options.spansPerSecond) * 1000;
    const inFlight: Promise<void>[] = [];
    for (let at = start; at < deadline; at += interval) {
      const wait = at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(send());
    }
    await Promise.all(inFlight);
  }
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return {
    acked,
    refused,
    seconds,
    rate: acked / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    serverPeakRssMb: peakRssMb(server.pid),
  };
}
