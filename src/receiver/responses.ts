import type { OtlpEncoding, OtlpSignal } from '../mapping/otlp';

/**
 * The bodies OTLP/HTTP answers with, in the request's encoding. Written from the specification's
 * field numbers:
 * - `Export{Trace,Logs,Metrics}ServiceResponse`: 1 `partial_success`, whose fields are
 *   1 `rejected_{spans,log_records,data_points}` (int64) and 2 `error_message` (string);
 * - `google.rpc.Status`: 1 `code` (int32), 2 `message` (string), 3 `details` (repeated
 *   `google.protobuf.Any`: 1 `type_url`, 2 `value`);
 * - `google.rpc.RetryInfo`: 1 `retry_delay` (`google.protobuf.Duration`: 1 `seconds`, 2 `nanos`).
 */

const REJECTED_FIELD: Record<OtlpSignal, string> = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
};

export const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function varintField(field: number, value: number): number[] {
  return value === 0 ? [] : [(field << 3) | 0, ...varint(value)];
}

function bytesField(field: number, bytes: Uint8Array | number[]): number[] {
  return bytes.length === 0 ? [] : [(field << 3) | 2, ...varint(bytes.length), ...bytes];
}

const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];

/** An export response; `partialSuccess` is present only when something was rejected or said. */
export function exportResponse(
  signal: OtlpSignal,
  encoding: OtlpEncoding,
  rejected: number,
  errorMessage: string,
): Buffer {
  const partial = rejected > 0 || errorMessage !== '';
  if (encoding === 'json') {
    return Buffer.from(
      JSON.stringify(partial ? { partialSuccess: { [REJECTED_FIELD[signal]]: String(rejected), errorMessage } } : {}),
    );
  }
  if (!partial) return Buffer.alloc(0);
  return Buffer.from(bytesField(1, [...varintField(1, rejected), ...bytesField(2, utf8(errorMessage))]));
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/** A `google.rpc.Status` in protobuf; with a retry delay, it carries one `RetryInfo` detail. */
export function statusBytes(code: number, message: string, retryAfterSeconds: number | null = null): Buffer {
  const details: number[] = [];
  if (retryAfterSeconds !== null) {
    const seconds = Math.floor(retryAfterSeconds);
    const nanos = Math.round((retryAfterSeconds - seconds) * 1e9);
    const retryInfo = bytesField(1, [...varintField(1, seconds), ...varintField(2, nanos)]);
    details.push(...bytesField(3, [...bytesField(1, utf8(RETRY_INFO_TYPE)), ...bytesField(2, retryInfo)]));
  }
  return Buffer.from([...varintField(1, code), ...bytesField(2, utf8(message)), ...details]);
}

/** A `google.rpc.Status` error body, as OTLP/HTTP answers an error. */
export function statusResponse(encoding: OtlpEncoding, code: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message, details: [] }));
  return statusBytes(code, message);
}
