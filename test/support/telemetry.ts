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
