import { parentPort } from 'node:worker_threads';
import { DuckDBEngine, type EngineRequest } from './engine';

/**
 * The worker thread that runs DuckDB engines, one per open store: one request in, one reply out,
 * matched by id.
 */

export interface EngineMessage {
  id: number;
  engine: number;
  request: EngineRequest;
}

export type EngineReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

const port = parentPort;
if (!port) throw new Error('the DuckDB worker must run in a worker thread');
const engines = new Map<number, DuckDBEngine>();

function engineFor(id: number, request: EngineRequest): DuckDBEngine {
  let engine = engines.get(id);
  if (!engine) {
    engine = new DuckDBEngine();
    engines.set(id, engine);
  }
  if (request.op === 'close') engines.delete(id);
  return engine;
}

port.on('message', (message: EngineMessage | 'stop') => {
  if (message === 'stop') {
    port.close();
    return;
  }
  const { id, engine, request } = message;
  engineFor(engine, request)
    .handle(request)
    .then(
      (value) => port.postMessage({ id, ok: true, value } satisfies EngineReply),
      (error: unknown) =>
        port.postMessage({
          id,
          ok: false,
          message: error instanceof Error ? error.message : String(error),
        } satisfies EngineReply),
    );
});
