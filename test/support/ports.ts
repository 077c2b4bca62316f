import { createServer } from 'node:net';

/**
 * A port that is free on loopback right now, for a child process that must be told its port (such
 * as `otel-bridge serve --grpc-port`, where 0 turns gRPC off).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
