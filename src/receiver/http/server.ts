import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OtlpHttpHandler } from './handler';

/** A listening OTLP/HTTP transport. */
export interface HttpTransport {
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

export async function startHttpTransport(handler: OtlpHttpHandler, host: string, port: number): Promise<HttpTransport> {
  let active = 0;
  let idle: (() => void) | null = null;
  const server = createServer((request, response) => {
    active++;
    response.on('close', () => {
      active--;
      if (active === 0) idle?.();
    });
    void handler.handle(request, response);
  });
  const address = await listen(server, port, host);
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
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
