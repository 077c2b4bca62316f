import type { LogRecord, MetricRecord, SpanRecord } from '../../records/types';
import type { DecodeResult } from './assembly';
import type { OtlpEncoding } from './errors';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './json';
import { decodeLogsProtobuf } from './logs';
import { decodeMetricsProtobuf } from './metrics';
import { decodeTracesProtobuf } from './traces';

/**
 * Decoders for OTLP/HTTP request bodies: an `Export*ServiceRequest`, in protobuf or JSON, becomes
 * records directly, through the same builders as the SDK exporters use, so that the same telemetry
 * makes the same records however it arrives.
 *
 * - An item (span, log record or data point) that cannot become a record, such as a span whose trace
 *   id is not 16 bytes, is counted in {@link DecodeResult.rejected} and the rest of the request is
 *   kept, as OTLP's partial success expects.
 * - A body that cannot be decoded as a whole throws {@link OtlpDecodeError}.
 * - Records are not validated here; the store validates what it writes.
 * - In JSON, 64-bit integers are exact when sent as decimal strings, as OTLP/JSON prescribes. One sent
 *   as a JSON number above 2^53 is already rounded by `JSON.parse`.
 * - Counts (`count`, `bucketCounts`, `zeroCount`) are numbers, exact up to 2^53.
 */

export type { DecodeResult } from './assembly';
export { OtlpDecodeError, type OtlpEncoding, type OtlpSignal } from './errors';

/**
 * Decodes the body of an OTLP/HTTP `/v1/traces` request (`ExportTraceServiceRequest`).
 *
 * @param body - the request body, after any `Content-Encoding` was undone; zero bytes (protobuf) or `{}`
 *   (JSON) is an empty request
 * @param encoding - `protobuf` for `application/x-protobuf`, `json` for `application/json`
 * @throws {@link OtlpDecodeError} when the body is not a decodable request
 *
 * @example
 * ```ts
 * const { records, rejected, errorMessage } = decodeTraces(body, 'protobuf');
 * await pipeline.submit('spans', records);
 * if (rejected > 0) console.warn(`${rejected} spans rejected: ${errorMessage}`);
 * ```
 */
export function decodeTraces(body: Uint8Array, encoding: OtlpEncoding): DecodeResult<SpanRecord> {
  return encoding === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body);
}

/**
 * Decodes the body of an OTLP/HTTP `/v1/logs` request (`ExportLogsServiceRequest`).
 *
 * @param body - the request body, after any `Content-Encoding` was undone
 * @param encoding - `protobuf` or `json`
 * @throws {@link OtlpDecodeError} when the body is not a decodable request
 *
 * @example
 * ```ts
 * const body = new TextEncoder().encode(JSON.stringify({ resourceLogs: [] }));
 * decodeLogs(body, 'json'); // { records: [], rejected: 0, errorMessage: '' }
 * ```
 */
export function decodeLogs(body: Uint8Array, encoding: OtlpEncoding): DecodeResult<LogRecord> {
  return encoding === 'protobuf' ? decodeLogsProtobuf(body) : decodeLogsJson(body);
}

/**
 * Decodes the body of an OTLP/HTTP `/v1/metrics` request (`ExportMetricsServiceRequest`): one record
 * per data point.
 *
 * @param body - the request body, after any `Content-Encoding` was undone
 * @param encoding - `protobuf` or `json`
 * @throws {@link OtlpDecodeError} when the body is not a decodable request
 *
 * @example
 * ```ts
 * try {
 *   const { records } = decodeMetrics(gunzipSync(body), 'protobuf');
 *   await store.batchRecordMetrics({ metrics: records });
 * } catch (error) {
 *   if (error instanceof OtlpDecodeError) response.writeHead(400).end(error.message);
 *   else throw error;
 * }
 * ```
 */
export function decodeMetrics(body: Uint8Array, encoding: OtlpEncoding): DecodeResult<MetricRecord> {
  return encoding === 'protobuf' ? decodeMetricsProtobuf(body) : decodeMetricsJson(body);
}
