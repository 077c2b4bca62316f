import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { logFromSdk } from '../../../src/mapping/sdk/logs';
import { metricsFromSdk } from '../../../src/mapping/sdk/metrics';
import { spanFromSdk } from '../../../src/mapping/sdk/spans';
import { SpanPricing } from '../../../src/pipeline/pricing';
import type { MetricRecord } from '../../../src/records/types';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { emitAgentTurn, emitLogs, recordEveryInstrument } from '../../support/telemetry';

type Encoding = 'protobuf' | 'json';
type Compression = 'gzip' | 'none';

const COMBINATIONS: [Encoding, Compression][] = [
  ['protobuf', 'none'],
  ['protobuf', 'gzip'],
  ['json', 'none'],
  ['json', 'gzip'],
];

describe('real OTLP senders into the receiver', () => {
  let store: DuckDBStore;
  let receiver: ReceiverHandle;

  beforeAll(async () => {
    store = new DuckDBStore({ path: ':memory:' });
    receiver = await startReceiver({ store, port: 0 });
  });

  afterAll(async () => {
    await receiver.close();
    await store.close();
  });

  describe.each(COMBINATIONS)('OpenTelemetry JS exporters, %s, compression %s', (encoding, compression) => {
    const service = `js-${encoding}-${compression}`;
    const resource = resourceFromAttributes({
      'service.name': service,
      'service.version': '3.2.1',
      'process.pid': 4242,
    });

    it('delivers spans exactly as the SDK produced them', async () => {
      const produced = new InMemorySpanExporter();
      const Exporter = encoding === 'protobuf' ? ProtoTraceExporter : JsonTraceExporter;
      const provider = new BasicTracerProvider({
        resource,
        spanProcessors: [
          new SimpleSpanProcessor(produced),
          new BatchSpanProcessor(new Exporter({ url: `${receiver.url}/v1/traces`, compression: compression as never })),
        ],
      });
      emitAgentTurn(provider.getTracer('interop', '1.0.0'));
      await provider.forceFlush();
      const expected = produced.getFinishedSpans().map(spanFromSdk);
      new SpanPricing().priceSpans(expected); // as the pipeline does
      await provider.shutdown();

      const stored = await store.getTrace(expected[0]!.traceId);
      expect(stored!.spans).toHaveLength(2);
      const byId = new Map(stored!.spans.map((span) => [span.spanId, span]));
      for (const span of expected) expect(byId.get(span.spanId)).toEqual(span);
    });

    it('delivers log records exactly as the SDK produced them', async () => {
      const produced = new InMemoryLogRecordExporter();
      const Exporter = encoding === 'protobuf' ? ProtoLogExporter : JsonLogExporter;
      const provider = new LoggerProvider({
        resource,
        processors: [
          new SimpleLogRecordProcessor({ exporter: produced }),
          new BatchLogRecordProcessor({
            exporter: new Exporter({ url: `${receiver.url}/v1/logs`, compression: compression as never }),
          }),
        ],
      });
      emitLogs(provider.getLogger('interop-logs', '2.0.0'));
      await provider.forceFlush();
      const expected = produced.getFinishedLogRecords().map(logFromSdk);
      await provider.shutdown();

      const { logs } = await store.listLogs({ filter: { serviceName: service }, order: 'asc' });
      expect(logs).toEqual(expected);
    });

    it('delivers metric points of every SDK instrument kind', async () => {
      const produced = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
      const Exporter = encoding === 'protobuf' ? ProtoMetricExporter : JsonMetricExporter;
      const exporter = new Exporter({ url: `${receiver.url}/v1/metrics`, compression: compression as never });
      const viaWire = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
      const inMemory = new PeriodicExportingMetricReader({ exporter: produced, exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({ resource, readers: [viaWire, inMemory] });
      recordEveryInstrument(provider.getMeter('interop-metrics', '1.0.0'));
      await viaWire.forceFlush();
      await inMemory.forceFlush();
      const expected = produced.getMetrics().flatMap(metricsFromSdk);
      // Shutting down would export a second collection; compare the first.
      const { metrics } = await store.listMetrics({ filter: { serviceName: service }, perPage: 100 });
      await provider.shutdown();
      // The two readers collect at slightly different moments; everything else must match.
      const comparable = (point: MetricRecord) => ({ ...point, timeUnixNano: 0n });
      const byName = new Map(metrics.map((point) => [point.name, comparable(point)]));
      expect(metrics).toHaveLength(expected.length);
      for (const point of expected) expect(byName.get(point.name)).toEqual(comparable(point));
    });
  });

  describe.each(['http/protobuf', 'http/json'])("deno's built-in OpenTelemetry exporter, %s", (protocol) => {
    it('delivers its HTTP server and client spans, console logs and HTTP metrics', async () => {
      const service = `deno-${protocol.replace('/', '-')}`;
      const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-deno-'));
      const script = join(directory, 'app.ts');
      writeFileSync(
        script,
        [
          'const server = Deno.serve({ port: 0, onListen() {} }, () => new Response("hello"));',
          'const response = await fetch(`http://127.0.0.1:${server.addr.port}/greet?name=otel`);',
          'await response.text();',
          'console.warn("deno was here", { answer: 42 });',
          'await server.shutdown();',
        ].join('\n'),
      );
      try {
        const deno = spawn(require.resolve('deno/bin.cjs'), ['run', '--allow-net', script], {
          env: {
            ...process.env,
            OTEL_DENO: 'true',
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
            OTEL_SERVICE_NAME: service,
          },
        });
        let output = '';
        deno.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const code = await new Promise<number | null>((resolve) => deno.on('exit', resolve));
        expect({ code, output }).toEqual({ code: 0, output: expect.any(String) as jest.AsymmetricMatcher });
        await receiver.pipeline.flush();

        const { traces } = await store.listTraces({ filter: { serviceName: service } });
        expect(traces).toHaveLength(1);
        const trace = await store.getTrace(traces[0]!.traceId);
        // Deno sends the status code as a string; it is stored as sent.
        expect(
          trace!.spans.map((span) => [
            span.kind,
            span.attributes['http.request.method'],
            span.attributes['http.response.status_code'],
          ]),
        ).toEqual([
          ['client', 'GET', '200'],
          ['server', 'GET', '200'],
        ]);
        expect(trace!.spans[1]!.parentSpanId).toBe(trace!.spans[0]!.spanId);
        expect(trace!.spans[1]!.attributes['url.path']).toBe('/greet');

        const { logs } = await store.listLogs({ filter: { serviceName: service } });
        expect(logs).toEqual([
          expect.objectContaining({
            level: 'warn',
            message: expect.stringContaining('deno was here') as jest.AsymmetricMatcher,
          }),
        ]);

        const { metrics } = await store.listMetrics({
          filter: { serviceName: service, name: 'http.server.request.duration' },
        });
        expect(metrics[0]).toMatchObject({ type: 'histogram', count: 1, unit: 's' });
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });
  });
});
