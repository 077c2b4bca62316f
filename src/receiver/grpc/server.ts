import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { Duplex } from 'node:stream';
import {
  Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { ConfigurationError } from '../../errors';
import type { OtlpSignal } from '../../mapping/otlp';
import { GRPC_CODE, type IngestError } from '../errors';
import type { IngestCore } from '../ingest';
import { exportResponse, statusBytes } from '../responses';
import type { TlsFiles } from '../tls';

/** The OTLP export services, by their full gRPC names; each has one unary method, `Export`. */
const SERVICES: Record<OtlpSignal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
};

/**
 * Limits that keep a slow, idle or greedy client from holding the server's connections, streams
 * and memory. Concurrent calls beyond `maxConcurrentStreams` wait in the client, as HTTP/2 says.
 */
export const GRPC_LIMITS = {
  /** Calls at once on one connection; what they buffer counts against the memory budget as it arrives. */
  maxConcurrentStreams: 16,
  /** A call whose message has not fully arrived this long after its headers is ended with DEADLINE_EXCEEDED. */
  messageTimeoutMs: 60_000,
  /** A connection without calls for this long is closed (with GOAWAY: clients reconnect when they need to). */
  maxConnectionIdleMs: 5 * 60_000,
  /** The server pings a connection after this long, and drops it if the ping is not answered in time. */
  keepaliveTimeMs: 2 * 60_000,
  keepaliveTimeoutMs: 20_000,
  /**
   * Connections open at once; one more is closed as soon as it is accepted, and counted. grpc-js has
   * no such cap, so a plain TCP server accepts the connections and hands them to grpc-js.
   */
  maxConnections: 1024,
} as const;

/** The gRPC transport's limits, each a number as in {@link GRPC_LIMITS}. */
export type GrpcLimits = { -readonly [K in keyof typeof GRPC_LIMITS]: number };

export interface GrpcTransportSettings {
  core: IngestCore;
  /** Largest message, after decompression (grpc-js checks it as it inflates). */
  maxMessageBytes: number;
  host: string;
  port: number;
  tls: TlsFiles | null;
  limits: GrpcLimits;
  /** Told of every call's status as it is answered (or `CANCELLED`), for `/metrics`. */
  onAnswered: (method: string, code: number) => void;
}

/** A listening OTLP/gRPC transport. */
export interface GrpcTransport {
  /** `host:port`, as gRPC clients are given it. */
  readonly address: string;
  readonly port: number;
  /** Connections closed on arrival because {@link GrpcLimits.maxConnections} were open. */
  readonly refusedConnections: number;
  /** Stops taking calls and resolves once every call in flight is answered (or cut off after `timeoutMs`). */
  drain(timeoutMs: number): Promise<void>;
}

const passThrough = (bytes: Buffer): Buffer => bytes;

/** The trailers and status of a refusal: the code, and with a retry delay a `RetryInfo` (and gRPC's own pushback). */
function statusOf(error: IngestError): { code: number; details: string; metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', statusBytes(error.grpcCode, error.message, error.retryAfterSeconds));
  if (error.retryAfterSeconds !== null)
    metadata.set('grpc-retry-pushback-ms', String(Math.round(error.retryAfterSeconds * 1000)));
  return { code: error.grpcCode, details: error.message, metadata };
}

