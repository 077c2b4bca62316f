import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ApiHandler } from '../../api/handler';
import type { TlsFiles } from '../tls';
import type { OtlpHttpHandler } from './handler';

/** A listening OTLP/HTTP transport (with the HTTP API). */
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

/** Serves OTLP/HTTP and, on the same port, the HTTP API: the API answers its own paths, OTLP the rest. */
export async function startHttpTransport(
  handler: OtlpHttpHandler,
  api: ApiHandler,
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
    if (!api(request, response)) void handler.handle(request, response);
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
