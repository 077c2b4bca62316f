import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OtlpSignal } from '../mapping/otlp';
import type { StorePipeline, WriteReport } from '../pipeline/store-pipeline';
import { SIGNALS, type Signal } from '../records/types';
import { grpcCodeName, type IngestError, type RefusalReason } from './errors';
import type { MemoryBudget } from './memory';
import { isRetainingStore } from '../storage/retention';

/** A buffer or budget this full makes `/health` say `degraded`: a load balancer can steer new clients away. */
export const NEAR_FULL_SHARE = 0.8;
/** For this long after a request was refused for backpressure, `/health` says `degraded`. */
export const BACKPRESSURE_WINDOW_MS = 10_000;

/** Refusals that mean the receiver is too busy, not that the store is down or the request is bad. */
const BACKPRESSURE: ReadonlySet<RefusalReason> = new Set([
  'buffer_full',
  'in_flight_bytes',
  'memory_limit',
  'decoded_memory',
]);

/** The HTTP paths counted under their own `route` label; others are `/api` (the HTTP API) or `other`. */
const HTTP_ROUTES: ReadonlySet<string> = new Set([
  '/v1/traces',
  '/v1/logs',
  '/v1/metrics',
  '/v1/scores',
  '/v1/feedback',
  '/health',
  '/metrics',
]);

function httpRoute(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0]!;
  if (HTTP_ROUTES.has(path)) return path;
  return path.startsWith('/api/') ? '/api' : 'other';
}

const ITEM_SIGNAL: Record<OtlpSignal, Signal> = { traces: 'spans', logs: 'logs', metrics: 'metrics' };

/** The limits of `src/pipeline/limits.ts`, by their `limit` label. */
const LIMIT_LABELS = {
  attributesDropped: 'attributes_dropped',
  valuesTruncated: 'values_truncated',
  valuesFlattened: 'values_flattened',
  eventsDropped: 'events_dropped',
  linksDropped: 'links_dropped',
} as const;

type LimitName = keyof typeof LIMIT_LABELS;
const PRICING_SOURCES = ['library', 'override', 'reported', 'unpriced'] as const;

/** One series of a metric read at scrape time: its labels and its value. */
type Sample = [labels: Record<string, string>, value: number];

/** A metric whose series are read at each scrape from counts kept elsewhere (the pipeline's). */
interface ReadMetric {
  name: string;
  help: string;
  labelNames: string[];
  samples: () => Sample[];
}

/**
 * Registers counters and gauges read at scrape time: the counts stay where they happen, and are
 * never counted twice.
 */
function readers(registry: Registry) {
  return {
    counter: ({ samples, ...config }: ReadMetric): void => {
      new Counter({
        ...config,
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, value] of samples()) this.inc(labels, value);
        },
      });
    },
    gauge: ({ samples, ...config }: ReadMetric): void => {
      new Gauge({
        ...config,
        registers: [registry],
        collect() {
          for (const [labels, value] of samples()) this.set(labels, value);
        },
      });
    },
  };
}

/**
 * Node's process metrics (`process_resident_memory_bytes` and the rest): one registry for the
 * process, made on the first scrape, since each collection keeps an event-loop monitor running for
 * good. The counters of each receiver stay in its own registry.
 */
let processRegistry: Registry | null = null;

function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface TelemetrySettings {
  pipeline: StorePipeline;
  memory: MemoryBudget;
  maxInFlightBytes: number;
  memoryLimitBytes: number | null;
}

/** `/health`'s answer: `ok` and `degraded` with 200, `failing` with 503. */
export interface HealthReport {
  status: 'ok' | 'degraded' | 'failing';
  store: string;
  /** Why the status is not `ok`, one line each. */
  reasons: string[];
  signals: Record<Signal, { buffered: number; capacity: number; failing: boolean }>;
  memory: { inFlightBytes: number; maxInFlightBytes: number; residentBytes: number; limitBytes: number | null };
}

/**
 * What one receiver tells about itself: its Prometheus metrics for `GET /metrics` and its state
 * for `GET /health`. Counters the pipeline already keeps (its writers' stats, the record limits,
 * pricing) are read from it at each scrape; the receiver's own events (items received, refusals,
 * requests, store writes) are counted here, each where it happens. A registry of its own, so that
 * two receivers in one process never share counters.
 */
export class ReceiverTelemetry {
  private readonly registry = new Registry();
  private readonly settings: TelemetrySettings;
  private readonly received: Counter<'signal'>;
  private readonly decodeRejected = Object.fromEntries(SIGNALS.map((signal) => [signal, 0])) as Record<Signal, number>;
  private readonly refusals: Counter<'reason'>;
  private readonly requests: Counter<'transport' | 'route' | 'status'>;
  private readonly writeSeconds: Histogram<'signal' | 'outcome'>;
  private lastBackpressureAt = -Infinity;
  private readonly read: ReturnType<typeof readers>;

