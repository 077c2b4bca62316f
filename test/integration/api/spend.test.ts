import { SPEND_PARAMS } from '../../../src/api/params';
import { SpendSchema } from '../../../src/api/schemas';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import type { SpendQuery, SpendResult } from '../../../src/storage/types';
import { apiGet, errorOf } from '../../support/api';
import { send } from '../../support/http';
import { MODEL_CALLS, otlpJsonRequest } from '../../support/model-spans';
import { BASE_TIME } from '../../support/records';

const HOUR = 3_600_000_000_000n;
const FROM = (BASE_TIME / HOUR) * HOUR;
const TO = FROM + HOUR;

/** Costs to 12 significant digits: a sum of doubles may differ in its last bit from one run to the next. */
function rounded(result: SpendResult): SpendResult {
  const round = (cost: number | null) => (cost === null ? null : Number(cost.toPrecision(12)));
  return {
    ...result,
    totalCost: round(result.totalCost),
    series: result.series.map((series) => ({
      ...series,
      points: series.points.map((point) => ({
        ...point,
        inputCost: round(point.inputCost),
        outputCost: round(point.outputCost),
        totalCost: round(point.totalCost),
      })),
    })),
  };
}

describe('GET /api/v1/spend', () => {
  let store: DuckDBStore;
  let receiver: ReceiverHandle;
  const get = (query: string) => apiGet(receiver.url, `/api/v1/spend?${query}`, SpendSchema);

  beforeAll(async () => {
    store = new DuckDBStore({ path: ':memory:' });
    receiver = await startReceiver({ store, port: 0 });
    // Every vendor through every convention, over OTLP/JSON: the pipeline prices them as it stores them.
    const sent = await send(receiver.url, {
      method: 'POST',
      path: '/v1/traces',
      headers: { 'Content-Type': 'application/json' },
      body: otlpJsonRequest(MODEL_CALLS.map(({ name, attributes }) => ({ name, attributes }))),
    });
    expect(sent.status).toBe(200);
  });

  afterAll(async () => {
    await receiver.close();
    await store.close();
  });

  it('answers what aggregateSpend gives, with its bucket, group and filters from the query', async () => {
    const cases: [string, SpendQuery][] = [
      [`from=${FROM}&to=${TO}&bucket=1h`, { bucketSizeNano: HOUR, filter: { from: FROM, to: TO } }],
      [
        `from=${FROM}&to=${TO}&bucket=5m&groupBy=model`,
        { bucketSizeNano: 300_000_000_000n, groupBy: 'model', filter: { from: FROM, to: TO } },
      ],
      [
        `from=${FROM}&to=${TO}&bucket=1h&groupBy=provider&service=pricing-test&model=gemini-2.5-flash`,
        {
          bucketSizeNano: HOUR,
          groupBy: 'provider',
          filter: { from: FROM, to: TO, serviceName: 'pricing-test', model: 'gemini-2.5-flash' },
        },
      ],
    ];
    for (const [query, request] of cases) {
      expect([query, rounded(await get(query))]).toEqual([query, rounded(await store.aggregateSpend(request))]);
    }
    const byModel = await get(`from=${FROM}&to=${TO}&bucket=1h&groupBy=model`);
    expect(byModel.calls).toBe(MODEL_CALLS.length);
    // The self-hosted model, three times, has no price: counted, its cost unknown rather than zero.
    expect(byModel.unpricedCalls).toBe(3);
    expect(byModel.series.at(-1)).toMatchObject({
      group: 'meta-llama/Llama-3.1-8B-Instruct',
      points: [{ calls: 3, unpricedCalls: 3, totalCost: null }],
    });
  });

  it('reads up to now when to is left out', async () => {
    const untilNow = await get(`from=${FROM}&bucket=1d`);
    expect(untilNow.calls).toBe(MODEL_CALLS.length);
  });

  it('answers a malformed, unknown or missing parameter, or a range it cannot read, with a 400 naming it', async () => {
    const base = `from=${FROM}&to=${TO}&bucket=1h`;
    const freeText = new Set(['service', 'model', 'provider', 'entityType', 'entityId', 'entityName']);
    for (const name of Object.keys(SPEND_PARAMS)) {
      const query = new URLSearchParams(base);
      query.set(name, 'not!valid');
      const result = await send(receiver.url, { method: 'GET', path: `/api/v1/spend?${query.toString()}` });
      if (freeText.has(name) || name.endsWith('Id') || name === 'environment') {
        expect([name, result.status]).toEqual([name, name === 'traceId' ? 400 : 200]);
      } else {
        expect([name, result.status, errorOf(result).parameter]).toEqual([name, 400, name]);
        expect(errorOf(result).message).toMatch(new RegExp(`^parameter ${name} .*, got "not!valid"$`));
      }
    }
    for (const missing of ['from', 'bucket']) {
      const query = new URLSearchParams(base);
      query.delete(missing);
      const result = await send(receiver.url, { method: 'GET', path: `/api/v1/spend?${query.toString()}` });
      expect([result.status, errorOf(result)]).toEqual([
        400,
        { message: `parameter ${missing} is required`, parameter: missing },
      ]);
    }
    const unknown = await send(receiver.url, { method: 'GET', path: `/api/v1/spend?${base}&groupBy=colour` });
    expect([unknown.status, errorOf(unknown).parameter]).toEqual([400, 'groupBy']);
    const backwards = await send(receiver.url, {
      method: 'GET',
      path: `/api/v1/spend?from=${TO}&to=${FROM}&bucket=1h`,
    });
    expect([backwards.status, errorOf(backwards).message]).toEqual([400, `to (${FROM}) must be after from (${TO})`]);
    const tooFine = await send(receiver.url, { method: 'GET', path: `/api/v1/spend?${base.replace('1h', '100ms')}` });
    expect(tooFine.status).toBe(400);
    expect(errorOf(tooFine).message).toMatch(/spans 36000 buckets .* at most 10000/);
  });
});
