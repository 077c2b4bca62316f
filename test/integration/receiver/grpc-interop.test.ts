import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
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
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { logFromSdk } from '../../../src/mapping/sdk/logs';
import { metricsFromSdk } from '../../../src/mapping/sdk/metrics';
import { spanFromSdk } from '../../../src/mapping/sdk/spans';
import { SpanPricing } from '../../../src/pipeline/pricing';
import type { MetricRecord } from '../../../src/records/types';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { emitAgentTurn, emitLogs, recordEveryInstrument } from '../../support/telemetry';

const HOUR = 3_600_000;

/**
 * The same telemetry, sent at once by the OpenTelemetry JS gRPC exporters into one receiver and by
 * the OTLP/HTTP protobuf exporters into another: each store must hold what the SDK produced, and
 * the two must read back equal.
 */
describe.each(['none', 'gzip'] as const)('OpenTelemetry JS gRPC exporters, compression %s', (compression) => {
  let viaGrpc: { store: DuckDBStore; receiver: ReceiverHandle };
  let viaHttp: { store: DuckDBStore; receiver: ReceiverHandle };
  const resource = resourceFromAttributes({ 'service.name': `grpc-${compression}`, 'process.pid': 4242 });

  beforeAll(async () => {
    const start = async () => {
      const store = new DuckDBStore({ path: ':memory:' });
      return { store, receiver: await startReceiver({ store, port: 0, grpcPort: 0 }) };
    };
    [viaGrpc, viaHttp] = await Promise.all([start(), start()]);
  });

  afterAll(async () => {
    for (const { store, receiver } of [viaGrpc, viaHttp]) {
      await receiver.close();
      await store.close();
    }
  });

  const grpcUrl = () => `http://${viaGrpc.receiver.grpcAddress!}`;

  it('delivers spans as the SDK produced them, equal to what OTLP/HTTP stores', async () => {
    const produced = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource,
      spanProcessors: [
        new SimpleSpanProcessor(produced),
        new BatchSpanProcessor(new GrpcTraceExporter({ url: grpcUrl(), compression: compression as never })),
        new BatchSpanProcessor(new ProtoTraceExporter({ url: `${viaHttp.receiver.url}/v1/traces` })),
      ],
    });
    emitAgentTurn(provider.getTracer('grpc-interop', '1.0.0'));
    await provider.forceFlush();
    const expected = produced.getFinishedSpans().map(spanFromSdk);
    new SpanPricing().priceSpans(expected); // as the pipeline does
    await provider.shutdown();

    const traceId = expected[0]!.traceId;
    const fromGrpc = await viaGrpc.store.getTrace(traceId);
    const byId = new Map(fromGrpc!.spans.map((span) => [span.spanId, span]));
    expect(fromGrpc!.spans).toHaveLength(2);
    for (const span of expected) expect(byId.get(span.spanId)).toEqual(span);
    expect(fromGrpc).toEqual(await viaHttp.store.getTrace(traceId));
  });

  it('delivers log records as the SDK produced them, equal to what OTLP/HTTP stores', async () => {
    const produced = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource,
      processors: [
        new SimpleLogRecordProcessor({ exporter: produced }),
        new BatchLogRecordProcessor({
          exporter: new GrpcLogExporter({ url: grpcUrl(), compression: compression as never }),
        }),
        new BatchLogRecordProcessor({ exporter: new ProtoLogExporter({ url: `${viaHttp.receiver.url}/v1/logs` }) }),
      ],
    });
    emitLogs(provider.getLogger('grpc-interop-logs', '2.0.0'));
    await provider.forceFlush();
    const expected = produced.getFinishedLogRecords().map(logFromSdk);
    await provider.shutdown();

    const { logs } = await viaGrpc.store.listLogs({ order: 'asc' });
    expect(logs).toEqual(expected);
    expect(logs).toEqual((await viaHttp.store.listLogs({ order: 'asc' })).logs);
  });

  it('delivers metric points of every SDK instrument kind, equal to what OTLP/HTTP stores', async () => {
    const produced = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const readers = [
      new PeriodicExportingMetricReader({
        exporter: new GrpcMetricExporter({ url: grpcUrl(), compression: compression as never }),
        exportIntervalMillis: HOUR,
      }),
      new PeriodicExportingMetricReader({
        exporter: new ProtoMetricExporter({ url: `${viaHttp.receiver.url}/v1/metrics` }),
        exportIntervalMillis: HOUR,
      }),
      new PeriodicExportingMetricReader({ exporter: produced, exportIntervalMillis: HOUR }),
    ];
    const provider = new MeterProvider({ resource, readers });
    recordEveryInstrument(provider.getMeter('grpc-interop-metrics', '1.0.0'));
    for (const reader of readers) await reader.forceFlush();
    const expected = produced.getMetrics().flatMap(metricsFromSdk);
    const fromGrpc = (await viaGrpc.store.listMetrics({ perPage: 100 })).metrics;
    const fromHttp = (await viaHttp.store.listMetrics({ perPage: 100 })).metrics;
    await provider.shutdown();
    // The readers collect at slightly different moments; everything else must match.
    const comparable = (points: MetricRecord[]) =>
      points.map((point) => ({ ...point, timeUnixNano: 0n })).sort((a, b) => a.name.localeCompare(b.name));
    expect(fromGrpc).toHaveLength(expected.length);
    expect(comparable(fromGrpc)).toEqual(comparable(expected));
    expect(comparable(fromGrpc)).toEqual(comparable(fromHttp));
  });
});
