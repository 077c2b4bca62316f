import { calcPrice, type ModelPrice } from '@pydantic/genai-prices';
import { decodeTraces } from '../../src/mapping/otlp';
import type { SpanRecord } from '../../src/records/types';
import { BASE_TIME, spanId, traceId } from './records';

/**
 * Model calls as the three conventions report them, for four kinds of model: OpenAI, Anthropic,
 * Google, and a self-hosted model behind an OpenAI-compatible server (vLLM). Each reports cached
 * input tokens; Anthropic also cache writes, Google also reasoning tokens.
 */

export type Convention = 'GenAI' | 'OpenInference' | 'AI SDK';
export const CONVENTIONS: readonly Convention[] = ['GenAI', 'OpenInference', 'AI SDK'];

export interface Tokens {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
  reasoning: number;
}

export interface Vendor {
  name: string;
  model: string;
  /** How each convention names the provider. */
  provider: Record<Convention, string>;
  /** The library's provider id, to read its price in a test; null for the self-hosted model. */
  libraryProvider: string | null;
  tokens: Tokens;
}

const tokens = (parts: Partial<Tokens>): Tokens => ({
  input: 1200,
  output: 300,
  cachedInput: 400,
  cacheWrite: 0,
  reasoning: 0,
  ...parts,
});

export const VENDORS: readonly Vendor[] = [
  {
    name: 'OpenAI',
    model: 'gpt-4o-mini-2024-07-18',
    provider: { GenAI: 'openai', OpenInference: 'openai', 'AI SDK': 'openai.chat' },
    libraryProvider: 'openai',
    tokens: tokens({}),
  },
  {
    name: 'Anthropic',
    model: 'claude-sonnet-4-20250514',
    provider: { GenAI: 'anthropic', OpenInference: 'anthropic', 'AI SDK': 'anthropic.messages' },
    libraryProvider: 'anthropic',
    tokens: tokens({ cacheWrite: 100 }),
  },
  {
    name: 'Google',
    model: 'gemini-2.5-flash',
    provider: { GenAI: 'gcp.gemini', OpenInference: 'google', 'AI SDK': 'google.generative-ai' },
    libraryProvider: 'google',
    tokens: tokens({ reasoning: 120 }),
  },
  {
    // OpenAI's instrumentations name the provider `openai` whatever server answers.
    name: 'self-hosted',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    provider: { GenAI: 'openai', OpenInference: 'openai', 'AI SDK': 'vllm.chat' },
    libraryProvider: null,
    tokens: tokens({}),
  },
];

type Attributes = Record<string, string | bigint | number>;

/** The attributes of one model call, in the words of `convention`. */
export function modelCallAttributes(vendor: Vendor, convention: Convention): Attributes {
  const { model, tokens: t } = vendor;
  const provider = vendor.provider[convention];
  const optional = (entries: [string, number][]): Attributes =>
    Object.fromEntries(entries.filter(([, count]) => count > 0).map(([key, count]) => [key, BigInt(count)]));
  switch (convention) {
    case 'GenAI':
      return {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': provider,
        'gen_ai.request.model': model,
        'gen_ai.response.model': model,
        'gen_ai.usage.input_tokens': BigInt(t.input),
        'gen_ai.usage.output_tokens': BigInt(t.output),
        ...optional([
          ['gen_ai.usage.cache_read.input_tokens', t.cachedInput],
          ['gen_ai.usage.cache_creation.input_tokens', t.cacheWrite],
          ['gen_ai.usage.reasoning.output_tokens', t.reasoning],
        ]),
      };
    case 'OpenInference':
      return {
        'openinference.span.kind': 'LLM',
        'llm.provider': provider,
        'llm.model_name': model,
        'llm.token_count.prompt': BigInt(t.input),
        'llm.token_count.completion': BigInt(t.output),
        'llm.token_count.total': BigInt(t.input + t.output),
        ...optional([
          ['llm.token_count.prompt_details.cache_read', t.cachedInput],
          ['llm.token_count.prompt_details.cache_write', t.cacheWrite],
          ['llm.token_count.completion_details.reasoning', t.reasoning],
        ]),
      };
    case 'AI SDK':
      return {
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.model.provider': provider,
        'ai.model.id': model,
        'ai.response.model': model,
        'ai.usage.inputTokens': BigInt(t.input),
        'ai.usage.outputTokens': BigInt(t.output),
        ...optional([
          ['ai.usage.inputTokenDetails.cacheReadTokens', t.cachedInput],
          ['ai.usage.inputTokenDetails.cacheWriteTokens', t.cacheWrite],
          ['ai.usage.outputTokenDetails.reasoningTokens', t.reasoning],
        ]),
      };
  }
}

