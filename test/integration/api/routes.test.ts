import type { ClickHouseClient } from '@clickhouse/client';
import {
  FeedbackListSchema,
  LogListSchema,
  MetricAggregateSchema,
  MetricDescriptorsSchema,
  MetricListSchema,
  ScoreListSchema,
  ServicesSchema,
  TraceListSchema,
  TraceViewSchema,
} from '../../../src/api/schemas';
import {
  AGGREGATE_PARAMS,
  FEEDBACK_PARAMS,
  LOG_PARAMS,
  METRIC_PARAMS,
  RANGE,
  SCORE_PARAMS,
  TRACE_PARAMS,
  type ParamSpec,
} from '../../../src/api/params';
import { CONTEXT_FIELDS } from '../../../src/records/types';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { ClickHouseStore } from '../../../src/storage/clickhouse/store';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { MAX_PAGE, type ObservabilityStore } from '../../../src/storage/types';
import { apiGet, apiPost, errorOf } from '../../support/api';
import { closeChdbClient, dropDatabase, openChdbClient, uniqueDatabase } from '../../support/clickhouse';
import { send } from '../../support/http';
import {
  BASE_TIME,
  TYPED_ATTRIBUTES,
  makeFeedback,
  makeLog,
  makeMetric,
  makeScore,
  makeSpan,
  resource,
  traceId,
} from '../../support/records';

const SECOND = 1_000_000_000n;
const BEYOND_DOUBLE = 9_007_199_254_740_993n;
const rfc3339 = (unixNano: bigint) =>
  `${new Date(Number(unixNano / 1_000_000n)).toISOString().slice(0, 19)}.${String(unixNano % SECOND).padStart(9, '0')}Z`;

