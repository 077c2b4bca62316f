// Bench: a Mastra agent's spans written through otel-bridge's Mastra exporter into its DuckDB
// store, beside Mastra's own DefaultExporter writing the same events into @mastra/duckdb, in one
// run on Node 22. The events are those of a real agent run (a tool call, a mock model), recorded
// once and replayed as many runs with fresh ids, so that both exporters get exactly the same input
// and the agent's own work is not measured. Both stores write every span twice (started, then
// ended: both are event-sourced); a third row shows ours writing each span once (insert-only).
//
// Run: npm run bench:mastra (from the repository; it sets the compat stage up first), or
// `node bench-mastra.mjs [runs]` with this folder's Node 22.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mastra } from '@mastra/core/mastra';
import { Agent } from '@mastra/core/agent';
import { createTool } from '@mastra/core/tools';
import { Observability, DefaultExporter as MastraDefaultExporter } from '@mastra/observability';
import { DuckDBStore as MastraDuckDBStore } from '@mastra/duckdb';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import { DefaultExporter, DuckDBStore } from 'otel-bridge';

const RUNS = Number(process.argv[2] ?? 2000);

/** Records the tracing events of one agent run, as Mastra hands them to exporters. */
async function recordRun() {
  const events = [];
  const recorder = {
    name: 'recorder',
    onTracingEvent: (event) => events.push(structuredClone(event)),
    exportTracingEvent: async () => undefined,
    flush: async () => undefined,
    shutdown: async () => undefined,
  };
  const usage = (input, output) => ({
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  });
  const prompt = `Plan a three-day trip to Kyoto. ${'Context: '.padEnd(1000, 'x')}`;
  const model = new MockLanguageModelV3({
    doGenerate: [
      {
        content: [
          { type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: JSON.stringify({ city: 'Kyoto' }) },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage: usage(300, 20),
        warnings: [],
      },
      {
        content: [{ type: 'text', text: `Day 1: temples. ${'Details. '.padEnd(1000, 'y')}` }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: usage(400, 250),
        warnings: [],
      },
    ],
  });
  const lookup = createTool({
    id: 'lookup',
    description: 'Looks a city up',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, sights: ['Kinkaku-ji', 'Fushimi Inari'] }),
  });
  const mastra = new Mastra({
    agents: {
      planner: new Agent({ id: 'planner', name: 'Planner', instructions: 'Plan trips.', model, tools: { lookup } }),
    },
    observability: new Observability({ configs: { default: { serviceName: 'bench', exporters: [recorder] } } }),
    logger: false,
  });
  await mastra.getAgent('planner').generate(prompt);
  await mastra.shutdown();
  return events;
}

/** `runs` copies of one run's events, each with its own trace and span ids. */
function replicate(events, runs) {
  const copies = [];
  for (let run = 0; run < runs; run++) {
    const ids = new Map();
    const fresh = (id, bytes) => {
      if (id === undefined) return undefined;
      if (!ids.has(id)) ids.set(id, randomBytes(bytes).toString('hex'));
      return ids.get(id);
    };
    for (const event of events) {
      const span = event.exportedSpan;
      copies.push({
        type: event.type,
        exportedSpan: {
          ...span,
          traceId: fresh(span.traceId, 16),
          id: fresh(span.id, 8),
          parentSpanId: fresh(span.parentSpanId, 8),
        },
      });
    }
  }
  return copies;
}

async function measure(name, events, spans, open) {
  const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-bench-mastra-'));
  const { exporter, close } = await open(join(directory, 'store.duckdb'));
  const started = performance.now();
  // Awaited as Mastra's observability bus awaits each exporter's handler.
  for (const event of events) await exporter.onTracingEvent(event);
  await exporter.flush();
  const seconds = (performance.now() - started) / 1000;
  await close();
  rmSync(directory, { recursive: true, force: true });
  const rate = spans / seconds;
  console.log(`${name.padEnd(46)} ${spans} spans in ${seconds.toFixed(2)} s: ${Math.round(rate)} spans/s`);
  return rate;
}

const recorded = await recordRun();
const spansPerRun = new Set(recorded.map((event) => event.exportedSpan.id)).size;
const events = replicate(recorded, RUNS);
const spans = spansPerRun * RUNS;
console.log(`Node ${process.version}; ${RUNS} agent runs of ${spansPerRun} spans (${recorded.length} events each)`);

/** otel-bridge's Mastra exporter over its DuckDB store, with the given tracing strategy. */
const otelBridgeOn = (strategy) => async (path) => {
  const storage = new DuckDBStore({ path });
  await storage.init();
  const otelBridge = new DefaultExporter({ storage, mastraTracingStrategy: strategy });
  otelBridge.mastra.init({ config: { serviceName: 'bench' } });
  return {
    exporter: otelBridge.mastra,
    close: async () => {
      await otelBridge.shutdown();
      await storage.close();
    },
  };
};

const ours = await measure('otel-bridge Mastra exporter -> DuckDBStore', events, spans, otelBridgeOn('event-sourced'));
await measure('  the same, insert-only (one row per span)', events, spans, otelBridgeOn('insert-only'));
const theirs = await measure("Mastra's DefaultExporter -> @mastra/duckdb", events, spans, async (path) => {
  const storage = new MastraDuckDBStore({ path });
  const mastra = new Mastra({ storage, logger: false });
  const exporter = new MastraDefaultExporter();
  await exporter.init({ mastra, config: { serviceName: 'bench' } });
  return {
    exporter,
    close: async () => {
      await exporter.shutdown();
      await storage.close();
    },
  };
});
console.log(`ratio (otel-bridge / Mastra): ${(ours / theirs).toFixed(1)}x`);
