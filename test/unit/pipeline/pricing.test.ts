import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { ConfigurationError } from '../../../src/errors';
import { NO_MODEL_NAME, PRICE_LIBRARY_SOURCE, SpanPricing, parsePriceOverrides } from '../../../src/pipeline/pricing';
import type { SpanRecord } from '../../../src/records/types';
import { findInvalidRecords } from '../../../src/records/validate';
import {
  MODEL_CALLS,
  VENDORS,
  decodedSpans,
  expectedCost,
  libraryPrices,
  modelCallAttributes,
} from '../../support/model-spans';
import { makeSpan } from '../../support/records';

const priced = (spans: SpanRecord[], pricing = new SpanPricing()): SpanRecord[] => {
  pricing.priceSpans(spans);
  return spans;
};
const costOf = (span: SpanRecord) => [span.inputCost, span.outputCost, span.totalCost, span.costSource];
const selfHosted = VENDORS.find((vendor) => vendor.libraryProvider === null)!;

describe('cost of a model span, from the price library', () => {
  const known = MODEL_CALLS.filter((call) => call.vendor.libraryProvider !== null);

  it.each(known.map((call) => [call.name, call] as const))('%s', (_name, call) => {
    const [span] = priced(decodedSpans([call]));
    const t = call.vendor.tokens;
    expect(span).toMatchObject({
      model: call.vendor.model,
      inputTokens: t.input,
      outputTokens: t.output,
      cachedInputTokens: t.cachedInput,
      cacheWriteTokens: t.cacheWrite || null,
      reasoningTokens: t.reasoning || null,
    });
    const prices = libraryPrices(call.vendor.model, call.vendor.libraryProvider!);
    const expected = expectedCost(prices, t);
    expect(expected.input).toBeGreaterThan(0);
    expect(expected.output).toBeGreaterThan(0);
    expect(span!.inputCost).toBeCloseTo(expected.input, 12);
    expect(span!.outputCost).toBeCloseTo(expected.output, 12);
    expect(span!.totalCost).toBeCloseTo(expected.input + expected.output, 12);
    expect(span!.costSource).toBe(PRICE_LIBRARY_SOURCE);
    expect(findInvalidRecords('spans', [span!])).toEqual([]);
  });

  it('prices cached tokens below fresh ones, so leaving them out would change the cost', () => {
    for (const vendor of VENDORS.filter((v) => v.libraryProvider !== null)) {
      const prices = libraryPrices(vendor.model, vendor.libraryProvider!);
      const asIfUncached = expectedCost(prices, { ...vendor.tokens, cachedInput: 0, cacheWrite: 0 });
      expect(expectedCost(prices, vendor.tokens).input).not.toBeCloseTo(asIfUncached.input, 9);
    }
  });

  it('names the library and its version as the source', () => {
    expect(PRICE_LIBRARY_SOURCE).toMatch(/^@pydantic\/genai-prices@\d+\.\d+\.\d+/);
  });

  it('adds cached tokens that a sender counted apart from the input, as Anthropic does', () => {
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-20250514',
      'gen_ai.usage.input_tokens': 50n,
      'gen_ai.usage.output_tokens': 10n,
      'gen_ai.usage.cache_read.input_tokens': 3000n,
    };
    const [span] = priced(decodedSpans([{ name: 'chat', attributes }]));
    const prices = libraryPrices('claude-sonnet-4-20250514', 'anthropic');
    const expected = expectedCost(prices, { input: 3050, output: 10, cachedInput: 3000, cacheWrite: 0, reasoning: 0 });
    expect(span!.inputCost).toBeCloseTo(expected.input, 12);
  });

  it('prices a span of a model named without its provider by the model alone', () => {
    const [span] = priced(
      decodedSpans([
        { name: 'chat', attributes: { 'llm.model_name': 'gpt-4o-mini', 'llm.token_count.prompt': 1000n } },
      ]),
    );
    expect(span!.inputCost).toBeCloseTo(
      1000 * (libraryPrices('gpt-4o-mini', 'openai').input_mtok as number) * 1e-6,
      12,
    );
    expect(span!.outputCost).toBe(0);
  });

  it('prices by the GenAI names of Bedrock, Vertex and Azure', () => {
    const spans = decodedSpans(
      [
        ['aws.bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0'],
        ['gcp.vertex_ai', 'gemini-2.0-flash-001'],
        ['azure.ai.openai', 'gpt-4o'],
        ['azure.ai.inference', 'gpt-4o'],
        ['x_ai', 'grok-3'],
      ].map(([provider, model]) => ({
        name: 'chat',
        attributes: {
          'gen_ai.provider.name': provider!,
          'gen_ai.request.model': model!,
          'gen_ai.usage.input_tokens': 100n,
          'gen_ai.usage.output_tokens': 10n,
        },
      })),
    );
    const pricing = new SpanPricing();
    priced(spans, pricing);
    expect(spans.map((span) => span.costSource)).toEqual(spans.map(() => PRICE_LIBRARY_SOURCE));
    expect(spans.every((span) => span.totalCost! > 0)).toBe(true);
    expect(pricing.stats).toMatchObject({ library: 5, unpriced: 0 });
  });

  it('leaves spans without tokens alone', () => {
    const pricing = new SpanPricing();
    const spans = priced([makeSpan(), makeSpan({ model: 'gpt-4o', provider: 'openai' })], pricing);
    expect(spans.map(costOf)).toEqual(spans.map(() => [null, null, null, null]));
    expect(pricing.stats).toEqual({ library: 0, override: 0, reported: 0, unpriced: 0, unpricedModels: {} });
  });

  it('counts a span with tokens but no model name as unpriced, under the reason', () => {
    const pricing = new SpanPricing();
    const spans = priced(
      [makeSpan({ inputTokens: 10, outputTokens: 2 }), makeSpan({ provider: 'openai', outputTokens: 3 })],
      pricing,
    );
    expect(spans.map(costOf)).toEqual(spans.map(() => [null, null, null, null]));
    expect(pricing.stats).toEqual({
      library: 0,
      override: 0,
      reported: 0,
      unpriced: 2,
      unpricedModels: { [NO_MODEL_NAME]: 1, [`openai/${NO_MODEL_NAME}`]: 1 },
    });
  });
});

