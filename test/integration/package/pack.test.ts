import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
/** Building, packing and installing take a while on a loaded machine; nothing here is timed. */
const SLOW = 10 * 60_000;

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe('the published package', () => {
  let directory: string;
  let packed: PackResult;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'otel-bridge-pack-'));
    // `npm pack` builds first (the prepare script), as `npm publish` does.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', directory], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    packed = (JSON.parse(stdout.slice(stdout.indexOf('['))) as [PackResult])[0];
  }, SLOW);

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("holds only the library, the CLI, the viewer's bundle and the Collector config", () => {
    const paths = packed.files.map((file) => file.path);
    const misplaced = paths.filter(
      (path) =>
        !['package.json', 'README.md', 'otel-collector-config.yaml'].includes(path) &&
        !/^dist\/src\/.+\.(js|d\.ts)$/.test(path) &&
        !/^dist\/viewer\/(index\.html|app-[\w-]+\.(js|css))$/.test(path),
    );
    expect(misplaced).toEqual([]);
    // The viewer's bundle, one page, one script and one stylesheet, with its libraries inside it.
    expect(
      paths
        .filter((path) => path.startsWith('dist/viewer/'))
        .map((path) => path.replace(/-[\w-]+\./, '-*.'))
        .sort(),
    ).toEqual(['dist/viewer/app-*.css', 'dist/viewer/app-*.js', 'dist/viewer/index.html']);
    expect(paths).toEqual(
      expect.arrayContaining([
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/cli/main.js',
        // DuckDB runs in a worker thread that loads this file at run time.
        'dist/src/storage/duckdb/worker.js',
        'otel-collector-config.yaml',
      ]),
    );
  });

  it(
    'installs into an empty folder, where otel-bridge --help runs and the library loads',
    async () => {
      const project = mkdtempSync(join(directory, 'project-'));
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pack-check', private: true }));
      // The dependencies come from the npm cache when they are there: this machine may be offline.
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(directory, packed.filename)], {
        cwd: project,
      });
      const help = await run(join(project, 'node_modules', '.bin', 'otel-bridge'), ['--help'], { cwd: project });
      expect(help.stdout).toMatch(/^usage: otel-bridge <command>/);
      expect(help.stdout).toMatch(/--store .*duckdb \(default\)/);
      const loaded = await run(
        process.execPath,
        ['-e', "const o = require('otel-bridge'); console.log(Object.keys(o).sort().join(' '))"],
        { cwd: project },
      );
      expect(loaded.stdout.trim().split(' ')).toEqual(
        expect.arrayContaining([
          'ClickHouseStore',
          'DefaultExporter',
          'DuckDBStore',
          'MemoryStore',
          'startReceiver',
          'startViewer',
        ]),
      );
      // The installed package serves its own viewer: the libraries are in the bundle, not dependencies.
      const installed = JSON.parse(
        readFileSync(join(project, 'node_modules', 'otel-bridge', 'package.json'), 'utf8'),
      ) as { dependencies: Record<string, string> };
      const libraries = ['preact', 'uplot', '@tanstack/virtual-core'];
      expect(Object.keys(installed.dependencies).filter((name) => libraries.includes(name))).toEqual([]);
      const page = await run(
        process.execPath,
        [
          '-e',
          "require('otel-bridge').startViewer({ store: new (require('otel-bridge').MemoryStore)(), port: 0 }).then(async (v) => { const r = await fetch(v.url); console.log(r.status, (await r.text()).includes('assets/app-')); await v.close(); })",
        ],
        { cwd: project },
      );
      expect(page.stdout.trim()).toBe('200 true');
    },
    SLOW,
  );
});
