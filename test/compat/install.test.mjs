// `npm install otel-bridge` beside OpenTelemetry JS 3.x, as a user does it: the packed package,
// into an empty project that has the 3.x SDK, with peer dependencies checked strictly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tarball = process.env.OTEL_BRIDGE_TARBALL;
const compat = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).dependencies;

test('the packed package installs beside the OpenTelemetry JS 3.x SDK with no peer-dependency error', () => {
  assert.ok(tarball, 'OTEL_BRIDGE_TARBALL names the packed package (run.sh sets it)');
  const project = mkdtempSync(join(tmpdir(), 'otel-bridge-install-'));
  const sdk = [
    '@opentelemetry/api',
    '@opentelemetry/sdk-trace',
    '@opentelemetry/sdk-logs',
    '@opentelemetry/sdk-metrics',
    '@opentelemetry/sdk-node',
  ];
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'app',
      private: true,
      dependencies: Object.fromEntries(sdk.map((name) => [name, compat[name]])),
    }),
  );
  // npm runs on the machine's own Node; --strict-peer-deps turns any peer conflict into a failure.
  const output = execFileSync(
    'npm',
    ['install', '--strict-peer-deps', '--prefer-offline', '--no-audit', '--no-fund', tarball],
    {
      cwd: project,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  assert.doesNotMatch(output, /ERESOLVE|peer dep/i);
  const installed = JSON.parse(readFileSync(join(project, 'node_modules/otel-bridge/package.json'), 'utf8'));
  assert.equal(installed.name, 'otel-bridge');
  const tree = JSON.parse(execFileSync('npm', ['ls', '--all', '--json'], { cwd: project, encoding: 'utf8' }));
  assert.equal(tree.problems, undefined, `npm ls found problems: ${JSON.stringify(tree.problems)}`);
  assert.equal(tree.dependencies['@opentelemetry/sdk-trace'].version, compat['@opentelemetry/sdk-trace']);
});