/** Telemetry of two services: an agent trace with scores, feedback and logs, and a plain request. */
function fixture() {
  const agentTrace = traceId();
  const root = makeSpan({
    traceId: agentTrace,
    name: 'invoke_agent planner',
    spanType: 'agent_run',
    serviceName: 'billing',
    resource: resource('billing', { 'process.pid': BEYOND_DOUBLE }),
    userId: 'u-1',
    sessionId: 's-1',
    threadId: 't-1',
    tags: ['vip', 'eu'],
    attributes: TYPED_ATTRIBUTES,
    input: 'Plan a trip to Kyoto',
    output: { plan: ['fly', 'walk'], days: BEYOND_DOUBLE },
    startTimeUnixNano: BASE_TIME,
    endTimeUnixNano: BASE_TIME + 5n * SECOND + 1n,
    durationNano: 5n * SECOND + 1n,
  });
  const model = makeSpan({
    traceId: agentTrace,
    parentSpanId: root.spanId,
    name: 'chat gpt-4o',
    spanType: 'model_generation',
    serviceName: 'billing',
    resource: resource('billing'),
    model: 'gpt-4o',
    inputTokens: 120,
    outputTokens: 30,
    totalTokens: 150,
    startTimeUnixNano: BASE_TIME + 1n,
    endTimeUnixNano: BASE_TIME + 2n * SECOND,
    durationNano: 2n * SECOND - 1n,
  });
  const tool = makeSpan({
    traceId: agentTrace,
    parentSpanId: model.spanId,
    name: 'execute_tool weather',
    spanType: 'tool_call',
    serviceName: 'billing',
    resource: resource('billing'),
    statusCode: 'error',
    statusMessage: 'timeout',
    error: { message: 'timeout', type: 'TimeoutError', stack: null },
    startTimeUnixNano: BASE_TIME + 2n,
    endTimeUnixNano: BASE_TIME + 3n,
    durationNano: 1n,
  });
  const request = makeSpan({
    name: 'GET /health',
    serviceName: 'web',
    resource: resource('web'),
    statusCode: 'ok',
    startTimeUnixNano: BASE_TIME + 10n * SECOND,
    endTimeUnixNano: BASE_TIME + 10n * SECOND + 7n,
    durationNano: 7n,
  });
  const logs = [
    makeLog({
      level: 'warn',
      severityNumber: 13,
      severityText: 'WARN',
      message: 'Tool timed out',
      body: 'Tool timed out',
      traceId: agentTrace,
      spanId: tool.spanId,
      serviceName: 'billing',
      resource: resource('billing'),
      userId: 'u-1',
      timeUnixNano: BASE_TIME + 3n,
      attributes: { attempt: BEYOND_DOUBLE },
    }),
    makeLog({
      level: 'debug',
      severityNumber: 5,
      message: 'cache miss',
      body: 'cache miss',
      timeUnixNano: BASE_TIME + 4n,
    }),
    makeLog({
      level: 'error',
      severityNumber: 17,
      message: 'disk full',
      body: { code: 28n },
      timeUnixNano: BASE_TIME + 5n,
    }),
  ];
  const metrics = [
    makeMetric({
      name: 'queue.depth',
      type: 'gauge',
      temporality: null,
      isMonotonic: null,
      value: BEYOND_DOUBLE,
      unit: '{item}',
      timeUnixNano: BASE_TIME + 1n,
      serviceName: 'billing',
      resource: resource('billing'),
    }),
    makeMetric({ name: 'requests', attributes: { code: 200n, route: '/a' }, value: 1n, timeUnixNano: BASE_TIME }),
    makeMetric({ name: 'requests', attributes: { code: '200', route: '/a' }, value: 2n, timeUnixNano: BASE_TIME }),
    makeMetric({
      name: 'requests',
      attributes: { code: 500n, route: '/b' },
      value: 4n,
      timeUnixNano: BASE_TIME + 61n * SECOND,
    }),
    makeMetric({
      name: 'latency',
      type: 'histogram',
      temporality: 'delta',
      isMonotonic: null,
      value: null,
      count: 4,
      sum: 10.5,
      min: 0.5,
      max: 6,
      explicitBounds: [1, 5],
      bucketCounts: [1, 2, 1],
      unit: 'ms',
      timeUnixNano: BASE_TIME + 2n,
    }),
  ];
  const scores = [
    makeScore({
      traceId: agentTrace,
      spanId: model.spanId,
      scorerId: 'relevance',
      metadata: { tokens: BEYOND_DOUBLE },
    }),
    makeScore({
      traceId: agentTrace,
      spanId: null,
      scorerId: 'human',
      source: 'manual',
      scorerName: null,
      score: -1.5,
      timeUnixNano: BASE_TIME + 1n,
    }),
    makeScore({ scorerId: 'other', source: 'experiment', timeUnixNano: BASE_TIME + 2n }),
  ];
  const feedback = [
    makeFeedback({ traceId: agentTrace, spanId: model.spanId, value: 1, userId: 'u-1', comment: 'great' }),
    makeFeedback({
      traceId: agentTrace,
      feedbackType: 'correction',
      value: 'Kyoto, not Tokyo',
      source: 'reviewer',
      timeUnixNano: BASE_TIME + 1n,
    }),
  ];
  return { agentTrace, spans: [root, model, tool, request], logs, metrics, scores, feedback, root, model, tool };
}

/** Free-text parameters: any value is a valid filter. Every other parameter must refuse a malformed one. */
const FREE_TEXT = new Set([
  'service',
  'name',
  'nameContains',
  'search',
  'scorerId',
  'scorerName',
  'feedbackType',
  'tags',
  'groupBy',
  ...CONTEXT_FIELDS,
]);

interface Backend {
  open(): Promise<ObservabilityStore>;
  close(store: ObservabilityStore): Promise<void>;
}

let chdb: ClickHouseClient | undefined;
const BACKENDS: [string, Backend][] = [
  [
    'DuckDB',
    {
      open: () => Promise.resolve(new DuckDBStore({ path: ':memory:' })),
      close: (store) => store.close(),
    },
  ],
  [
    'ClickHouse (chdb)',
    {
      open: async () => {
        chdb ??= await openChdbClient();
        return new ClickHouseStore({ client: chdb, database: uniqueDatabase('api') });
      },
      close: async (store) => {
        await store.close();
        await dropDatabase(chdb!, (store as ClickHouseStore).schema.database);
        await closeChdbClient(chdb!);
        chdb = undefined;
      },
    },
  ],
];

