import type { AttributeMap, AttributeValue, LogRecord, ResourceInfo, ScopeInfo } from '../../records/types';
import { buildLogRecord, type LogData } from '../records';
import { checkTraceContext, type DecodeMeter, type DecodeResult } from './assembly';
import { decodeExportRequest, readAnyValue, readKeyValue, type SignalDecoder } from './common';
import { I32, I64, LEN, VARINT, tag, type WireReader } from './wire';

// LogRecord (opentelemetry.proto.logs.v1; field 4 is reserved)
const LOG_TIME = tag(1, I64); // fixed64 ns
const LOG_SEVERITY_NUMBER = tag(2, VARINT);
const LOG_SEVERITY_TEXT = tag(3, LEN);
const LOG_BODY = tag(5, LEN); // AnyValue
const LOG_ATTRIBUTES = tag(6, LEN); // KeyValue
const LOG_DROPPED_ATTRIBUTES_COUNT = tag(7, VARINT);
const LOG_FLAGS = tag(8, I32); // fixed32
const LOG_TRACE_ID = tag(9, LEN);
const LOG_SPAN_ID = tag(10, LEN);
const LOG_OBSERVED_TIME = tag(11, I64); // fixed64 ns
const LOG_EVENT_NAME = tag(12, LEN);

const LOGS: SignalDecoder<LogData, LogRecord> = {
  signal: 'logs',
  resourceGroups: 'resourceLogs',
  scopeGroups: 'scopeLogs',
  readItem(reader, end, resource, scope, out, collector, location, index) {
    const log = readLogRecord(reader, end, resource, scope);
    const problem = checkTraceContext(log);
    if (problem === null) {
      collector.expect();
      out.push(log);
    } else collector.reject(`log record at ${location}.logRecords[${index}]`, problem);
  },
  build: buildLogRecord,
  rebuild: buildLogRecord,
};

/** Decodes a protobuf `ExportLogsServiceRequest`. */
export function decodeLogsProtobuf(body: Uint8Array, meter?: DecodeMeter): DecodeResult<LogRecord> {
  return decodeExportRequest(body, LOGS, meter);
}

function readLogRecord(reader: WireReader, end: number, resource: ResourceInfo, scope: ScopeInfo): LogData {
  let timeUnixNano = 0n;
  let observedTimeUnixNano = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AttributeValue = null;
  let eventName = '';
  let traceId = '';
  let spanId = '';
  let flags = 0;
  let droppedAttributesCount = 0;
  const attributes: AttributeMap = {};
  while (reader.pos < end) {
    const field = reader.tag();
    switch (field) {
      case LOG_TIME:
        timeUnixNano = reader.fixed64();
        break;
      case LOG_SEVERITY_NUMBER:
        severityNumber = reader.uint32();
        break;
      case LOG_SEVERITY_TEXT:
        severityText = reader.string(end);
        break;
      case LOG_BODY:
        body = readAnyValue(reader, reader.end(end), 0);
        break;
      case LOG_ATTRIBUTES:
        readKeyValue(reader, reader.end(end), attributes);
        break;
      case LOG_DROPPED_ATTRIBUTES_COUNT:
        droppedAttributesCount = reader.uint32();
        break;
      case LOG_FLAGS:
        flags = reader.fixed32();
        break;
      case LOG_TRACE_ID:
        traceId = reader.hex(end);
        break;
      case LOG_SPAN_ID:
        spanId = reader.hex(end);
        break;
      case LOG_OBSERVED_TIME:
        observedTimeUnixNano = reader.fixed64();
        break;
      case LOG_EVENT_NAME:
        eventName = reader.string(end);
        break;
      default:
        reader.skip(field, end);
    }
  }
  reader.finish(end);
  return {
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body,
    eventName,
    traceId,
    spanId,
    flags,
    resource,
    scope,
    attributes,
    droppedAttributesCount,
  };
}
