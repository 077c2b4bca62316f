import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Pipeline {
  receivers: string[];
  processors: string[];
  exporters: string[];
}

interface CollectorConfig {
  receivers: Record<string, { protocols: Record<string, { endpoint: string }> }>;
  processors: Record<string, Record<string, unknown>>;
  exporters: Record<
    string,
    Record<string, unknown> & { retry_on_failure: { enabled: boolean }; sending_queue: { enabled: boolean } }
  >;
  extensions: Record<string, unknown>;
  service: { extensions: string[]; pipelines: Record<string, Pipeline> };
}

describe('otel-collector-config.yaml', () => {
  const config = parse(
    readFileSync(join(__dirname, '..', '..', '..', 'otel-collector-config.yaml'), 'utf8'),
  ) as CollectorConfig;

  it('receives OTLP over gRPC and HTTP on the standard ports', () => {
    expect(config.receivers.otlp!.protocols.grpc!.endpoint).toBe('0.0.0.0:4317');
    expect(config.receivers.otlp!.protocols.http!.endpoint).toBe('0.0.0.0:4318');
  });

  it('runs traces, logs and metrics through memory_limiter first, then batch, into otel-bridge', () => {
    expect(Object.keys(config.service.pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const pipeline of Object.values(config.service.pipelines)) {
      expect(pipeline.processors).toEqual(['memory_limiter', 'batch']);
      expect(pipeline.receivers).toEqual(['otlp']);
      expect(pipeline.exporters).toEqual(['otlphttp/otel-bridge']);
    }
  });

  it('references only components it defines', () => {
    for (const pipeline of Object.values(config.service.pipelines)) {
      for (const name of pipeline.receivers) expect(config.receivers).toHaveProperty([name]);
      for (const name of pipeline.processors) expect(config.processors).toHaveProperty([name]);
      for (const name of pipeline.exporters) expect(config.exporters).toHaveProperty([name]);
    }
    for (const name of config.service.extensions) expect(config.extensions).toHaveProperty([name]);
  });

  it('sends protobuf with gzip to otel-bridge, retrying with a sending queue', () => {
    const exporter = config.exporters['otlphttp/otel-bridge']!;
    expect(exporter).toMatchObject({ endpoint: '${env:OTEL_BRIDGE_ENDPOINT}', encoding: 'proto', compression: 'gzip' });
    expect(exporter.retry_on_failure.enabled).toBe(true);
    expect(exporter.sending_queue.enabled).toBe(true);
  });

  it('offers the otlp (gRPC) exporter to otel-bridge, with no default endpoint (on this host 4317 is the Collector itself), delivering exactly as otlphttp does', () => {
    const grpc = config.exporters['otlp/otel-bridge']!;
    expect(grpc).toMatchObject({
      endpoint: '${env:OTEL_BRIDGE_GRPC_ENDPOINT}',
      compression: 'gzip',
      tls: { insecure: true },
    });
    const { endpoint: _http, encoding: _encoding, ...httpDelivery } = config.exporters['otlphttp/otel-bridge']!;
    const { endpoint: _grpc, tls: _tls, ...grpcDelivery } = grpc;
    expect(grpcDelivery).toEqual(httpDelivery);
  });
});
