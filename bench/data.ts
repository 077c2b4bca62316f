import { ROOT_CONTEXT, SpanKind, SpanStatusCode, ValueType, trace, type Attributes } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type IdGenerator,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';

/** Deterministic workloads: every run generates the same telemetry from the same seed. */

export type Workload = 'http' | 'agent';

/** mulberry32: small, fast, and good enough to vary benchmark data. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Trace and span ids from the seed, so that two runs make the same bodies. */
export class SeededIds implements IdGenerator {
  constructor(private readonly random: () => number) {}
  private hex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i++)
      out += Math.floor(this.random() * 256)
        .toString(16)
        .padStart(2, '0');
    return out;
  }
  generateTraceId(): string {
    return this.hex(16);
  }
  generateSpanId(): string {
    return this.hex(8);
  }
}

export const RESOURCE: Resource = resourceFromAttributes({
  'service.name': 'checkout',
  'service.version': '1.4.2',
  'host.name': 'node-7',
  'deployment.environment.name': 'production',
  'process.pid': 4242,
});

const ROUTES = ['/api/users/{id}', '/api/orders', '/api/orders/{id}/items', '/health', '/api/search'];
const WORDS = 'the quick brown fox jumps over the lazy dog while agents plan tools and models answer questions'.split(
  ' ',
);

function text(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return out.slice(0, length);
}

/** Ten attributes of mixed types, as an HTTP server span has them. */
function httpAttributes(random: () => number, i: number): Attributes {
  const route = ROUTES[i % ROUTES.length]!;
  return {
    'http.request.method': random() < 0.8 ? 'GET' : 'POST',
    'http.route': route,
    'url.full': `https://api.example.com${route.replace('{id}', String(Math.floor(random() * 1e6)))}`,
    'http.response.status_code': random() < 0.95 ? 200 : 500,
    'server.port': 443,
    'http.request.body.size': Math.floor(random() * 10_000),
    'client.duration': Math.round(random() * 1e6) / 1000 + 0.5,
    'user_agent.synthetic': random() < 0.1,
    'server.address': 'api.example.com',
    'network.peer.address': `10.0.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`,
  };
}

/** The GenAI attributes of a model call, with about 1 KB each of input and output. */
function agentAttributes(random: () => number, i: number): Attributes {
  const message = (role: string) => JSON.stringify([{ role, parts: [{ type: 'text', content: text(random, 980) }] }]);
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.provider.name': 'openai',
    'gen_ai.usage.input_tokens': 200 + Math.floor(random() * 2000),
    'gen_ai.usage.output_tokens': 20 + Math.floor(random() * 500),
    'gen_ai.input.messages': message('user'),
    'gen_ai.output.messages': message('assistant'),
    'session.id': `session-${i % 97}`,
    'user.id': `user-${i % 1013}`,
    'mastra.metadata.runId': `run-${Math.floor(i / 5)}`,
  };
}

/**
 * Spans in traces of five (a root and four children), made by the real SDK and handed to
 * `processors`. It yields to the event loop between traces every `yieldEvery` spans, as an app
 * serving requests does, so that exporters run meanwhile.
 */
export async function produceSpans(
  workload: Workload,
  count: number,
  seed: number,
  processors: SpanProcessor[],
  yieldEvery = 1000,
): Promise<void> {
  const random = seeded(seed);
  const provider = new BasicTracerProvider({
    resource: RESOURCE,
    idGenerator: new SeededIds(random),
    spanLimits: { attributeValueLengthLimit: 100_000 },
    spanProcessors: processors,
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  const attributes = workload === 'http' ? httpAttributes : agentAttributes;
  for (let i = 0; i < count; i += 5) {
    const root = tracer.startSpan(workload === 'http' ? 'GET /api/orders' : 'invoke_agent planner', {
      kind: SpanKind.SERVER,
      attributes: attributes(random, i),
    });
    const parent = trace.setSpanContext(ROOT_CONTEXT, root.spanContext());
    for (let child = 1; child < 5 && i + child < count; child++) {
      const span = tracer.startSpan(
        workload === 'http' ? 'SELECT orders' : 'chat gpt-4o',
        { kind: SpanKind.CLIENT, attributes: attributes(random, i + child) },
        parent,
      );
      if (random() < 0.05) span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
      span.end();
    }
    root.end();
    if ((i + 5) % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await provider.forceFlush();
}

/** The same spans, collected in memory. */
export async function makeSpans(workload: Workload, count: number, seed: number): Promise<ReadableSpan[]> {
  const finished: ReadableSpan[] = [];
  await produceSpans(workload, count, seed, [
    new SimpleSpanProcessor({
      export: (spans, done) => {
        finished.push(...spans);
        done({ code: 0 });
      },
      shutdown: () => Promise.resolve(),
    }),
  ]);
  return finished;
}

/** Log records with a text body and five attributes, made by the real SDK and handed to `processors`. */
export async function produceLogs(
  count: number,
  seed: number,
  processors: LogRecordProcessor[],
  yieldEvery = 1000,
): Promise<void> {
  const random = seeded(seed);
  const provider = new LoggerProvider({ resource: RESOURCE, processors });
  const logger = provider.getLogger('bench', '1.0.0');
  for (let i = 0; i < count; i++) {
    const error = random() < 0.05;
    logger.emit({
      severityNumber: error ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: error ? 'ERROR' : 'INFO',
      body: text(random, 80),
      attributes: {
        'code.function': 'handle',
        'http.route': ROUTES[i % ROUTES.length]!,
        'order.id': Math.floor(random() * 1e9),
        retry: random() < 0.1,
        'user.id': `user-${i % 1013}`,
      },
    });
    if ((i + 1) % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await provider.forceFlush();
}

/** The same log records, collected in memory. */
export async function makeLogs(count: number, seed: number): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  await produceLogs(count, seed, [new SimpleLogRecordProcessor({ exporter })]);
  return exporter.getFinishedLogRecords();
}

/**
 * Metric points of every SDK point type: `series` attribute sets on a counter, an up-down counter,
 * a histogram, an exponential histogram and a gauge, recorded and collected `collections` times.
 */
export async function produceMetrics(
  series: number,
  collections: number,
  seed: number,
  exporter: PushMetricExporter,
): Promise<number> {
  const random = seeded(seed);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: RESOURCE,
    readers: [reader],
    views: [{ instrumentName: 'tokens', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('bench', '1.0.0');
  const requests = meter.createCounter('http.server.requests', { valueType: ValueType.INT });
  const active = meter.createUpDownCounter('http.server.active_requests', { valueType: ValueType.INT });
  const duration = meter.createHistogram('http.server.request.duration', { unit: 's' });
  const tokens = meter.createHistogram('tokens');
  const queue = meter.createGauge('queue.depth');
  const labels = Array.from({ length: series }, (_, i) => ({
    'http.route': ROUTES[i % ROUTES.length]!,
    'server.instance': `i-${i}`,
  }));
  let points = 0;
  for (let round = 0; round < collections; round++) {
    for (const attributes of labels) {
      requests.add(1 + Math.floor(random() * 10), attributes);
      active.add(random() < 0.5 ? 1 : -1, attributes);
      duration.record(random() * 2, attributes);
      tokens.record(Math.floor(random() * 4000), attributes);
      queue.record(Math.floor(random() * 100), attributes);
    }
    await reader.forceFlush();
    points += labels.length * 5;
  }
  // Shutting down collects and exports once more.
  await provider.shutdown();
  return points + labels.length * 5;
}
