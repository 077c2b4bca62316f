import { Client, credentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { Field, Root, Type } from 'protobufjs';

/** The OTLP export methods, by their full gRPC paths. */
export const EXPORT = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
} as const;

export interface GrpcAnswer {
  error: ServiceError | null;
  response: Buffer | null;
}

export interface CallOptions {
  metadata?: Record<string, string>;
  /** grpc-js channel options, such as compression or a service config with a retry policy. */
  channel?: Record<string, unknown>;
  credentials?: ChannelCredentials;
}

const identity = (bytes: Buffer): Buffer => bytes;

/** A real grpc-js client that sends raw bytes and gets raw bytes, as the OpenTelemetry JS exporters do. */
export function grpcClient(address: string, options: CallOptions = {}): Client {
  return new Client(address, options.credentials ?? credentials.createInsecure(), options.channel ?? {});
}

/** One unary call; never rejects, so that a test can look at the status it got. */
export function callExport(client: Client, method: string, body: Buffer, metadata: Record<string, string> = {}) {
  const headers = new Metadata();
  for (const [name, value] of Object.entries(metadata)) headers.set(name, value);
  return new Promise<GrpcAnswer>((resolve) => {
    client.makeUnaryRequest(method, identity, identity, body, headers, (error, response) =>
      resolve({ error: error ?? null, response: response ?? null }),
    );
  });
}

/** Calls once on a fresh client, and closes it. */
export async function callOnce(address: string, method: string, body: Buffer, options: CallOptions = {}) {
  const client = grpcClient(address, options);
  try {
    return await callExport(client, method, body, options.metadata);
  } finally {
    client.close();
  }
}

// google.rpc.Status and the OTLP responses, declared by their field numbers with protobufjs, so that
// the tests read the server's bytes with a decoder that is not the server's own writer.
const root = new Root();
root.add(new Type('Duration').add(new Field('seconds', 1, 'int64')).add(new Field('nanos', 2, 'int32')));
root.add(new Type('RetryInfo').add(new Field('retryDelay', 1, 'Duration')));
root.add(new Type('Any').add(new Field('typeUrl', 1, 'string')).add(new Field('value', 2, 'bytes')));
root.add(
  new Type('Status')
    .add(new Field('code', 1, 'int32'))
    .add(new Field('message', 2, 'string'))
    .add(new Field('details', 3, 'Any', 'repeated')),
);
root.add(new Type('PartialSuccess').add(new Field('rejected', 1, 'int64')).add(new Field('errorMessage', 2, 'string')));
root.add(new Type('ExportResponse').add(new Field('partialSuccess', 1, 'PartialSuccess')));
root.resolveAll();

/** The `google.rpc.Status` in an error's `grpc-status-details-bin` trailer, and its RetryInfo delay in ms. */
export function statusDetails(error: ServiceError): { code: number; message: string; retryDelayMs: number | null } {
  const bytes = error.metadata.get('grpc-status-details-bin')[0];
  if (!Buffer.isBuffer(bytes)) throw new Error('no grpc-status-details-bin trailer');
  const status = root.lookupType('Status').toObject(root.lookupType('Status').decode(bytes), { longs: Number }) as {
    code: number;
    message: string;
    details?: { typeUrl: string; value: Uint8Array }[];
  };
  const retryInfo = (status.details ?? []).find((detail) => detail.typeUrl.endsWith('/google.rpc.RetryInfo'));
  let retryDelayMs: number | null = null;
  if (retryInfo) {
    const type = root.lookupType('RetryInfo');
    const { retryDelay } = type.toObject(type.decode(retryInfo.value), { longs: Number, defaults: true }) as {
      retryDelay: { seconds: number; nanos: number };
    };
    retryDelayMs = retryDelay.seconds * 1000 + retryDelay.nanos / 1e6;
  }
  return { code: status.code, message: status.message, retryDelayMs };
}

/** An `Export*ServiceResponse`: its partial success, if any. */
export function partialSuccess(response: Buffer): { rejected: number; errorMessage: string } | null {
  const type = root.lookupType('ExportResponse');
  const decoded = type.toObject(type.decode(response), { longs: Number, defaults: false }) as {
    partialSuccess?: { rejected?: number; errorMessage?: string };
  };
  if (!decoded.partialSuccess) return null;
  return { rejected: decoded.partialSuccess.rejected ?? 0, errorMessage: decoded.partialSuccess.errorMessage ?? '' };
}
