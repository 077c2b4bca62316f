import { context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ScoreListSchema, TraceViewSchema } from '../../../src/api/schemas';
import { DefaultExporter } from '../../../src/exporters/default-exporter';
import { EVALUATION_EVENT } from '../../../src/mapping/evaluation';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import type { ObservabilityStore } from '../../../src/storage/types';
import { apiGet } from '../../support/api';
import { send } from '../../support/http';

/**
 * An agent turn whose model call is judged by an evaluator: the OpenTelemetry GenAI evaluation event,
 * emitted in the context of the span it judges, as an instrumentation emits it.
 */
async function judgedTurn(
  service: string,
  spanExporter: SpanExporter,
  logExporter: LogRecordExporter,
): Promise<{ traceId: string; judged: string; root: string }> {
  const resource = resourceFromAttributes({ 'service.name': service });
  const tracing = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const logging = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: logExporter })],
  });
  const tracer = tracing.getTracer('agent');
  const logger = logging.getLogger('evaluator', '1.0.0');
  const root = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
  const chat = tracer.startSpan(
    'chat gpt-4o',
    { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' } },
    trace.setSpan(context.active(), root),
  );
  chat.end();
  logger.emit({
    eventName: EVALUATION_EVENT,
    severityNumber: SeverityNumber.INFO,
    context: trace.setSpan(context.active(), chat),
    attributes: {
      'gen_ai.evaluation.name': 'Relevance',
      'gen_ai.evaluation.score.value': 0.25,
      'gen_ai.evaluation.score.label': 'irrelevant',
      'gen_ai.evaluation.explanation': 'talks about Tokyo, not Kyoto',
      'gen_ai.response.id': 'chatcmpl-42',
    },
  });
  // An ordinary log beside it stays only a log.
  logger.emit({
    body: 'turn finished',
    severityNumber: SeverityNumber.INFO,
    context: trace.setSpan(context.active(), root),
  });
  root.end();
  await tracing.forceFlush();
  await logging.forceFlush();
  await tracing.shutdown();
  await logging.shutdown();
  return { traceId: chat.spanContext().traceId, judged: chat.spanContext().spanId, root: root.spanContext().spanId };
}

async function expectScoreOnJudgedSpan(
  store: ObservabilityStore,
  turn: { traceId: string; judged: string },
  service: string,
) {
  const { scores } = await store.listScores({ filter: { traceId: turn.traceId } });
  expect(scores).toEqual([
    expect.objectContaining({
      traceId: turn.traceId,
      spanId: turn.judged,
      scorerId: 'Relevance',
      score: 0.25,
      reason: 'talks about Tokyo, not Kyoto',
      source: 'automated',
      serviceName: service,
      metadata: { label: 'irrelevant', 'gen_ai.response.id': 'chatcmpl-42' },
    }),
  ]);
  // The event is kept as a log as well.
  const { logs } = await store.listLogs({ filter: { traceId: turn.traceId }, order: 'asc' });
  expect(logs.map((log) => [log.eventName, log.spanId])).toEqual([
    [EVALUATION_EVENT, turn.judged],
    ['', expect.any(String) as unknown],
  ]);
}

describe('GenAI evaluation events become scores on the span they judge', () => {
  describe('over the receiver, from the OpenTelemetry JS logs exporters (OTLP/HTTP and OTLP/gRPC)', () => {
    let store: DuckDBStore;
    let receiver: ReceiverHandle;

    beforeAll(async () => {
      store = new DuckDBStore({ path: ':memory:' });
      receiver = await startReceiver({ store, port: 0, grpcPort: 0 });
    });

    afterAll(async () => {
      await receiver.close();
      await store.close();
    });

    it.each<[string, () => LogRecordExporter]>([
      ['protobuf', () => new ProtoLogExporter({ url: `${receiver.url}/v1/logs` })],
      ['json', () => new JsonLogExporter({ url: `${receiver.url}/v1/logs` })],
      ['grpc', () => new GrpcLogExporter({ url: `http://${receiver.grpcAddress}` })],
    ])('%s', async (transport, logExporter) => {
      const service = `evaluated-${transport}`;
      const turn = await judgedTurn(
        service,
        new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }),
        logExporter(),
      );
      await expectScoreOnJudgedSpan(store, turn, service);
      // And the API shows it on that span of the trace.
      const view = await apiGet(receiver.url, `/api/v1/traces/${turn.traceId}`, TraceViewSchema);
      expect(view.spans.map((span) => span.spanId).sort()).toEqual([turn.root, turn.judged].sort());
      expect(view.scores.map((score) => [score.spanId, score.scorerId])).toEqual([[turn.judged, 'Relevance']]);
    });

    it('keeps one score when the sender retries the same export', async () => {
      const captured: ReadableLogRecord[] = [];
      const capture: LogRecordExporter = {
        export: (logs, done) => {
          captured.push(...logs);
          done({ code: 0 });
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      };
      const turn = await judgedTurn('evaluated-retried', new InMemorySpanExporter(), capture);
      const body = Buffer.from(ProtobufLogsSerializer.serializeRequest(captured)!);
      for (let attempt = 0; attempt < 2; attempt++) {
        const answer = await send(receiver.url, {
          path: '/v1/logs',
          headers: { 'Content-Type': 'application/x-protobuf' },
          body,
        });
        expect(answer.status).toBe(200);
      }
      const { scores } = await apiGet(receiver.url, `/api/v1/scores?traceId=${turn.traceId}`, ScoreListSchema);
      expect(scores.map((score) => [score.spanId, score.score])).toEqual([[turn.judged, 0.25]]);
    });
  });

  it('in-process, through the DefaultExporter’s SDK log exporter', async () => {
    const exporter = new DefaultExporter({ storage: new DuckDBStore({ path: ':memory:' }) });
    try {
      const turn = await judgedTurn('evaluated-in-process', exporter.spanExporter, exporter.logRecordExporter);
      await expectScoreOnJudgedSpan(exporter.storage, turn, 'evaluated-in-process');
    } finally {
      await exporter.shutdown();
      await exporter.storage.close();
    }
  });
});
