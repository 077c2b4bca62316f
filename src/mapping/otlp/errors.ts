import { OtelBridgeError } from '../../errors';

/** How an OTLP/HTTP request body is encoded, from its `Content-Type`. */
export type OtlpEncoding = 'protobuf' | 'json';

/** The three OTLP export services, by the name of their `/v1/...` path. */
export type OtlpSignal = 'traces' | 'logs' | 'metrics';

/**
 * The body of an OTLP request cannot be decoded as a whole (malformed or truncated protobuf, invalid
 * JSON, a structurally wrong JSON document), so nothing of it was kept. An OTLP/HTTP server answers
 * it with 400, which clients do not retry.
 */
export class OtlpDecodeError extends OtelBridgeError {
  readonly encoding: OtlpEncoding;
  readonly signal: OtlpSignal;
  /** Where the problem is: a byte offset into a protobuf body, or a JSON path (`''` for the whole document). */
  readonly location: number | string;

  constructor(
    encoding: OtlpEncoding,
    signal: OtlpSignal,
    location: number | string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    const where = typeof location === 'number' ? ` at byte ${location}` : location === '' ? '' : ` at ${location}`;
    const format = encoding === 'protobuf' ? 'OTLP/protobuf' : 'OTLP/JSON';
    super('OTLP_DECODE', `invalid ${format} ${signal} request${where}: ${problem}`, options);
    this.encoding = encoding;
    this.signal = signal;
    this.location = location;
  }
}
