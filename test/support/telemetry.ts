import { SpanKind, SpanStatusCode, ValueType, context, trace, type Meter, type Tracer } from '@opentelemetry/api';
import { SeverityNumber, type Logger } from '@opentelemetry/api-logs';
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

/** Finished spans made by a real SDK tracer, one trace each. */
export function sdkSpans(
  count: number,
  attributes: Record<string, string | number | boolean> = {},
  serviceName?: string,
): ReadableSpan[] {
  const finished: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    ...(serviceName ? { resource: { attributes: { 'service.name': serviceName } } as never } : {}),
    spanProcessors: [
      new SimpleSpanProcessor({
        export: (spans, done) => {
          finished.push(...spans);
          done({ code: 0 });
        },
        shutdown: () => Promise.resolve(),
      }),
    ],
  });
  const tracer = provider.getTracer('test');
  for (let i = 0; i < count; i++) tracer.startSpan(`span ${i}`, { attributes }).end();
  return finished;
}

/** An OTLP traces request body, encoded by OpenTelemetry JS's own serializers. */
export function tracesBody(spans: ReadableSpan[], encoding: 'protobuf' | 'json'): Buffer {
  const serializer = encoding === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
  return Buffer.from(serializer.serializeRequest(spans)!);
}

/**
 * A zstd frame of raw and RLE blocks, written from RFC 8878: enough to prove that the receiver
 * decodes zstd, without a compressor in the dependencies.
 */
export function zstdFrame(blocks: ({ raw: Buffer } | { rle: number; size: number })[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from([0x00, 0x58])];
  blocks.forEach((block, index) => {
    const last = index === blocks.length - 1 ? 1 : 0;
    const type = 'raw' in block ? 0 : 1;
    const size = 'raw' in block ? block.raw.length : block.size;
    const header = last | (type << 1) | (size << 3);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]));
    parts.push('raw' in block ? block.raw : Buffer.from([block.rle]));
  });
  return Buffer.concat(parts);
}

/**
 * An agent turn through a real tracer: a server root span with attributes of every type, and a client
 * child with a link, an event, an exception and an error status.
 */
export function emitAgentTurn(tracer: Tracer): void {
  const root = tracer.startSpan('invoke_agent planner', {
    kind: SpanKind.SERVER,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'user.id': 'u-1',
      count: 3,
      ratio: 0.25,
      ok: true,
      tags: ['a', 'b'],
      unicode: '日本 🚀',
      empty: '',
    },
  });
  const child = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 5,
      },
      links: [{ context: root.spanContext(), attributes: { reason: 'parent' } }],
    },
    trace.setSpan(context.active(), root),
  );
  child.addEvent('token', { index: 1 });
  child.recordException(new RangeError('too long'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'too long' });
  child.end();
  root.end();
}

/** Two log records through a real logger: a string body with attributes, and a structured event body. */
export function emitLogs(logger: Logger): void {
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'payment failed',
    attributes: { 'order.id': 77, retry: false },
  });
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    body: { event: 'login', user: { id: 'u-9', admin: false }, tries: [1, 2] },
    eventName: 'user.login',
  });
}

/** One measurement on each kind of SDK instrument: counter, up-down counter, histogram and gauge. */
export function recordEveryInstrument(meter: Meter): void {
  meter.createCounter('requests', { valueType: ValueType.INT }).add(7, { route: '/a' });
  meter.createUpDownCounter('inflight').add(-2);
  meter.createHistogram('latency', { unit: 'ms' }).record(42.5, { route: '/a' });
  meter.createGauge('temperature').record(19.5);
}
