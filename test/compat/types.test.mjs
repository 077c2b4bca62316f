// Our published types on the 3.x line: the SDK's objects and exporter interfaces, and Mastra's
// ObservabilityExporter, accept what otel-bridge gives them, checked by TypeScript against the
// installed packages' own declarations (the main suite checks the 2.x line the same way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const compat = fileURLToPath(new URL('.', import.meta.url));
const tsc = join(compat, '../../node_modules/typescript/bin/tsc');

const CHECK = `
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ObservabilityExporter } from '@mastra/core/observability';
import { DefaultExporter, logFromSdk, metricsFromSdk, spanFromSdk } from 'otel-bridge';

const exporter = new DefaultExporter();
export const spans: SpanExporter = exporter.spanExporter;
export const logs: LogRecordExporter = exporter.logRecordExporter;
export const metrics: PushMetricExporter = exporter.metricExporter;
export const mastra: ObservabilityExporter = exporter.mastra;
export const mapped = (span: ReadableSpan, log: ReadableLogRecord, collection: ResourceMetrics) => [
  spanFromSdk(span),
  logFromSdk(log),
  metricsFromSdk(collection),
];
`;

test("otel-bridge's types fit the OpenTelemetry JS 3.x SDK and Mastra's ObservabilityExporter", () => {
  // Inside this folder, so that the check resolves the packages installed here.
  const folder = mkdtempSync(join(compat, '.types-'));
  try {
    writeFileSync(join(folder, 'check.ts'), CHECK);
    writeFileSync(
      join(folder, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    let output = '';
    try {
      output = execFileSync(process.execPath, [tsc, '-p', folder], { encoding: 'utf8' });
    } catch (error) {
      assert.fail(`TypeScript refused the check:\n${error.stdout}${error.stderr}`);
    }
    assert.equal(output.trim(), '');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
