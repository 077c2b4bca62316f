import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsFiles } from '../tls';

/** Answers a request whose path is its own and returns `true`; returns `false`, touching nothing, otherwise. */
export type PathHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/** A listening HTTP transport: OTLP/HTTP, the HTTP API and the viewer. */
export interface HttpTransport {
  /** `http://host:port`, or `https://` with TLS. */
  readonly url: string;
  readonly port: number;
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
  const server: Server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, listener) : createServer(listener);
  const address = await listen(server, port, host);
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? 'https' : 'http'}://${shown}:${address.port}`,
    port: address.port,
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
