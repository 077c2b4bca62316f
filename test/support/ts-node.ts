import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs a TypeScript file of the repository (`path` from its root) as its own Node process, through ts-node. */
export function spawnTypeScript(path: string, args: string[], cwd: string): ChildProcessWithoutNullStreams {
  return spawn(
    process.execPath,
    ['--require', require.resolve('ts-node/register/transpile-only'), join(ROOT, path), ...args],
    {
      cwd,
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs', moduleResolution: 'node10' }),
      },
    },
  );
}
