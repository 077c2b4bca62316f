// Bundles the viewer (src/viewer/app) into one script and one stylesheet, with the libraries in
// them: the published package ships this bundle, not the libraries. `npm run build` runs it;
// `node src/viewer/build.mjs DIR` writes the bundle into DIR instead of dist/viewer.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT_DIR = join(here, '..', '..', 'dist', 'viewer');

/** Writes index.html, app-<hash>.js and app-<hash>.css into `outDir` (emptied first); resolves with their names. */
export async function buildViewer(outDir = DEFAULT_OUT_DIR) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(here, 'app', 'main.tsx') },
    outdir: outDir,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(here, 'app', 'tsconfig.json'),
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => name.endsWith('.js'));
  const style = outputs.find((name) => name.endsWith('.css'));
  if (!script || !style) throw new Error(`the viewer's bundle lacks a script or a stylesheet: ${outputs.join(', ')}`);
  const html = readFileSync(join(here, 'app', 'index.html'), 'utf8')
    .replace('%SCRIPT%', `assets/${script}`)
    .replace('%STYLE%', `assets/${style}`);
  writeFileSync(join(outDir, 'index.html'), html);
  return { script, style };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? DEFAULT_OUT_DIR;
  const { script, style } = await buildViewer(outDir);
  console.log(`viewer bundle: ${join(outDir, script)}, ${style}`);
}