describe("the library's own arithmetic", () => {
  /** What the library says a call costs, straight from it: the oracle for pricing's shortcut. */
  const fromLibrary = (span: SpanRecord, providerId: string) => {
    const usage: Record<string, number> = { input_tokens: span.inputTokens!, output_tokens: span.outputTokens! };
    if (span.cachedInputTokens) usage.cache_read_tokens = span.cachedInputTokens;
    if (span.cacheWriteTokens) usage.cache_write_tokens = span.cacheWriteTokens;
    if (span.reasoningTokens) usage.output_reasoning_tokens = span.reasoningTokens;
    const timestamp = new Date(Number(span.startTimeUnixNano / 1_000_000n));
    const result = calcPrice(usage, span.model!, { providerId, timestamp });
    return result && [result.input_price, result.output_price, result.total_price];
  };
  const close = (actual: (number | null)[], expected: number[]) =>
    actual.every((value, i) => Math.abs(value! - expected[i]!) <= 1e-9 * Math.max(expected[i]!, 1e-12));

  it('prices tiered models past their first tier, and prices that change with the time of day', () => {
    const HOUR = 3_600_000_000_000n;
    const midnight = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
    const spans = [
      makeSpan({ provider: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 1000, outputTokens: 100 }),
      makeSpan({ provider: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 250_000, outputTokens: 100 }),
      makeSpan({ provider: 'google', model: 'gemini-2.5-pro', inputTokens: 300_000, outputTokens: 2000 }),
      makeSpan({ provider: 'deepseek', model: 'deepseek-chat', inputTokens: 1000, outputTokens: 100 }),
      makeSpan({ provider: 'deepseek', model: 'deepseek-chat', inputTokens: 1000, outputTokens: 100 }),
    ];
    spans[3]!.startTimeUnixNano = midnight + 2n * HOUR;
    spans[4]!.startTimeUnixNano = midnight + 20n * HOUR;
    priced(spans);
    for (const span of spans)
      expect(close(costOf(span).slice(0, 3) as number[], fromLibrary(span, span.provider!)!)).toBe(true);
    // The tier and the hour matter: these pairs differ.
    expect(spans[1]!.inputCost! / 250).toBeGreaterThan(spans[0]!.inputCost!);
    expect(spans[3]!.totalCost).not.toBeCloseTo(spans[4]!.totalCost!, 9);
  });

  it('agrees with the library on every model of the main providers, for calls of every mix', () => {
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * below);
    };
    const spans: [SpanRecord, string][] = [];
    for (const providerId of ['openai', 'anthropic', 'google', 'mistral', 'aws', 'azure', 'deepseek', 'x-ai']) {
      for (const model of findProvider({ providerId })!.models) {
        const input = random(300_000);
        const output = random(20_000);
        const span = makeSpan({
          provider: providerId,
          model: model.id,
          inputTokens: input,
          outputTokens: output,
          cachedInputTokens: random(input / 2),
          cacheWriteTokens: random(input / 4),
          reasoningTokens: random(output / 2),
        });
        if (fromLibrary(span, providerId) !== null) spans.push([span, providerId]);
      }
    }
    expect(spans.length).toBeGreaterThan(200);
    priced(spans.map(([span]) => span));
    const disagree = spans.filter(
      ([span, providerId]) => !close(costOf(span).slice(0, 3) as number[], fromLibrary(span, providerId)!),
    );
    expect(disagree.map(([span]) => `${span.provider}/${span.model}`)).toEqual([]);
  });
});

