import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

/**
 * The bindings free a query result's native chunks (a vector of 2,048 values per column however few
 * the rows: about 1 MiB for a trace's spans) only once V8 collects the objects that hold them, and do
 * not tell V8 of that memory. Between reads the worker allocates little, so nothing was collected:
 * 137 `getTrace` reads grew a `serve` process by 146 MiB. A young-generation collection after each
 * query's reply frees them; it scavenges only what is young, mostly that result.
 */
setFlagsFromString('--expose-gc');
const collectYoung = runInNewContext('gc') as (options: { type: 'minor' }) => void;

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
    )
    .finally(() => {
      if (request.op === 'query') collectYoung({ type: 'minor' });
    });
});
