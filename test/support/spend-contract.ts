import { spanFromMastra } from '../../src/mapping/mastra/spans';
import { SpanPricing } from '../../src/pipeline/pricing';
import type { SpanRecord } from '../../src/records/types';
import { InvalidQueryError } from '../../src/storage/errors';
import type { ObservabilityStore, SpendQuery, SpendSeries } from '../../src/storage/types';
import { AGENT_START, agentRun } from './mastra-events';
import { decodedSpans, expectedCost, libraryPrices, type Tokens } from './model-spans';
import { BASE_TIME, makeSpan, traceId } from './records';

const HOUR = 3_600_000_000_000n;
/** The hour bucket of the test spans, and the next one. */
const FIRST_HOUR = (BASE_TIME / HOUR) * HOUR;
const SECOND_HOUR = FIRST_HOUR + HOUR;
const RANGE = { from: FIRST_HOUR, to: FIRST_HOUR + 2n * HOUR };

interface Call {
  model: string;
  provider: string;
  /** The library's provider id, to read its price; null for a model it does not know. */
  libraryProvider: string | null;
  user: string;
  /** Cut across users, so that grouping by each differs. */
  session: string;
  agent: string;
  hour: 0 | 1;
  tokens: Tokens;
}

const tokens = (input: number, output: number, cachedInput = 0): Tokens => ({
  input,
  output,
  cachedInput,
  cacheWrite: 0,
  reasoning: 0,
});

const OPENAI = { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', libraryProvider: 'openai' };
const ANTHROPIC = { model: 'claude-sonnet-4-20250514', provider: 'anthropic', libraryProvider: 'anthropic' };
const SELF_HOSTED = { model: 'meta-llama/Llama-3.1-8B-Instruct', provider: 'vllm', libraryProvider: null };

const CALLS: Call[] = [
  { ...OPENAI, user: 'ann', session: 's1', agent: 'planner', hour: 0, tokens: tokens(1200, 300, 400) },
  { ...OPENAI, user: 'bob', session: 's1', agent: 'writer', hour: 0, tokens: tokens(800, 100) },
  { ...OPENAI, user: 'ann', session: 's2', agent: 'writer', hour: 1, tokens: tokens(5000, 700, 1000) },
  { ...ANTHROPIC, user: 'bob', session: 's3', agent: 'planner', hour: 0, tokens: tokens(2000, 500) },
  { ...ANTHROPIC, user: 'ann', session: 's3', agent: 'planner', hour: 1, tokens: tokens(300, 80) },
  { ...SELF_HOSTED, user: 'bob', session: 's2', agent: 'writer', hour: 1, tokens: tokens(900, 200) },
  { ...SELF_HOSTED, user: 'bob', session: 's1', agent: 'planner', hour: 1, tokens: tokens(100, 20) },
];

/** A model span of a call, priced as the pipeline prices it. */
function modelSpan(call: Call, overrides: Partial<SpanRecord> = {}): SpanRecord {
  const start = BASE_TIME + BigInt(call.hour) * HOUR;
  return makeSpan({
    name: `chat ${call.model}`,
    kind: 'client',
    spanType: 'model_generation',
    serviceName: 'agent-api',
    userId: call.user,
    sessionId: call.session,
    entityName: call.agent,
    model: call.model,
    provider: call.provider,
    inputTokens: call.tokens.input,
    outputTokens: call.tokens.output,
    totalTokens: call.tokens.input + call.tokens.output,
    cachedInputTokens: call.tokens.cachedInput || null,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 1_000_000n,
    durationNano: 1_000_000n,
    ...overrides,
  });
}

function priced(spans: SpanRecord[]): SpanRecord[] {
  new SpanPricing().priceSpans(spans);
  return spans;
}

/** What the calls cost by the library's own prices, worked out here: null for an unknown model. */
function costOf(call: Call): { input: number; output: number } | null {
  return call.libraryProvider === null
    ? null
    : expectedCost(libraryPrices(call.model, call.libraryProvider), call.tokens);
}

interface Expected {
  calls: number;
  unpricedCalls: number;
  inputCost: number | null;
  outputCost: number | null;
  totalCost: number | null;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** The expected point of each (group, hour), summed from the calls in the test. */
function expectedPoints(group: (call: Call) => string): Map<string, Expected> {
  const points = new Map<string, Expected>();
  for (const call of CALLS) {
    const key = `${group(call)}@${call.hour}`;
    const point = points.get(key) ?? {
      calls: 0,
      unpricedCalls: 0,
      inputCost: null,
      outputCost: null,
      totalCost: null,
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
    };
    const cost = costOf(call);
    point.calls++;
    if (cost === null) point.unpricedCalls++;
    else {
      point.inputCost = (point.inputCost ?? 0) + cost.input;
      point.outputCost = (point.outputCost ?? 0) + cost.output;
      point.totalCost = (point.totalCost ?? 0) + cost.input + cost.output;
    }
    point.inputTokens += call.tokens.input;
    point.outputTokens += call.tokens.output;
    point.totalTokens += call.tokens.input + call.tokens.output;
    points.set(key, point);
  }
  return points;
}

/** Compares every point of every series with what the calls give, costs to the cent's billionth. */
function expectSeries(series: SpendSeries[], group: (call: Call) => string): void {
  const expected = expectedPoints(group);
  const got = new Map<string, SpendSeries['points'][number]>();
  for (const entry of series) {
    for (const point of entry.points) {
      const hour = point.timeUnixNano === FIRST_HOUR ? 0 : point.timeUnixNano === SECOND_HOUR ? 1 : -1;
      got.set(`${entry.group}@${hour}`, point);
    }
  }
  expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, want] of expected) {
    const point = got.get(key)!;
    expect({ key, calls: point.calls, unpriced: point.unpricedCalls }).toEqual({
      key,
      calls: want.calls,
      unpriced: want.unpricedCalls,
    });
    expect([point.inputTokens, point.outputTokens, point.totalTokens]).toEqual([
      want.inputTokens,
      want.outputTokens,
      want.totalTokens,
    ]);
    for (const field of ['inputCost', 'outputCost', 'totalCost'] as const) {
      if (want[field] === null) expect(point[field]).toBeNull();
      else expect(point[field]).toBeCloseTo(want[field], 12);
    }
  }
}