describe('a model no table knows', () => {
  it.each(MODEL_CALLS.filter((call) => call.vendor === selfHosted).map((call) => [call.name, call] as const))(
    '%s gets a null cost, never zero, and is counted',
    (_name, call) => {
      const pricing = new SpanPricing();
      const [span] = priced(decodedSpans([call, call]), pricing);
      expect(costOf(span!)).toEqual([null, null, null, null]);
      const provider = call.vendor.provider[call.convention].split('.')[0];
      expect(pricing.stats).toEqual({
        library: 0,
        override: 0,
        reported: 0,
        unpriced: 2,
        unpricedModels: { [`${provider}/${call.vendor.model}`]: 2 },
      });
    },
  );

  it('keeps at most 100 unknown model names, and still counts every span', () => {
    const pricing = new SpanPricing();
    const spans = Array.from({ length: 150 }, (_, i) => makeSpan({ model: `mystery-${i}`, inputTokens: 5 }));
    priced(spans, pricing);
    expect(pricing.stats.unpriced).toBe(150);
    expect(Object.keys(pricing.stats.unpricedModels)).toHaveLength(100);
  });
});

describe('price overrides', () => {
  const call = (vendorName: string, convention: 'GenAI' | 'OpenInference' | 'AI SDK' = 'GenAI') =>
    MODEL_CALLS.find((c) => c.vendor.name === vendorName && c.convention === convention)!;

  it('price a self-hosted model, each token part at its own price', () => {
    const pricing = new SpanPricing([
      { model: selfHosted.model, input: 0.2, output: 0.6, cachedInput: 0.05, reasoning: 0.9 },
    ]);
    const [span] = priced(decodedSpans([call('self-hosted')]), pricing);
    const t = selfHosted.tokens;
    expect(span!.inputCost).toBeCloseTo(((t.input - t.cachedInput) * 0.2 + t.cachedInput * 0.05) / 1e6, 15);
    expect(span!.outputCost).toBeCloseTo((t.output * 0.6) / 1e6, 15);
    expect(span!.costSource).toBe('override');
    expect(pricing.stats).toMatchObject({ override: 1, unpriced: 0 });
  });

  it('win over the library', () => {
    const openai = call('OpenAI');
    const pricing = new SpanPricing([{ model: openai.vendor.model, input: 1, output: 2 }]);
    const [span] = priced(decodedSpans([openai]), pricing);
    expect(span!.inputCost).toBeCloseTo(openai.vendor.tokens.input / 1e6, 15);
    expect(span!.costSource).toBe('override');
  });

  it("price reasoning and cache writes at their own prices, or else at output's and input's", () => {
    const google = call('Google', 'AI SDK');
    const anthropic = call('Anthropic', 'OpenInference');
    const pricing = new SpanPricing([
      { model: google.vendor.model, input: 1, output: 2, reasoning: 5 },
      { model: anthropic.vendor.model, input: 1, output: 2, cacheWrite: 7 },
    ]);
    const [g, a] = priced(decodedSpans([google, anthropic]), pricing);
    const gt = google.vendor.tokens;
    expect(g!.outputCost).toBeCloseTo(((gt.output - gt.reasoning) * 2 + gt.reasoning * 5) / 1e6, 15);
    const at = anthropic.vendor.tokens;
    expect(a!.inputCost).toBeCloseTo(((at.input - at.cacheWrite) * 1 + at.cacheWrite * 7) / 1e6, 15);
    const plain = new SpanPricing([{ model: google.vendor.model, input: 1, output: 2 }]);
    const [p] = priced(decodedSpans([google]), plain);
    expect(p!.outputCost).toBeCloseTo((gt.output * 2) / 1e6, 15);
  });

  it('match by provider when one is given, exact names before prefixes, the longest prefix first', () => {
    const pricing = new SpanPricing([
      { model: 'llama*', input: 1, output: 1 },
      { model: 'llama-3*', input: 2, output: 2 },
      { model: 'llama-3*', provider: 'Ollama', input: 3, output: 3 },
      { model: 'llama-3-8b', input: 4, output: 4 },
      { model: 'llama-3-8b', provider: 'vllm', input: 5, output: 5 },
    ]);
    const spans = [
      ['ollama', 'llama-2'],
      ['other', 'llama-3-70b'],
      ['ollama', 'llama-3-70b'],
      [null, 'llama-3-8b'],
      ['vllm', 'llama-3-8b'],
      ['vllm', 'mistral-7b'],
    ].map(([provider, model]) => makeSpan({ provider, model, inputTokens: 1_000_000, outputTokens: 0 }));
    priced(spans, pricing);
    expect(spans.map((span) => span.inputCost)).toEqual([1, 2, 3, 4, 5, null]);
  });
});