  constructor(settings: TelemetrySettings) {
    this.settings = settings;
    const { pipeline, memory } = settings;
    const registers = [this.registry];
    this.received = new Counter({
      name: 'otel_bridge_items_received_total',
      help: 'Spans, log records and metric points in OTLP requests that were decoded, valid or not.',
      labelNames: ['signal'],
      registers,
    });
    // The pipeline's `stats`, `limitStats` and `pricing.stats` are snapshots: each scrape takes new ones.
    const decodeRejected = this.decodeRejected;
    const read = readers(this.registry);
    read.counter({
      name: 'otel_bridge_items_stored_total',
      help: 'Records committed to the store.',
      labelNames: ['signal'],
      samples: () => Object.entries(pipeline.stats).map(([signal, counts]) => [{ signal }, counts.committed]),
    });
    read.counter({
      name: 'otel_bridge_items_rejected_total',
      help:
        'Records refused as a partial success: undecodable (decode), or refused by validation or the store ' +
        '(invalid).',
      labelNames: ['signal', 'reason'],
      samples: () =>
        Object.entries(pipeline.stats).flatMap(([signal, counts]): Sample[] => [
          [{ signal, reason: 'decode' }, decodeRejected[signal as Signal]],
          [{ signal, reason: 'invalid' }, counts.dropped.invalid],
        ]),
    });
    read.counter({
      name: 'otel_bridge_items_dropped_total',
      help: 'Records not stored: refused for a full buffer (the client may retry) or dropped after the retries.',
      labelNames: ['signal', 'reason'],
      samples: () =>
        Object.entries(pipeline.stats).flatMap(([signal, counts]): Sample[] => [
          [{ signal, reason: 'buffer_full' }, counts.dropped.buffer_full],
          [{ signal, reason: 'write_failed' }, counts.dropped.write_failed],
        ]),
    });
    read.counter({
      name: 'otel_bridge_limits_applied_total',
      help: 'Times a record limit applied: attributes, events or links dropped, values truncated or flattened.',
      labelNames: ['signal', 'limit'],
      samples: () =>
        Object.entries(pipeline.limitStats).flatMap(([signal, counts]) =>
          Object.entries(LIMIT_LABELS).map(([name, limit]): Sample => [{ signal, limit }, counts[name as LimitName]]),
        ),
    });
    read.gauge({
      name: 'otel_bridge_queue_depth',
      help: 'Records waiting for a store write, per signal.',
      labelNames: ['signal'],
      samples: () => SIGNALS.map((signal) => [{ signal }, pipeline.writer(signal).bufferedCount]),
    });
    read.gauge({
      name: 'otel_bridge_store_failing',
      help: '1 while a signal’s writer retries a write the store failed (an outage), else 0.',
      labelNames: ['signal'],
      samples: () => SIGNALS.map((signal) => [{ signal }, pipeline.writer(signal).isFailing ? 1 : 0]),
    });
    read.gauge({
      name: 'otel_bridge_request_bytes_in_flight',
      help: 'Request bytes held in the memory budget, from reading to the answer.',
      labelNames: [],
      samples: () => [[{}, memory.inFlight]],
    });
    read.counter({
      name: 'otel_bridge_pricing_spans_total',
      help: 'Model spans by where their cost came from: library, override, reported, or unpriced (no price known).',
      labelNames: ['source'],
      samples: () => {
        const counts = pipeline.pricing.stats;
        return PRICING_SOURCES.map((source) => [{ source }, counts[source]]);
      },
    });
    read.counter({
      name: 'otel_bridge_unpriced_model_spans_total',
      help: 'Model spans with tokens whose model (provider/model) no price table knows; the first 100 models.',
      labelNames: ['model'],
      samples: () => Object.entries(pipeline.pricing.stats.unpricedModels).map(([model, count]) => [{ model }, count]),
    });
    const { store } = pipeline;
    if (isRetainingStore(store))
      read.counter({
        name: 'otel_bridge_retention_deleted_total',
        help: 'Records the store deleted: past their retention (expired) or, oldest first, for its size cap (evicted).',
        labelNames: ['signal', 'reason'],
        samples: () => {
          const { expired, evicted } = store.retentionStats;
          return SIGNALS.flatMap((signal): Sample[] => [
            [{ signal, reason: 'expired' }, expired[signal]],
            [{ signal, reason: 'evicted' }, evicted[signal]],
          ]);
        },
      });
    this.read = read;
    this.writeSeconds = new Histogram({
      name: 'otel_bridge_store_write_duration_seconds',
      help: 'Time the store took to commit (or fail) one batch.',
      labelNames: ['signal', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.requests = new Counter({
      name: 'otel_bridge_requests_total',
      help: 'Requests answered, by transport, route (HTTP path or gRPC method) and status (HTTP status or gRPC code).',
      labelNames: ['transport', 'route', 'status'],
      registers,
    });
    this.refusals = new Counter({
      name: 'otel_bridge_requests_refused_total',
      help: 'Requests refused by a body, decompression or memory limit, by backpressure or by the store’s state.',
      labelNames: ['reason'],
      registers,
    });
  }

  /** Counts the connections each transport closed on arrival, over its cap, as `read` tells them at each scrape. */
  countRefusedConnections(read: () => { readonly http: number; readonly grpc: number }): void {
    this.read.counter({
      name: 'otel_bridge_connections_refused_total',
      help: 'Connections closed on arrival because the transport already held --max-connections.',
      labelNames: ['transport'],
      samples: () => Object.entries(read()).map(([transport, count]): Sample => [{ transport }, count]),
    });
  }

  /** The `Content-Type` of {@link metrics}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of this receiver's metrics and the process's. */
  async metrics(): Promise<string> {
    const own = await this.registry.metrics();
    return `${own}\n${await processMetrics().metrics()}`;
  }

  /** Counts the items of one decoded OTLP request, and those the decoder rejected as a partial success. */
  decoded(signal: OtlpSignal, items: number, rejected: number): void {
    const itemSignal = ITEM_SIGNAL[signal];
    this.received.inc({ signal: itemSignal }, items + rejected);
    this.decodeRejected[itemSignal] += rejected;
  }

  /** Counts a refusal that a limit, backpressure or the store's state made, once, as it is answered. */
  refused(error: IngestError): void {
    if (error.reason === null) return;
    this.refusals.inc({ reason: error.reason });
    if (BACKPRESSURE.has(error.reason)) this.lastBackpressureAt = performance.now();
  }

  /** For the pipeline's `onWrite`. */
  wrote(report: WriteReport): void {
    this.writeSeconds.observe({ signal: report.signal, outcome: report.ok ? 'ok' : 'error' }, report.seconds);
  }

  /** Counts one answered gRPC call. */
  grpcAnswered(method: string, code: number): void {
    this.requests.inc({ transport: 'grpc', route: method, status: grpcCodeName(code) });
  }

  /**
   * A handler for the HTTP transport that answers nothing: it counts every request, whoever
   * answers it, once its response is sent.
   */
  readonly countHttp = (request: IncomingMessage, response: ServerResponse): false => {
    response.once('finish', () =>
      this.requests.inc({ transport: 'http', route: httpRoute(request.url), status: String(response.statusCode) }),
    );
    return false;
  };

  /**
   * The receiver's state: `failing` while the store is in an outage (a writer retries a failed write,
   * or the store does not answer a ping), `degraded` under backpressure (a writer's buffer or the
   * memory budget {@link NEAR_FULL_SHARE} full, the process over its memory admission line, or a request
   * refused for it within {@link BACKPRESSURE_WINDOW_MS}), else `ok`.
   */
  async health(): Promise<HealthReport> {
    const { pipeline, memory, maxInFlightBytes, memoryLimitBytes } = this.settings;
    const failing: string[] = [];
    const degraded: string[] = [];
    const signals = {} as HealthReport['signals'];
    for (const signal of SIGNALS) {
      const writer = pipeline.writer(signal);
      const capacity = writer.bufferedCount + writer.freeCapacity;
      signals[signal] = { buffered: writer.bufferedCount, capacity, failing: writer.isFailing };
      if (writer.isFailing) failing.push(`${signal}: the store failed a write, which is being retried`);
      if (writer.bufferedCount >= capacity * NEAR_FULL_SHARE)
        degraded.push(`${signal}: the write buffer holds ${writer.bufferedCount} of ${capacity} records`);
    }
    try {
      await pipeline.store.ping();
    } catch (error) {
      failing.push(`the store does not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
    const residentBytes = process.memoryUsage.rss();
    if (memory.inFlight >= maxInFlightBytes * NEAR_FULL_SHARE)
      degraded.push(`${memory.inFlight} of ${maxInFlightBytes} request bytes are in flight`);
    const line = memory.admissionLineBytes;
    if (line !== null && residentBytes > line)
      degraded.push(
        `resident memory is over the ${Math.round(line)} bytes of its ${memoryLimitBytes}-byte limit that ` +
          `admit new requests`,
      );
    if (performance.now() - this.lastBackpressureAt < BACKPRESSURE_WINDOW_MS)
      degraded.push(`requests were refused for backpressure in the last ${BACKPRESSURE_WINDOW_MS / 1000} s`);
    const status = failing.length > 0 ? 'failing' : degraded.length > 0 ? 'degraded' : 'ok';
    return {
      status,
      store: pipeline.store.kind,
      reasons: [...failing, ...degraded],
      signals,
      memory: { inFlightBytes: memory.inFlight, maxInFlightBytes, residentBytes, limitBytes: memoryLimitBytes },
    };
  }
}
