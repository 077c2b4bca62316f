import type { ClickHouseClient } from '@clickhouse/client';
import { DefaultExporter } from '../../../src/exporters/default-exporter';
import { PRICE_LIBRARY_SOURCE } from '../../../src/pipeline/pricing';
import { StorePipeline } from '../../../src/pipeline/store-pipeline';
import type { SpanRecord } from '../../../src/records/types';
import { ClickHouseStore } from '../../../src/storage/clickhouse/store';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import type { ObservabilityStore } from '../../../src/storage/types';
import { closeChdbClient, dropDatabase, openChdbClient, uniqueDatabase } from '../../support/clickhouse';
import { MODEL_CALLS, VENDORS, decodedSpans, expectedCost, libraryPrices } from '../../support/model-spans';
import { sdkSpans } from '../../support/telemetry';

const COST_FIELDS = ['inputCost', 'outputCost', 'totalCost', 'costSource'] as const;
const TOKEN_FIELDS = [
  'inputTokens',
  'outputTokens',
  'cachedInputTokens',
  'cacheWriteTokens',
  'reasoningTokens',
] as const;
const pick = (span: SpanRecord, fields: readonly (keyof SpanRecord)[]) =>
  Object.fromEntries(fields.map((field) => [field, span[field]]));

const selfHosted = VENDORS.find((vendor) => vendor.libraryProvider === null)!;

let chdb: ClickHouseClient | undefined;
afterAll(async () => {
  if (chdb) await closeChdbClient(chdb);
});

const stores: [string, () => Promise<{ store: ObservabilityStore; close: () => Promise<void> }>][] = [
  [
    'DuckDB',
    () => {
      const store = new DuckDBStore({ path: ':memory:' });
      return Promise.resolve({ store, close: () => store.close() });
    },
  ],
  [
    'ClickHouse (chdb)',
    async () => {
      chdb ??= await openChdbClient();
      const client = chdb;
      const database = uniqueDatabase('pricing');
      const store = new ClickHouseStore({ client, database });
      return {
        store,
        close: async () => {
          await store.close();
          await dropDatabase(client, database);
        },
      };
    },
  ],
];

describe.each(stores)('cost at ingest, on %s', (_name, open) => {
  it('is priced once in the pipeline, stored, and read back with its tokens, nulls staying null', async () => {
    const { store, close } = await open();
    try {
      const pipeline = new StorePipeline(store, {
        prices: [{ model: selfHosted.model, provider: 'vllm', input: 0.1, output: 0.3, cachedInput: 0.02 }],
      });
      const reported = MODEL_CALLS.find((call) => call.name === 'OpenInference Anthropic')!;
      const spans = decodedSpans([
        ...MODEL_CALLS,
        { name: 'reported', attributes: { ...reported.attributes, 'llm.cost.total': 0.042 } },
      ]);
      const outcome = await pipeline.submit('spans', spans);
      expect(outcome.rejected).toEqual([]);
      const stored = new Map((await store.getTrace(spans[0]!.traceId))!.spans.map((span) => [span.name, span]));
      expect(stored.size).toBe(spans.length);

      for (const call of MODEL_CALLS) {
        const span = stored.get(call.name)!;
        const submitted = spans.find((s) => s.name === call.name)!;
        expect(pick(span, [...TOKEN_FIELDS, ...COST_FIELDS])).toEqual(
          pick(submitted, [...TOKEN_FIELDS, ...COST_FIELDS]),
        );
        if (call.vendor.libraryProvider !== null) {
          const expected = expectedCost(
            libraryPrices(call.vendor.model, call.vendor.libraryProvider),
            call.vendor.tokens,
          );
          expect(span.totalCost).toBeCloseTo(expected.input + expected.output, 12);
          expect(span.costSource).toBe(PRICE_LIBRARY_SOURCE);
        } else if (call.convention === 'AI SDK') {
          // The override names vLLM, which only the AI SDK's provider name says.
          const t = call.vendor.tokens;
          expect(span.totalCost).toBeCloseTo(
            ((t.input - t.cachedInput) * 0.1 + t.cachedInput * 0.02 + t.output * 0.3) / 1e6,
            15,
          );
          expect(span.costSource).toBe('override');
        } else {
          expect(pick(span, COST_FIELDS)).toEqual({
            inputCost: null,
            outputCost: null,
            totalCost: null,
            costSource: null,
          });
        }
      }
      expect(pick(stored.get('reported')!, COST_FIELDS)).toEqual({
        inputCost: null,
        outputCost: null,
        totalCost: 0.042,
        costSource: 'reported',
      });
      expect(pipeline.pricing.stats).toEqual({
        library: 9,
        override: 1,
        reported: 1,
        unpriced: 2,
        unpricedModels: { [`openai/${selfHosted.model}`]: 2 },
      });

      // The trace's list row sums the cost of its spans (every span here is a root of the same trace).
      const listed = await store.listTraces({ filter: { traceId: spans[0]!.traceId }, perPage: 50 });
      expect(listed.traces).toHaveLength(1);
      const counted = [...stored.values()].filter((span) => !span.usageIncludesChildren && span.totalCost !== null);
      expect(listed.traces[0]!.trace.cost).toBeCloseTo(
        counted.reduce((sum, span) => sum + span.totalCost!, 0),
        12,
      );
      await pipeline.shutdown();
    } finally {
      await close();
    }
  });
});

describe('DefaultExporter', () => {
  it('prices SDK spans with the prices it was given', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const exporter = new DefaultExporter({
      storage: store,
      prices: [{ model: 'acme-finetune-*', input: 2, output: 8 }],
    });
    try {
      const spans = sdkSpans(1, {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'acme-finetune-v3',
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.output_tokens': 100,
      });
      const result = await new Promise<{ code: number }>((resolve) => exporter.spanExporter.export(spans, resolve));
      expect(result.code).toBe(0);
      const [span] = (await store.getTrace(spans[0]!.spanContext().traceId))!.spans;
      expect(span).toMatchObject({ model: 'acme-finetune-v3', costSource: 'override' });
      expect(span!.inputCost).toBeCloseTo(0.002, 15);
      expect(span!.outputCost).toBeCloseTo(0.0008, 15);
      expect(exporter.pricingStats).toMatchObject({ override: 1, unpriced: 0 });
    } finally {
      await exporter.shutdown();
      await store.close();
    }
  });
});