/**
 * The spend aggregate's contract (`aggregateSpend`), as tests every store runs unchanged: each test
 * gets a fresh, initialised store from `open`.
 */
export function describeSpendContract(
  name: string,
  open: () => Promise<ObservabilityStore>,
  close: (store: ObservabilityStore) => Promise<void>,
): void {
  describe(`${name}: spend aggregate`, () => {
    let store: ObservabilityStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await close(store);
    });

    /** The calls, each in its own trace under an HTTP root that has no tokens and counts for nothing. */
    async function storeCalls(): Promise<SpanRecord[]> {
      const spans = CALLS.flatMap((call) => {
        const root = makeSpan({ serviceName: 'agent-api', startTimeUnixNano: BASE_TIME + BigInt(call.hour) * HOUR });
        return [root, modelSpan(call, { traceId: root.traceId, parentSpanId: root.spanId })];
      });
      await store.batchCreateSpans({ spans: priced(spans) });
      return spans;
    }

    const query = (extra: Partial<SpendQuery> = {}): SpendQuery => ({
      bucketSizeNano: HOUR,
      filter: RANGE,
      ...extra,
    });

    it('sums cost and tokens per hour and model as the library prices them; unknown models counted, not summed', async () => {
      await storeCalls();
      const result = await store.aggregateSpend(query({ groupBy: 'model' }));
      expect(result.groupBy).toBe('model');
      expectSeries(result.series, (call) => call.model);
      // The most expensive model first, the one without a price last.
      const totals = result.series.map((entry) => [
        entry.group,
        entry.points.reduce((sum, point) => sum + (point.totalCost ?? 0), 0),
      ]);
      expect(totals.at(-1)).toEqual([SELF_HOSTED.model, 0]);
      expect(result.series.at(-1)!.points.map((point) => point.totalCost)).toEqual([null]);
      expect(totals[0]![1]).toBeGreaterThan(totals[1]![1] as number);
      expect(result.calls).toBe(CALLS.length);
      expect(result.unpricedCalls).toBe(2);
      const known = CALLS.map(costOf).filter((cost) => cost !== null);
      expect(result.totalCost).toBeCloseTo(
        known.reduce((sum, cost) => sum + cost.input + cost.output, 0),
        12,
      );
    });

    it('groups by user, session, agent, provider and service, and without a group gives one series', async () => {
      await storeCalls();
      expectSeries((await store.aggregateSpend(query({ groupBy: 'user' }))).series, (call) => call.user);
      expectSeries((await store.aggregateSpend(query({ groupBy: 'session' }))).series, (call) => call.session);
      expectSeries((await store.aggregateSpend(query({ groupBy: 'agent' }))).series, (call) => call.agent);
      expectSeries((await store.aggregateSpend(query({ groupBy: 'provider' }))).series, (call) => call.provider);
      expectSeries((await store.aggregateSpend(query({ groupBy: 'service' }))).series, () => 'agent-api');
      const all = await store.aggregateSpend(query());
      expect(all.groupBy).toBeNull();
      expectSeries(all.series, () => 'null');
    });

    it('filters on the calls: range (end exclusive), service, model, provider and context fields', async () => {
      await storeCalls();
      const firstHour = await store.aggregateSpend(query({ filter: { from: FIRST_HOUR, to: SECOND_HOUR } }));
      expect(firstHour.calls).toBe(CALLS.filter((call) => call.hour === 0).length);
      const bob = await store.aggregateSpend(query({ filter: { ...RANGE, userId: 'bob', provider: 'vllm' } }));
      expect([bob.calls, bob.unpricedCalls, bob.totalCost]).toEqual([2, 2, null]);
      const mini = await store.aggregateSpend(query({ filter: { ...RANGE, model: OPENAI.model } }));
      expect(mini.calls).toBe(3);
      const elsewhere = await store.aggregateSpend(query({ filter: { ...RANGE, serviceName: 'checkout' } }));
      expect(elsewhere).toEqual({ groupBy: null, series: [], calls: 0, unpricedCalls: 0, totalCost: null });
    });

    it('counts a span stored more than once (started then ended, a retried batch) once, as its finished copy', async () => {
      const call = CALLS[0]!;
      const finished = priced([modelSpan(call, { origin: 'mastra' })])[0]!;
      const running: SpanRecord = {
        ...finished,
        running: true,
        endTimeUnixNano: finished.startTimeUnixNano,
        durationNano: 0n,
        inputTokens: null,
        outputTokens: null,
        totalTokens: 7,
        inputCost: null,
        outputCost: null,
        totalCost: null,
        costSource: null,
      };
      await store.batchCreateSpans({ spans: [running] });
      await store.batchCreateSpans({ spans: [finished] });
      await store.batchCreateSpans({ spans: [finished] });
      const result = await store.aggregateSpend(query());
      expect([result.calls, result.unpricedCalls, result.series[0]!.points[0]!.totalTokens]).toEqual([
        1,
        0,
        finished.totalTokens,
      ]);
      expect(result.totalCost).toBeCloseTo(finished.totalCost!, 15);
    });

    it("counts a model call once under an AI SDK generateText span that repeats its steps' usage", async () => {
      const steps = [tokens(700, 90, 200), tokens(1500, 240)];
      const usage = (t: Tokens) => ({
        'ai.model.provider': 'openai.chat',
        'ai.model.id': OPENAI.model,
        'ai.usage.inputTokens': BigInt(t.input),
        'ai.usage.outputTokens': BigInt(t.output),
        'ai.usage.inputTokenDetails.cacheReadTokens': BigInt(t.cachedInput),
      });
      const spans = decodedSpans([
        {
          name: 'ai.generateText',
          attributes: { 'ai.operationId': 'ai.generateText', ...usage(tokens(2200, 330, 200)) },
        },
        ...steps.map((t) => ({
          name: 'ai.generateText.doGenerate',
          attributes: { 'ai.operationId': 'ai.generateText.doGenerate', ...usage(t) },
        })),
      ]);
      expect(spans.map((span) => span.usageIncludesChildren)).toEqual([true, false, false]);
      await store.batchCreateSpans({ spans: priced(spans) });
      const result = await store.aggregateSpend(query());
      const point = result.series[0]!.points[0]!;
      expect([point.calls, point.unpricedCalls, point.totalTokens]).toEqual([2, 0, 700 + 90 + 1500 + 240]);
      const prices = libraryPrices(OPENAI.model, 'openai');
      const expected = steps
        .map((t) => expectedCost(prices, t))
        .reduce((sum, cost) => sum + cost.input + cost.output, 0);
      expect(point.totalCost).toBeCloseTo(expected, 12);
    });

    it('counts a Mastra model inference, not the generation and step that repeat its usage', async () => {
      const run = agentRun();
      const spans = [run.agent, run.generation, run.step, run.inference].map((span) =>
        spanFromMastra(span, { serviceName: 'weather-app', running: false }),
      );
      expect(spans.map((span) => [span.spanType, span.usageIncludesChildren])).toEqual([
        ['agent_run', false],
        ['model_generation', true],
        ['model_step', true],
        ['model_inference', false],
      ]);
      await store.batchCreateSpans({ spans: priced(spans) });
      const start = BigInt(AGENT_START.getTime()) * 1_000_000n;
      const result = await store.aggregateSpend({ bucketSizeNano: HOUR, filter: { from: start, to: start + HOUR } });
      const cost = expectedCost(libraryPrices('gpt-4o-mini', 'openai'), tokens(60, 10));
      expect([result.calls, result.unpricedCalls, result.series[0]!.points[0]!.totalTokens]).toEqual([1, 0, 70]);
      expect(result.totalCost).toBeCloseTo(cost.input + cost.output, 12);
    });

    it('counts a reported cost without tokens as a priced call', async () => {
      const span = makeSpan({ model: 'house-model', totalCost: 0.25, costSource: 'reported', traceId: traceId() });
      await store.batchCreateSpans({ spans: [span] });
      const result = await store.aggregateSpend(query({ groupBy: 'model' }));
      expect(result.series).toEqual([
        {
          group: 'house-model',
          points: [
            {
              timeUnixNano: FIRST_HOUR,
              calls: 1,
              unpricedCalls: 0,
              inputCost: null,
              outputCost: null,
              totalCost: 0.25,
              inputTokens: null,
              outputTokens: null,
              totalTokens: null,
            },
          ],
        },
      ]);
    });

    it('refuses a query without a bounded range, with too many buckets, or with an unknown group', async () => {
      const refused = (bad: unknown) =>
        expect(store.aggregateSpend(bad as SpendQuery)).rejects.toThrow(InvalidQueryError);
      await refused({ bucketSizeNano: HOUR, filter: { from: FIRST_HOUR } });
      await refused({ bucketSizeNano: HOUR, filter: { from: SECOND_HOUR, to: FIRST_HOUR } });
      await refused({ bucketSizeNano: 0n, filter: RANGE });
      await refused({ bucketSizeNano: 1_000_000n, filter: RANGE });
      await refused({ bucketSizeNano: HOUR, filter: RANGE, groupBy: 'colour' });
      await refused({ bucketSizeNano: HOUR, filter: { ...RANGE, traceId: 'nope' } });
      await expect(store.aggregateSpend({ bucketSizeNano: 1_000_000n, filter: RANGE })).rejects.toThrow(
        /at most 10000: take wider buckets/,
      );
    });
  });
}