function otlpValue(value: string | bigint | number): Record<string, unknown> {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'bigint') return { intValue: String(value) };
  return { doubleValue: value };
}

/** An OTLP/JSON trace request of one span per entry, each with the given attributes. */
export function otlpJsonRequest(spans: { name: string; attributes: Attributes }[]): Buffer {
  const id = traceId();
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pricing-test' } }] },
          scopeSpans: [
            {
              scope: { name: 'pricing-test' },
              spans: spans.map((span, index) => ({
                traceId: id,
                spanId: spanId(),
                name: span.name,
                kind: 3,
                startTimeUnixNano: String(BASE_TIME + BigInt(index) * 1000n),
                endTimeUnixNano: String(BASE_TIME + BigInt(index) * 1000n + 500n),
                attributes: Object.entries(span.attributes).map(([key, value]) => ({ key, value: otlpValue(value) })),
              })),
            },
          ],
        },
      ],
    }),
  );
}

/** Span records decoded from OTLP/JSON, as the receiver makes them. */
export function decodedSpans(spans: { name: string; attributes: Attributes }[]): SpanRecord[] {
  const result = decodeTraces(otlpJsonRequest(spans), 'json');
  if (result.rejected > 0) throw new Error(result.errorMessage);
  return result.records;
}

/** Every vendor through every convention, one span each. */
export const MODEL_CALLS = VENDORS.flatMap((vendor) =>
  CONVENTIONS.map((convention) => ({
    vendor,
    convention,
    name: `${convention} ${vendor.name}`,
    attributes: modelCallAttributes(vendor, convention),
  })),
);

/** The library's prices for a model, as of the test spans' time. */
export function libraryPrices(model: string, provider: string): ModelPrice {
  const found = calcPrice({}, model, { providerId: provider, timestamp: new Date(Number(BASE_TIME / 1_000_000n)) });
  if (found === null) throw new Error(`the price library does not know ${provider}/${model}`);
  return found.model_price;
}

/** USD per token of one price, or of its fallback when the model has none of its own. */
function perToken(prices: ModelPrice, key: string, fallback: string): number {
  const price = prices[key] ?? prices[fallback];
  if (price === undefined) throw new Error(`no ${key} or ${fallback} price`);
  // Tiered prices start higher only above 200k tokens; these calls are far below.
  return (typeof price === 'number' ? price : price.base) / 1_000_000;
}

/** Tokens × prices: each part of the input and output at its own price. */
export function expectedCost(prices: ModelPrice, t: Tokens): { input: number; output: number } {
  return {
    input:
      (t.input - t.cachedInput - t.cacheWrite) * perToken(prices, 'input_mtok', 'input_mtok') +
      t.cachedInput * perToken(prices, 'cache_read_mtok', 'input_mtok') +
      t.cacheWrite * perToken(prices, 'cache_write_mtok', 'input_mtok'),
    output:
      (t.output - t.reasoning) * perToken(prices, 'output_mtok', 'output_mtok') +
      t.reasoning * perToken(prices, 'output_reasoning_mtok', 'output_mtok'),
  };
}
