import { randomBytes, randomUUID } from 'node:crypto';
import { NO_METRIC_VALUES } from '../../src/mapping/records';
import type {
  AttributeMap,
  ContextFields,
  FeedbackRecord,
  LogRecord,
  MetricRecord,
  ResourceInfo,
  ScopeInfo,
  ScoreRecord,
  SpanRecord,
} from '../../src/records/types';

/** Valid records with every field set, for tests to override. */

export const traceId = (): string => randomBytes(16).toString('hex');
export const spanId = (): string => randomBytes(8).toString('hex');

/** A fixed base time with all nine nanosecond digits significant. */
export const BASE_TIME = 1_700_000_000_123_456_789n;

export const NO_CONTEXT: ContextFields = {
  entityType: null,
  entityId: null,
  entityName: null,
  userId: null,
  organizationId: null,
  resourceId: null,
  runId: null,
  sessionId: null,
  threadId: null,
  requestId: null,
  environment: null,
};

export function resource(serviceName = 'checkout', extra: AttributeMap = {}): ResourceInfo {
  return {
    attributes: { 'service.name': serviceName, 'host.name': 'node-1', ...extra },
    droppedAttributesCount: 0,
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  };
}

export const SCOPE: ScopeInfo = {
  name: 'test-scope',
  version: '1.2.3',
  attributes: { 'scope.attr': true },
  droppedAttributesCount: 0,
  schemaUrl: '',
};

/** Every attribute value type, including the edges that lossy stores get wrong. */
export const TYPED_ATTRIBUTES: AttributeMap = {
  string: 'hello',
  empty: '',
  unicode: 'naïve café 日本語 🚀 \u0000 "quoted" \\ back',
  int: 42n,
  intNegative: -7n,
  intBeyondDouble: 9_007_199_254_740_993n,
  intMax: 9_223_372_036_854_775_807n,
  intMin: -9_223_372_036_854_775_808n,
  double: 3.14159,
  doubleIntegral: 2,
  doubleNegativeZero: -0,
  doubleHuge: 1e300,
  doubleNaN: Number.NaN,
  doubleInfinity: Number.POSITIVE_INFINITY,
  boolTrue: true,
  boolFalse: false,
  bytes: new Uint8Array([0, 1, 2, 254, 255]),
  emptyBytes: new Uint8Array([]),
  array: ['a', 1n, 2.5, true, null],
  emptyArray: [],
  nested: { inner: { deep: 1n, list: [{ x: 'y' }] }, $int: 'not a tag', '': 'empty key' },
  nothing: null,
};

export function makeSpan(overrides: Partial<SpanRecord> = {}): SpanRecord {
  const start = overrides.startTimeUnixNano ?? BASE_TIME;
  const end = overrides.endTimeUnixNano ?? start + 1_500_000n;
  return {
    traceId: traceId(),
    spanId: spanId(),
    parentSpanId: null,
    traceState: 'vendor=value',
    flags: 1,
    name: 'GET /checkout',
    kind: 'server',
    spanType: 'generic',
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    durationNano: end - start,
    running: false,
    origin: 'otel',
    statusCode: 'unset',
    statusMessage: '',
    error: null,
    serviceName: 'checkout',
    resource: resource(),
    scope: SCOPE,
    attributes: { 'http.method': 'GET', 'http.status_code': 200n },
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    ...NO_CONTEXT,
    tags: [],
    metadata: {},
    model: null,
    provider: null,
    inputTokens: null,
    outputTokens: null,
    totalTokens: null,
    cachedInputTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    inputCost: null,
    outputCost: null,
    totalCost: null,
    costSource: null,
    input: null,
    output: null,
    ...overrides,
  };
}

export function makeLog(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: BASE_TIME,
    observedTimeUnixNano: BASE_TIME + 1n,
    severityNumber: 9,
    severityText: 'INFO',
    level: 'info',
    body: 'user signed in',
    message: 'user signed in',
    eventName: '',
    traceId: null,
    spanId: null,
    flags: 0,
    serviceName: 'checkout',
    resource: resource(),
    scope: SCOPE,
    attributes: { 'log.attr': 'v' },
    droppedAttributesCount: 0,
    ...NO_CONTEXT,
    tags: [],
    metadata: {},
    ...overrides,
  };
}

export function makeMetric(overrides: Partial<MetricRecord> = {}): MetricRecord {
  return {
    name: 'http.server.requests',
    description: 'Requests served',
    unit: '{request}',
    type: 'sum',
    temporality: 'cumulative',
    isMonotonic: true,
    timeUnixNano: BASE_TIME,
    startTimeUnixNano: BASE_TIME - 60_000_000_000n,
    attributes: { route: '/checkout' },
    flags: 0,
    ...NO_METRIC_VALUES,
    value: 10n,
    exemplars: [],
    traceId: null,
    spanId: null,
    serviceName: 'checkout',
    resource: resource(),
    scope: SCOPE,
    ...NO_CONTEXT,
    ...overrides,
  };
}

export function makeScore(overrides: Partial<ScoreRecord> = {}): ScoreRecord {
  return {
    scoreId: randomUUID(),
    timeUnixNano: BASE_TIME,
    traceId: null,
    spanId: null,
    scorerId: 'relevance',
    scorerName: 'Relevance',
    scorerVersion: '1',
    score: 0.75,
    reason: 'mostly relevant',
    source: 'automated',
    serviceName: 'checkout',
    ...NO_CONTEXT,
    tags: [],
    metadata: {},
    ...overrides,
  };
}

export function makeFeedback(overrides: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return {
    feedbackId: randomUUID(),
    timeUnixNano: BASE_TIME,
    traceId: null,
    spanId: null,
    source: 'user',
    feedbackType: 'thumbs',
    value: 1,
    comment: null,
    serviceName: 'checkout',
    ...NO_CONTEXT,
    tags: [],
    metadata: {},
    ...overrides,
  };
}