describe('a reported cost', () => {
  it('wins over the library and over an override, and is marked reported', () => {
    const openai = MODEL_CALLS.find((c) => c.vendor.name === 'OpenAI' && c.convention === 'OpenInference')!;
    const reported = { ...openai, attributes: { ...openai.attributes, 'llm.cost.total': 0.0123 } };
    const pricing = new SpanPricing([{ model: openai.vendor.model, input: 1, output: 2 }]);
    const [span] = priced(decodedSpans([reported]), pricing);
    expect(costOf(span!)).toEqual([null, null, 0.0123, 'reported']);
    expect(pricing.stats).toMatchObject({ reported: 1, override: 0, library: 0 });
  });

  it('set on a record by its edge, without a source, is kept and marked reported', () => {
    const [span] = priced([makeSpan({ model: 'gpt-4o', provider: 'openai', inputTokens: 10, totalCost: 0.5 })]);
    expect(costOf(span!)).toEqual([null, null, 0.5, 'reported']);
  });
});

describe('parsePriceOverrides', () => {
  it('accepts prices and names every problem by entry and field', () => {
    expect(parsePriceOverrides([{ model: ' m ', provider: 'p', input: 0, output: 1.5, cachedInput: 0.1 }])).toEqual([
      { model: 'm', provider: 'p', input: 0, output: 1.5, cachedInput: 0.1 },
    ]);
    const problem = (value: unknown) => {
      try {
        parsePriceOverrides(value);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return (error as Error).message;
      }
      throw new Error('no error');
    };
    expect(problem({ model: 'm' })).toBe('prices must be a list of prices, got object');
    expect(problem(['m'])).toBe('prices[0] must be an object, got string');
    expect(problem([{ input: 1, output: 1 }])).toBe('prices[0].model must name a model, got undefined');
    expect(problem([{ model: '*', input: 1, output: 1 }])).toMatch(/prices\[0\]\.model must name a model/);
    expect(problem([{ model: 'm', input: 1 }])).toBe('prices[0].output is required (USD per million tokens)');
    expect(problem([{ model: 'm', input: 1, output: -2 }])).toBe(
      'prices[0].output must be a number >= 0 (USD per million tokens), got -2',
    );
    expect(problem([{ model: 'm', input: '1', output: 1 }])).toMatch(/prices\[0\]\.input must be a number >= 0/);
    expect(problem([{ model: 'm', input: 1, output: 1, cached: 1 }])).toMatch(
      /prices\[0\]\.cached is not a price field/,
    );
    expect(problem([{ model: 'm', provider: 7, input: 1, output: 1 }])).toMatch(/prices\[0\]\.provider must be/);
  });

  it('is checked when pricing is made, so a bad option fails at construction', () => {
    expect(() => new SpanPricing([{ model: 'm', input: Number.NaN, output: 1 }])).toThrow(ConfigurationError);
  });
});