describe.each(BACKENDS)('the HTTP API on %s', (_name, backend) => {
  let store: ObservabilityStore;
  let receiver: ReceiverHandle;
  let data: ReturnType<typeof fixture>;

  beforeAll(async () => {
    store = await backend.open();
    receiver = await startReceiver({ store, port: 0 });
    data = fixture();
    await store.batchCreateSpans({ spans: data.spans });
    await store.batchCreateLogs({ logs: data.logs });
    await store.batchRecordMetrics({ metrics: data.metrics });
    await store.batchCreateScores({ scores: data.scores });
    await store.batchCreateFeedback({ feedback: data.feedback });
  });

  afterAll(async () => {
    await receiver.close();
    await backend.close(store);
  });

  const get = <S extends Parameters<typeof apiGet>[2]>(path: string, schema: S) => apiGet(receiver.url, path, schema);

  it('lists traces as listTraces does, field by field, with every filter it has', async () => {
    const { agentTrace, root } = data;
    const cases: [string, Parameters<ObservabilityStore['listTraces']>[0]][] = [
      ['', {}],
      ['?service=billing', { filter: { serviceName: 'billing' } }],
      ['?spanType=agent_run', { filter: { spanType: 'agent_run' } }],
      ['?status=ok', { filter: { statusCode: 'ok' } }],
      ['?hasError=false', { filter: { hasError: false } }],
      ['?anyError=true', { filter: { anyError: true } }],
      ['?tags=vip&tags=eu', { filter: { tags: ['vip', 'eu'] } }],
      ['?tags=vip&tags=us', { filter: { tags: ['vip', 'us'] } }],
      ['?userId=u-1&sessionId=s-1&threadId=t-1', { filter: { userId: 'u-1', sessionId: 's-1', threadId: 't-1' } }],
      [`?traceId=${agentTrace}`, { filter: { traceId: agentTrace } }],
      [`?name=${encodeURIComponent(root.name)}`, { filter: { name: root.name } }],
      [
        `?nameContains=${encodeURIComponent(root.name.slice(3, 9).toUpperCase())}`,
        { filter: { nameContains: root.name.slice(3, 9).toUpperCase() } },
      ],
      ['?nameContains=no-such-text', { filter: { nameContains: 'no-such-text' } }],
      [`?from=${rfc3339(BASE_TIME + 1n)}`, { filter: { from: BASE_TIME + 1n } }],
      [`?from=${BASE_TIME}&to=${BASE_TIME + 1n}`, { filter: { from: BASE_TIME, to: BASE_TIME + 1n } }],
      ['?perPage=1&page=1&order=asc', { perPage: 1, page: 1, order: 'asc' }],
    ];
    for (const [query, args] of cases) {
      expect([query, await get(`/api/v1/traces${query}`, TraceListSchema)]).toEqual([
        query,
        await store.listTraces(args),
      ]);
    }
    const { traces } = await get('/api/v1/traces?service=billing', TraceListSchema);
    expect(traces[0]!.startTimeUnixNano).toBe(BASE_TIME);
  });

  it('answers a trace with its spans, and the scores, feedback and logs that name it', async () => {
    const { agentTrace } = data;
    const view = await get(`/api/v1/traces/${agentTrace}`, TraceViewSchema);
    const args = { filter: { traceId: agentTrace }, perPage: 1000, order: 'asc' } as const;
    expect(view).toEqual({
      traceId: agentTrace,
      spans: (await store.getTrace(agentTrace))!.spans,
      scores: (await store.listScores(args)).scores,
      feedback: (await store.listFeedback(args)).feedback,
      logs: (await store.listLogs(args)).logs,
      hasMore: { scores: false, feedback: false, logs: false },
    });
    expect(view.spans).toEqual([data.root, data.model, data.tool]);
    expect(view.scores.map((score) => score.spanId)).toEqual([data.model.spanId, null]);
    expect(view.feedback).toHaveLength(2);
    expect(view.logs.map((log) => log.spanId)).toEqual([data.tool.spanId]);
    // Upper-case ids are read as the lower-case ones they spell.
    expect(await get(`/api/v1/traces/${agentTrace.toUpperCase()}`, TraceViewSchema)).toEqual(view);
  });

  it('keeps int64 above 2^53 and all nine digits of nanosecond times in the JSON text itself', async () => {
    const { body } = await send(receiver.url, { method: 'GET', path: `/api/v1/traces/${data.agentTrace}` });
    const text = body.toString();
    expect(text).toContain(`"startTimeUnixNano":"${BASE_TIME}"`);
    expect(text).toContain(`"durationNano":"${5n * SECOND + 1n}"`);
    expect(text).toContain('"intBeyondDouble":{"$int":"9007199254740993"}');
    expect(text).toContain('"intMax":{"$int":"9223372036854775807"}');
    expect(text).toContain('"days":{"$int":"9007199254740993"}');
    expect(text).toContain('"doubleIntegral":{"$double":2}');
    const metrics = (
      await send(receiver.url, { method: 'GET', path: '/api/v1/metrics?name=queue.depth' })
    ).body.toString();
    expect(metrics).toContain('"value":"9007199254740993"');
    const view = await get(`/api/v1/traces/${data.agentTrace}`, TraceViewSchema);
    expect(view.spans[0]!.attributes.intBeyondDouble).toBe(BEYOND_DOUBLE);
    expect(view.spans[0]!.resource.attributes['process.pid']).toBe(BEYOND_DOUBLE);
    expect(view.logs[0]!.attributes.attempt).toBe(BEYOND_DOUBLE);
  });

  it('answers 404 for a trace that is not stored, and 400 naming traceId for a malformed one', async () => {
    const unknown = await send(receiver.url, { method: 'GET', path: `/api/v1/traces/${traceId()}` });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).message).toMatch(/^no trace [0-9a-f]{32} is stored$/);
    const malformed = await send(receiver.url, { method: 'GET', path: '/api/v1/traces/not-a-trace' });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed)).toEqual({
      message: 'parameter traceId must be 32 hex digits, got "not-a-trace"',
      parameter: 'traceId',
    });
  });

  it('lists logs, metrics, scores and feedback as the store does, with their filters', async () => {
    const { agentTrace, tool, model } = data;
    const logCases: [string, Parameters<ObservabilityStore['listLogs']>[0]][] = [
      ['', {}],
      ['?level=warn&level=error', { filter: { level: ['warn', 'error'] } }],
      ['?minLevel=warn', { filter: { minLevel: 'warn' } }],
      ['?search=TIMED', { filter: { search: 'TIMED' } }],
      [`?spanId=${tool.spanId}&traceId=${agentTrace}`, { filter: { spanId: tool.spanId, traceId: agentTrace } }],
      ['?service=billing&userId=u-1', { filter: { serviceName: 'billing', userId: 'u-1' } }],
      ['?order=asc&perPage=2', { order: 'asc', perPage: 2 }],
    ];
    for (const [query, args] of logCases)
      expect([query, await get(`/api/v1/logs${query}`, LogListSchema)]).toEqual([query, await store.listLogs(args)]);

    const attributes = encodeURIComponent(JSON.stringify({ code: 200 }));
    const stringCode = encodeURIComponent(JSON.stringify({ code: '200' }));
    const metricCases: [string, Parameters<ObservabilityStore['listMetrics']>[0]][] = [
      ['?perPage=100', { perPage: 100 }],
      ['?name=requests&name=latency', { filter: { name: ['requests', 'latency'] } }],
      ['?type=histogram', { filter: { type: 'histogram' } }],
      [`?name=requests&attributes=${attributes}`, { filter: { name: 'requests', attributes: { code: 200n } } }],
      [`?name=requests&attributes=${stringCode}`, { filter: { name: 'requests', attributes: { code: '200' } } }],
      ['?service=billing', { filter: { serviceName: 'billing' } }],
    ];
    for (const [query, args] of metricCases) {
      expect([query, await get(`/api/v1/metrics${query}`, MetricListSchema)]).toEqual([
        query,
        await store.listMetrics(args),
      ]);
    }
    // Typed: the int 200 and the string "200" are different points.
    expect(
      (await get(`/api/v1/metrics?name=requests&attributes=${attributes}`, MetricListSchema)).metrics.map(
        (m) => m.value,
      ),
    ).toEqual([1n]);

    const scoreCases: [string, Parameters<ObservabilityStore['listScores']>[0]][] = [
      ['', {}],
      [`?traceId=${agentTrace}&order=asc`, { filter: { traceId: agentTrace }, order: 'asc' }],
      ['?scorerId=human', { filter: { scorerId: 'human' } }],
      ['?scorerName=Relevance', { filter: { scorerName: 'Relevance' } }],
      ['?source=experiment', { filter: { source: 'experiment' } }],
      [`?spanId=${model.spanId}`, { filter: { spanId: model.spanId } }],
    ];
    for (const [query, args] of scoreCases)
      expect([query, await get(`/api/v1/scores${query}`, ScoreListSchema)]).toEqual([
        query,
        await store.listScores(args),
      ]);

    const feedbackCases: [string, Parameters<ObservabilityStore['listFeedback']>[0]][] = [
      ['', {}],
      ['?feedbackType=correction', { filter: { feedbackType: 'correction' } }],
      ['?source=reviewer', { filter: { source: 'reviewer' } }],
      [`?spanId=${model.spanId}&userId=u-1`, { filter: { spanId: model.spanId, userId: 'u-1' } }],
      ['?perPage=1&page=1', { perPage: 1, page: 1 }],
    ];
    for (const [query, args] of feedbackCases) {
      expect([query, await get(`/api/v1/feedback${query}`, FeedbackListSchema)]).toEqual([
        query,
        await store.listFeedback(args),
      ]);
    }
  });

  it('aggregates metrics as aggregateMetrics does: name, aggregation, bucket, field, group by, filters', async () => {
    const minute = 60n * SECOND;
    const cases: [string, Parameters<ObservabilityStore['aggregateMetrics']>[0]][] = [
      ['name=requests&aggregation=sum&bucket=1m', { name: 'requests', aggregation: 'sum', bucketSizeNano: minute }],
      [
        'name=requests&aggregation=max&bucket=60000000000&groupBy=code&groupBy=route',
        { name: 'requests', aggregation: 'max', bucketSizeNano: minute, groupBy: ['code', 'route'] },
      ],
      [
        `name=requests&aggregation=count&bucket=1h&attributes=${encodeURIComponent('{"route":"/a"}')}`,
        {
          name: 'requests',
          aggregation: 'count',
          bucketSizeNano: 60n * minute,
          filter: { attributes: { route: '/a' } },
        },
      ],
      [
        'name=latency&aggregation=avg&bucket=1d&field=sum&service=checkout',
        {
          name: 'latency',
          aggregation: 'avg',
          bucketSizeNano: 1440n * minute,
          field: 'sum',
          filter: { serviceName: 'checkout' },
        },
      ],
    ];
    for (const [query, request] of cases) {
      expect([query, await get(`/api/v1/metrics/aggregate?${query}`, MetricAggregateSchema)]).toEqual([
        query,
        await store.aggregateMetrics(request),
      ]);
    }
    const grouped = await get(
      '/api/v1/metrics/aggregate?name=requests&aggregation=sum&bucket=1d&groupBy=code',
      MetricAggregateSchema,
    );
    const typed = (value: unknown) => `${typeof value} ${String(value)}`;
    expect(grouped.series.map((series) => typed(series.group.code)).sort()).toEqual([
      'bigint 200',
      'bigint 500',
      'string 200',
    ]);
  });

  it('lists the services and the metric names that fill filter pickers', async () => {
    expect(await get('/api/v1/services', ServicesSchema)).toEqual({ services: await store.listServices() });
    expect((await get('/api/v1/services', ServicesSchema)).services).toEqual(['billing', 'checkout', 'web']);
    expect(await get(`/api/v1/services?from=${BASE_TIME + SECOND}`, ServicesSchema)).toEqual({
      services: await store.listServices({ from: BASE_TIME + SECOND }),
    });
    expect(await get('/api/v1/metrics/names', MetricDescriptorsSchema)).toEqual({
      metrics: await store.listMetricDescriptors(),
    });
    expect((await get(`/api/v1/metrics/names?to=${BASE_TIME + 1n}`, MetricDescriptorsSchema)).metrics).toEqual([
      { name: 'requests', type: 'sum', unit: '{request}' },
    ]);
  });

  it('answers every parameter of every route given a malformed value with a 400 that names it', async () => {
    const routes: [string, ParamSpec, string][] = [
      ['/api/v1/traces', TRACE_PARAMS, ''],
      ['/api/v1/logs', LOG_PARAMS, ''],
      ['/api/v1/metrics', METRIC_PARAMS, ''],
      ['/api/v1/metrics/aggregate', AGGREGATE_PARAMS, 'name=requests&aggregation=sum&bucket=1m'],
      ['/api/v1/scores', SCORE_PARAMS, ''],
      ['/api/v1/feedback', FEEDBACK_PARAMS, ''],
      ['/api/v1/services', RANGE, ''],
      ['/api/v1/metrics/names', RANGE, ''],
    ];
    for (const [path, spec, base] of routes) {
      for (const name of Object.keys(spec)) {
        const query = new URLSearchParams(base);
        query.set(name, 'not!valid');
        const result = await send(receiver.url, { method: 'GET', path: `${path}?${query.toString()}` });
        if (FREE_TEXT.has(name) || (name === 'source' && path === '/api/v1/feedback')) {
          expect([path, name, result.status]).toEqual([path, name, 200]);
        } else {
          expect([path, name, result.status, errorOf(result).parameter]).toEqual([path, name, 400, name]);
          expect(errorOf(result).message).toMatch(new RegExp(`^parameter ${name} .*, got "not!valid"$`));
        }
      }
      const unknown = await send(receiver.url, { method: 'GET', path: `${path}?${base}&colour=blue` });
      expect([path, unknown.status, errorOf(unknown).parameter]).toEqual([path, 400, 'colour']);
    }
    // Past MAX_PAGE a read's row bound is no safe integer: a 400 naming page, not the engine's 500.
    for (const path of [
      `/api/v1/traces?page=${Number.MAX_SAFE_INTEGER}`,
      `/api/v1/logs?page=${MAX_PAGE + 1}&perPage=1000`,
    ]) {
      const result = await send(receiver.url, { method: 'GET', path });
      expect([path, result.status, errorOf(result).parameter]).toEqual([path, 400, 'page']);
    }
    const last = await send(receiver.url, { method: 'GET', path: `/api/v1/logs?page=${MAX_PAGE}&perPage=1000` });
    expect(last.status).toBe(200);
    for (const missing of ['name', 'aggregation', 'bucket']) {
      const query = new URLSearchParams('name=requests&aggregation=sum&bucket=1m');
      query.delete(missing);
      const result = await send(receiver.url, { method: 'GET', path: `/api/v1/metrics/aggregate?${query.toString()}` });
      expect([result.status, errorOf(result)]).toEqual([
        400,
        { message: `parameter ${missing} is required`, parameter: missing },
      ]);
    }
  });

  // Last: the records it adds would change the unfiltered lists that the tests above compare.
  it('records scores and feedback from POST /v1/scores and /v1/feedback, committed and read back field by field', async () => {
    const trace = traceId();
    const scored = await apiPost(receiver.url, '/v1/scores', [
      { scorerId: 'relevance', score: 0.75, traceId: trace, timeUnixNano: `${BASE_TIME + 1n}`, reason: 'on topic' },
      {
        scorerId: 'tone',
        score: 1,
        traceId: trace,
        timeUnixNano: `${BASE_TIME + 2n}`,
        metadata: { n: { $int: '9007199254740993' } },
      },
    ]);
    expect(scored.status).toBe(200);
    const felt = await apiPost(receiver.url, '/v1/feedback', {
      feedbackType: 'thumbs',
      value: 1,
      traceId: trace,
      userId: 'u-7',
      comment: 'helpful',
      timeUnixNano: `${BASE_TIME + 3n}`,
    });
    expect(felt.status).toBe(200);
    // Answered 200, so already committed: the very next read sees them, on the store's own API and the API's.
    const args = { filter: { traceId: trace }, order: 'asc' } as const;
    const { scores } = await store.listScores(args);
    expect(scores.map((score) => [score.scorerId, score.score, score.timeUnixNano])).toEqual([
      ['relevance', 0.75, BASE_TIME + 1n],
      ['tone', 1, BASE_TIME + 2n],
    ]);
    expect(scores[1]!.metadata.n).toBe(9_007_199_254_740_993n);
    expect(await get(`/api/v1/scores?traceId=${trace}&order=asc`, ScoreListSchema)).toEqual(
      await store.listScores(args),
    );
    const { feedback } = await store.listFeedback(args);
    expect(feedback.map((item) => [item.feedbackType, item.value, item.userId, item.comment])).toEqual([
      ['thumbs', 1, 'u-7', 'helpful'],
    ]);
    expect(await get(`/api/v1/feedback?traceId=${trace}&order=asc`, FeedbackListSchema)).toEqual(
      await store.listFeedback(args),
    );
    const refused = await apiPost(receiver.url, '/v1/feedback', { feedbackType: 'thumbs', traceId: trace });
    expect(refused.status).toBe(400);
    expect((await store.listFeedback(args)).feedback).toHaveLength(1);
  });
});
