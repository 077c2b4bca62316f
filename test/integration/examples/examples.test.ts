import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTypeScript } from '../../support/ts-node';

/**
 * Runs an example as its npm script does, but from the TypeScript source, in `cwd`, and resolves
 * with what it printed. A process of its own: the HTTP instrumentation patches Node's `http`, which
 * it cannot do inside jest's module registry, and an example may start processes like itself.
 */
function runExample(path: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnTypeScript(path, [], cwd);
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${path} exited ${code}:\n${text}`))));
  });
}

/** The span-name column of a printed trace tree, with its indentation. */
const treeNames = (printed: string): string[] =>
  printed
    .trim()
    .split('\n')
    .slice(3)
    .map((line) => /^( *\S+(?: \S+)?)/.exec(line)![1]!);

describe('examples', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'otel-bridge-examples-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('nodesdk-http: auto-instrumented HTTP into DuckDB in-process, printed as a tree', async () => {
    const printed = await runExample('examples/nodesdk-http.ts', directory);
    expect(printed).toMatch(/^trace [0-9a-f]{32}\n/);
    // Our span, the instrumented client call under it, and the server span under that.
    expect(treeNames(printed)).toEqual(['check order', '  GET', '    GET']);
    expect(existsSync(join(directory, 'nodesdk-http.duckdb'))).toBe(true);
  });

  it('two-services: two processes sending OTLP to otel-bridge serve, one trace across both', async () => {
    const printed = await runExample('examples/two-services/main.ts', directory);
    expect(printed).toMatch(/^trace [0-9a-f]{32} \(services: frontend, backend\)\n/);
    expect(treeNames(printed)).toEqual(['checkout', '  GET', '    GET']);
    expect(existsSync(join(directory, 'two-services.duckdb'))).toBe(true);
  });
});
