import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsFiles } from '../tls';

/**
 * How long an HTTP client may take, and how many may be connected at once. The timeouts follow the
 * Collector's confighttp server defaults: `ReadHeaderTimeout` 1 min and `IdleTimeout` 1 min. Its
 * `ReadTimeout` is none, but its `WriteTimeout` (30 s from the end of the headers) ends a request
 * still arriving then; Node's request timeout counts from the request's first byte, hence 60 + 30 s.
 */
export const HTTP_LIMITS = {
  /** A request whose headers have not all arrived this long after its first byte gets 408 and loses its connection. */
  headerTimeoutMs: 60_000,
  /** A request (headers and body) not received this long after its first byte gets 408 and loses its connection. */
  requestTimeoutMs: 90_000,
  /** A keep-alive connection without a request for this long is closed. */
  idleTimeoutMs: 60_000,
  /** Connections open at once; one more is closed as soon as it is accepted, and counted. */
  maxConnections: 1024,
} as const;

/** The HTTP transport's timeouts and connection cap, each in {@link HTTP_LIMITS} by default. */
export type HttpLimits = { -readonly [K in keyof typeof HTTP_LIMITS]: number };

/**
 * Node checks the header and request timeouts on a timer (every 30 s by default); each second keeps them exact to it.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Answers a request whose path is its own and returns `true`; returns `false`, touching nothing, otherwise. */
export type PathHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/** A listening HTTP transport: OTLP/HTTP, the HTTP API and the viewer. */
export interface HttpTransport {
  /** `http://host:port`, or `https://` with TLS. */
  readonly url: string;
  readonly port: number;
  /** Connections closed on arrival because {@link HttpLimits.maxConnections} were open. */
  readonly refusedConnections: number;
  /** Stops taking connections and resolves once every request in flight is answered (or cut off after `timeoutMs`). */
  drain(timeoutMs: number): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Serves HTTP on one port: each of `handlers` (the HTTP API, the viewer) answers its own paths,
 * `fallback` (OTLP/HTTP) the rest.
 */
export async function startHttpTransport(
  handlers: readonly PathHandler[],
  fallback: (request: IncomingMessage, response: ServerResponse) => void,
  host: string,
  port: number,
  tls: TlsFiles | null,
  limits: HttpLimits = HTTP_LIMITS,
): Promise<HttpTransport> {
  let active = 0;
  let idle: (() => void) | null = null;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    active++;
    response.on('close', () => {
      active--;
      if (active === 0) idle?.();
    });
    if (!handlers.some((handler) => handler(request, response))) fallback(request, response);
  };
  const timeouts = {
    headersTimeout: limits.headerTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, limits.headerTimeoutMs),
  };
  const server: Server = tls
    ? createTlsServer({ ...timeouts, cert: tls.cert, key: tls.key }, listener)
    : createServer(timeouts, listener);
  server.maxConnections = limits.maxConnections;
  let refusedConnections = 0;
  server.on('drop', () => refusedConnections++);
  const address = await listen(server, port, host);
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? 'https' : 'http'}://${shown}:${address.port}`,
    port: address.port,
    get refusedConnections() {
      return refusedConnections;
    },
    async drain(timeoutMs) {
      server.close();
      server.closeIdleConnections();
      if (active === 0) return;
      const drained = new Promise<void>((resolve) => (idle = resolve));
      const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
      await drained;
      clearTimeout(timer);
    },
  };
}