describe('validation', () => {
  it('comes after pricing, which leaves records of the wrong shape alone instead of failing', () => {
    const pricing = new SpanPricing([{ model: 'm*', input: 1, output: 1 }]);
    const junk = [
      makeSpan({ model: 5 as never, inputTokens: 10 }),
      makeSpan({ model: 'm1', provider: {} as never, inputTokens: 10 }),
      { ...makeSpan({ model: 'm1', inputTokens: 10 }), startTimeUnixNano: 5 as never },
      makeSpan({ model: 'm1', inputTokens: -4, outputTokens: 'x' as never }),
    ];
    expect(() => pricing.priceSpans(junk)).not.toThrow();
    expect(junk.slice(0, 3).map(costOf)).toEqual(junk.slice(0, 3).map(() => [null, null, null, null]));
    expect(findInvalidRecords('spans', junk).map((issue) => issue.index)).toEqual([0, 1, 2, 3]);
  });

  it('refuses a cost that is negative or not a number, and token parts that are not counts, by field', () => {
    const issues = findInvalidRecords('spans', [
      makeSpan({ totalCost: -0.01 }),
      makeSpan({ inputCost: Number.NaN }),
      makeSpan({ outputCost: Number.POSITIVE_INFINITY }),
      makeSpan({ cachedInputTokens: 1.5 }),
      makeSpan({ reasoningTokens: -3 }),
      makeSpan({ costSource: 7 as never }),
      makeSpan({ totalCost: 0, inputCost: 0, outputCost: 0, costSource: 'override', cacheWriteTokens: 0 }),
    ]);
    expect(issues.map((issue) => [issue.index, issue.path])).toEqual([
      [0, '/totalCost'],
      [1, '/inputCost'],
      [2, '/outputCost'],
      [3, '/cachedInputTokens'],
      [4, '/reasoningTokens'],
      [5, '/costSource'],
    ]);
  });
});

describe('fixtures', () => {
  it('name the model and tokens the same way the mapping reads them, in every convention', () => {
    for (const vendor of VENDORS) {
      const spans = decodedSpans(
        (['GenAI', 'OpenInference', 'AI SDK'] as const).map((convention) => ({
          name: 'chat',
          attributes: modelCallAttributes(vendor, convention),
        })),
      );
      expect(new Set(spans.map((span) => span.model))).toEqual(new Set([vendor.model]));
      expect(spans.every((span) => span.spanType.startsWith('model_'))).toBe(true);
    }
  });
});
