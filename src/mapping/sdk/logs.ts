import type { LogRecord } from '../../records/types';
import { buildLogRecord } from '../records';
import { toAttributeMap, toAttributeValue } from '../values';
import { hrTimeToUnixNano, toResourceInfo, toScopeInfo } from './common';
import type { SdkReadableLogRecord } from './types';

/**
 * Maps an SDK log record to a record. Reads it structurally, so the 2.x and 3.x SDKs both work.
 *
 * @example
 * ```ts
 * const memory = new InMemoryLogRecordExporter();
 * // … after a LoggerProvider with a SimpleLogRecordProcessor over `memory` emitted some logs:
 * const logs = memory.getFinishedLogRecords().map(logFromSdk);
 * await store.batchCreateLogs({ logs });
 * ```
 */
export function logFromSdk(log: SdkReadableLogRecord): LogRecord {
  return buildLogRecord({
    timeUnixNano: hrTimeToUnixNano(log.hrTime),
    observedTimeUnixNano: hrTimeToUnixNano(log.hrTimeObserved),
    severityNumber: log.severityNumber ?? 0,
    severityText: log.severityText ?? '',
    body: toAttributeValue(log.body),
    eventName: log.eventName ?? '',
    traceId: log.spanContext?.traceId ?? null,
    spanId: log.spanContext?.spanId ?? null,
    flags: log.spanContext?.traceFlags ?? 0,
    resource: toResourceInfo(log.resource),
    scope: toScopeInfo(log.instrumentationScope),
    attributes: toAttributeMap(log.attributes),
    droppedAttributesCount: log.droppedAttributesCount,
  });
}
