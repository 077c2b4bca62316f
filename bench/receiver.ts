import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { Client, credentials, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import { freePort } from '../test/support/ports';
import { peakRssMb, percentile } from './measure';

/** A running `otel-bridge serve`, started as its own process, exactly as users start it. */
export interface Server {
  url: string;
  /** `host:port` of OTLP/gRPC. */
  grpcAddress: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startServer(args: string[]): Promise<Server> {
  const main = join(__dirname, '..', 'src', 'cli', 'main.js');
  // `--grpc-port 0` turns gRPC off, and 4317 may be taken.
  const grpcPort = String(await freePort());
  const child: ChildProcess = spawn(
    process.execPath,
    [main, 'serve', '--port', '0', '--grpc-port', grpcPort, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [url, grpcAddress] = await new Promise<[string, string]>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+) .* and (\S+) \(OTLP\/gRPC\)/.exec(output);
      if (match) resolve([match[1]!, match[2]!]);
    });
    child.on('exit', (code) => reject(new Error(`otel-bridge serve exited with ${code}: ${output}`)));
  });
  return {
    url,
    grpcAddress,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** What one export got: stored, refused for now (with the delay the server asked for), or a failure. */
type Answer = { outcome: 'stored' } | { outcome: 'refused'; retryAfterMs: number };

/** Sends one traces export; one per simulated client, so that each has its own connections. */
interface Sender {
  send(body: Buffer): Promise<Answer>;
  close(): void;
}

/** OTLP/HTTP with a keep-alive agent, as the OpenTelemetry JS exporters send. */
function httpSender(url: string, contentType: string): Sender {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  return {
    send: (body) =>
      new Promise((resolve, reject) => {
        const req = request(
          `${url}/v1/traces`,
          { method: 'POST', agent, headers: { 'Content-Type': contentType, 'Content-Length': body.length } },
          (response) => {
            response.resume();
            response.on('end', () => {
              const status = response.statusCode ?? 0;
              if (status === 200) return resolve({ outcome: 'stored' });
              if (status !== 429 && status !== 503) return reject(new Error(`receiver answered ${status}`));
              resolve({ outcome: 'refused', retryAfterMs: Number(response.headers['retry-after'] ?? 0) * 1000 });
            });
          },
        );
        // A server that refuses a request before reading it closes the connection, which can cut the upload.
        req.on('error', (error: NodeJS.ErrnoException) =>
          error.code === 'EPIPE' || error.code === 'ECONNRESET'
            ? resolve({ outcome: 'refused', retryAfterMs: 100 })
            : reject(error),
        );
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

const TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const identity = (bytes: Buffer): Buffer => bytes;

/** OTLP/gRPC on a channel of its own, as each OpenTelemetry gRPC exporter has one. */
function grpcSender(address: string): Sender {
  const client = new Client(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  return {
    send: (body) =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest(TRACE_EXPORT, identity, identity, body, new Metadata(), (error) => {
          if (!error) return resolve({ outcome: 'stored' });
          if (error.code !== grpcStatus.RESOURCE_EXHAUSTED && error.code !== grpcStatus.UNAVAILABLE)
            return reject(error);
          resolve({ outcome: 'refused', retryAfterMs: Number(error.metadata.get('grpc-retry-pushback-ms')[0] ?? 0) });
        });
      }),
    close: () => client.close(),
  };
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
 * Drives the receiver with `clients` concurrent senders over OTLP/HTTP (in `contentType`) or, with
 * `transport: 'grpc'`, OTLP/gRPC, each sending the next body as soon as the previous one is answered (closed loop), or,
 * with `spansPerSecond`, at a fixed rate whatever the answers (open loop, for latency under a known
 * load). A 429 or 503 (RESOURCE_EXHAUSTED or UNAVAILABLE) is retried after the delay it names (at
 * most 100 ms here, to keep pressure on), as the OTLP exporters do.
 */
export interface DriveOptions {
  contentType: string;
  transport?: 'http' | 'grpc';
  clients: number;
  seconds: number;
  spansPerSecond?: number;
}

export async function drive(
  server: Server,
  bodies: Buffer[],
  spansPerBody: number,
  options: DriveOptions,
): Promise<LoadResult> {
  const senders = Array.from({ length: options.clients }, () =>
    options.transport === 'grpc' ? grpcSender(server.grpcAddress) : httpSender(server.url, options.contentType),
  );
  let turn = 0;
  const latencies: number[] = [];
  let acked = 0;
  let refused = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + options.seconds * 1000;

  const send = async (sender = senders[turn++ % senders.length]!): Promise<void> => {
    const body = bodies[next++ % bodies.length]!;
    while (performance.now() < deadline + 30_000) {
      const sent = performance.now();
      const answer = await sender.send(body);
      if (answer.outcome === 'stored') {
        latencies.push(performance.now() - sent);
        acked += spansPerBody;
        return;
      }
      refused++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, answer.retryAfterMs)));
    }
    throw new Error('the receiver kept refusing for 30 s past the end of the run');
  };

  if (options.spansPerSecond === undefined) {
    await Promise.all(
      senders.map(async (sender) => {
        while (performance.now() < deadline) await send(sender);
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
  for (const sender of senders) sender.close();
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