function authorization(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The HTTP/2 stream under a call. grpc-js buffers a message before any public hook sees it, so the
 * memory budget counts the stream's bytes as they arrive, as the HTTP transport counts a body's;
 * grpc-js (pinned) keeps the stream on the call it hands the first interceptor.
 */
function streamOf(call: ServerInterceptingCallInterface): Duplex {
  const stream = (call as unknown as { stream?: unknown }).stream;
  if (!(stream instanceof Duplex))
    throw new Error('this grpc-js version does not expose the call stream that the memory budget counts');
  return stream;
}

/**
 * Runs around every call. When its headers arrive, before its message is read: checks the token
 * and admission. While it arrives: holds its bytes (and an inflated message) in the memory budget
 * until the call is answered, and refuses it once they do not fit. Ends a call whose message
 * does not arrive in time, or whose stream ends before a whole message.
 */
function admission(
  core: IngestCore,
  messageTimeoutMs: number,
  onAnswered: GrpcTransportSettings['onAnswered'],
): ServerInterceptor {
  const signals = new Map(Object.entries(SERVICES).map(([signal, name]) => [`/${name}/Export`, signal as OtlpSignal]));
  return (method, call) => {
    const signal = signals.get(method.path);
    const stream = streamOf(call);
    const held = core.hold();
    let answered = false;
    let received = false;
    let timer: NodeJS.Timeout | null = null;
    const settle = (code: number) => {
      if (!answered) onAnswered(signal ? method.path : 'other', code);
      answered = true;
      if (timer !== null) clearTimeout(timer);
      held.release();
    };
    /**
     * Answers the call ourselves; its stream stays paused, so the client's further bytes wait in HTTP/2 flow control.
     */
    const refuse = (status: { code: number; details: string; metadata?: Metadata }) => {
      if (answered) return;
      settle(status.code);
      stream.pause();
      call.sendStatus(status);
    };
    stream.on('data', (chunk: Buffer) => {
      if (answered) return;
      try {
        held.take(chunk.length);
      } catch (error) {
        refuse(statusOf(core.refusal(error)));
      }
    });
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            try {
              core.authenticate(authorization(metadata));
              if (signal) core.admit(signal);
            } catch (error) {
              return refuse(statusOf(core.refusal(error)));
            }
            timer = setTimeout(
              () =>
                refuse({
                  code: GRPC_CODE.DEADLINE_EXCEEDED,
                  details: `the request message did not arrive within ${messageTimeoutMs} ms`,
                }),
              messageTimeoutMs,
            );
            proceed(metadata);
          },
          onReceiveMessage: (message: Buffer, proceed) => {
            received = true;
            if (timer !== null) clearTimeout(timer);
            try {
              // An inflated message is held beside the compressed frames it came in; an uncompressed
              // one is those frames.
              if (message.length > held.bytes) held.take(message.length);
            } catch (error) {
              return refuse(statusOf(core.refusal(error)));
            }
            proceed(message);
          },
          onReceiveHalfClose: (proceed) => {
            if (received) return proceed();
            refuse({
              code: GRPC_CODE.INVALID_ARGUMENT,
              details: 'the request stream ended before a whole message arrived',
            });
          },
          onCancel: () => settle(GRPC_CODE.CANCELLED),
        }),
      sendStatus: (status, proceed) => {
        settle(status.code);
        proceed(status);
      },
    });
  };
}

function listen(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new ConfigurationError(`cannot listen for OTLP/gRPC on ${host}:${port}: ${error.message}`)),
    );
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Serves `TraceService/Export`, `LogsService/Export` and `MetricsService/Export` over the ingest core.
 * Messages go through grpc-js as raw bytes, in and out: our own protobuf decoder reads them.
 */
export async function startGrpcTransport(settings: GrpcTransportSettings): Promise<GrpcTransport> {
  const { core, limits } = settings;
  const server = new Server({
    'grpc.max_receive_message_length': settings.maxMessageBytes,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    'grpc.max_connection_idle_ms': limits.maxConnectionIdleMs,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
    interceptors: [admission(core, limits.messageTimeoutMs, settings.onAnswered)],
  });
  for (const [signal, name] of Object.entries(SERVICES) as [OtlpSignal, string][]) {
    const definition: ServiceDefinition = {
      Export: {
        path: `/${name}/Export`,
        requestStream: false,
        responseStream: false,
        requestSerialize: passThrough,
        requestDeserialize: passThrough,
        responseSerialize: passThrough,
        responseDeserialize: passThrough,
        originalName: 'export',
      },
    };
    server.addService(definition, {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        // The interceptor admitted the call at its headers, and holds its bytes in the memory budget until it is
        // answered.
        core
          .ingestAdmitted(signal, 'protobuf', () => Promise.resolve(call.request))
          .then(
            (outcome) => callback(null, exportResponse(signal, 'protobuf', outcome.rejected, outcome.errorMessage)),
            (error: unknown) => callback(statusOf(core.refusal(error))),
          );
      },
    });
  }
  const credentials = settings.tls
    ? ServerCredentials.createSsl(null, [{ cert_chain: settings.tls.cert, private_key: settings.tls.key }], false)
    : ServerCredentials.createInsecure();
  // grpc-js serves (with TLS, when set) each connection the capped TCP server accepts.
  const injector = server.createConnectionInjector(credentials);
  const connections = createServer((socket) => injector.injectConnection(socket));
  connections.maxConnections = limits.maxConnections;
  let refusedConnections = 0;
  connections.on('drop', () => refusedConnections++);
  const port = await listen(connections, settings.host, settings.port).catch((error: unknown) => {
    server.forceShutdown();
    throw error;
  });
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    address: `${host}:${port}`,
    port,
    get refusedConnections() {
      return refusedConnections;
    },
    drain: (timeoutMs) =>
      new Promise<void>((resolve) => {
        connections.close();
        const timer = setTimeout(() => server.forceShutdown(), timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
