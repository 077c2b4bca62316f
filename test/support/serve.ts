import type { ChildProcess } from 'node:child_process';

/** An `otel-bridge serve` child process, listening. */
export interface ServeProcess {
  child: ChildProcess;
  /** Its OTLP/HTTP address, from the `listening on` line it prints. */
  url: string;
  /** Settles when the process exits. */
  exited: Promise<void>;
}

/** Waits for a started `serve` child to print where it listens; rejects if it exits or takes longer than `timeoutMs`. */
export function untilListening(child: ChildProcess, timeoutMs: number): Promise<ServeProcess> {
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, exited });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    void exited.then(() => reject(new Error(`serve exited: ${output}`)));
  });
}
