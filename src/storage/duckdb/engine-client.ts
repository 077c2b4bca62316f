import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EngineRequest } from './engine';
import type { EngineMessage, EngineReply } from './worker';

/**
 * Where the worker's code is. Built, it is `worker.js` beside this file; when the sources run
 * through a TypeScript loader (the tests), the worker loads `worker.ts` through ts-node.
 */
function workerSetup(): { file: string; execArgv?: string[]; env: NodeJS.ProcessEnv } {
  const extension = extname(__filename);
  const file = join(__dirname, `worker${extension}`);
  // Built, the worker inherits this process's flags (heap size, profiling).
  if (extension !== '.ts') return { file, env: process.env };
  return {
    file,
    execArgv: ['--require', require.resolve('ts-node/register/transpile-only')],
    env: {
      ...process.env,
      TS_NODE_PROJECT: join(__dirname, '..', '..', '..', 'tsconfig.json'),
      TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs', moduleResolution: 'node10' }),
    },
  };
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The one worker thread of this process that runs DuckDB, shared by every open store. It keeps the
 * process alive only while a request is pending, so that an app which forgets to close a store can
 * still exit, but never mid-write; it stops when the last store closes.
 */
class EngineHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private users = 0;

  constructor() {
    const { file, execArgv, env } = workerSetup();
    this.worker = new Worker(file, { ...(execArgv ? { execArgv } : {}), env });
    this.worker.unref();
    this.worker.on('message', (reply: EngineReply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the DuckDB worker exited with code ${code}`)));
  }

  call(engine: number, request: EngineRequest): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, engine, request } satisfies EngineMessage);
    });
  }

  join(): void {
    this.users++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Stops the worker a little after its last store leaves, so that a store reopened at once reuses it. */
  leave(): void {
    if (--this.users > 0) return;
    this.idleTimer = setTimeout(() => {
      if (host === this) host = null;
      this.failure ??= new Error('the DuckDB worker was stopped');
      // Asked to stop, the worker closes its port and ends on its own.
      this.worker.postMessage('stop');
    }, IDLE_STOP_MS);
    this.idleTimer.unref();
  }

  private settle(reply: EngineReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new Error(reply.message));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
    if (host === this) host = null;
  }
}

const IDLE_STOP_MS = 2000;
let host: EngineHost | null = null;
let nextEngine = 1;

/** One store's engine in the shared worker. */
export class EngineClient {
  private readonly host: EngineHost;
  private readonly engine = nextEngine++;
  private released = false;

  constructor() {
    host ??= new EngineHost();
    this.host = host;
    this.host.join();
  }

  call(request: EngineRequest): Promise<unknown> {
    return this.host.call(this.engine, request);
  }

  /** Gives this store's share of the worker back; the worker stops soon after its last store. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.host.leave();
  }
}
