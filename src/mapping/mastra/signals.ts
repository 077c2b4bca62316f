import {
  SCORE_SOURCES,
  type FeedbackRecord,
  type LogRecord,
  type MetricRecord,
  type ScoreRecord,
  type ScoreSource,
} from '../../records/types';
import { contextOf } from '../hooks';
import { NO_METRIC_VALUES, buildLogRecord, buildMetricRecord } from '../records';
import { toAttributeMap, toAttributeValue } from '../values';
import { MASTRA_SCOPE, contextFromCorrelation, mastraResource, text, unixNanoOf } from './context';
import type { MastraExportedFeedback, MastraExportedLog, MastraExportedMetric, MastraExportedScore } from './types';

/** The lowest OpenTelemetry severity number of each Mastra level (DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21). */
const SEVERITY: Record<MastraExportedLog['level'], number> = { debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

/**
 * Maps a Mastra log to a record: its message is the body, its `data` the attributes (with its id
 * as `mastra.logId`), its correlation context the context fields.
 *
 * @example
 * ```ts
 * const record = logFromMastra(event.log, 'weather-app');
 * ```
 */
export function logFromMastra(log: MastraExportedLog, serviceName: string): LogRecord {
  const correlation = log.correlationContext;
  const time = unixNanoOf(log.timestamp);
  const attributes = toAttributeMap(log.data);
  attributes['mastra.logId'] = log.logId;
  const context = contextFromCorrelation(correlation, log.metadata);
  return buildLogRecord(
    {
      timeUnixNano: time,
      observedTimeUnixNano: time,
      severityNumber: SEVERITY[log.level] ?? 0,
      severityText: log.level.toUpperCase(),
      body: log.message,
      eventName: '',
      traceId: text(log.traceId) ?? text(correlation?.traceId) ?? null,
      spanId: text(log.spanId) ?? text(correlation?.spanId) ?? null,
      flags: 0,
      resource: mastraResource(text(correlation?.serviceName) ?? serviceName),
      scope: MASTRA_SCOPE,
      attributes,
      droppedAttributesCount: 0,
    },
    { ...context, tags: log.tags ?? context.tags },
  );
}

/**
 * Maps one Mastra metric observation to a gauge point. Its labels are the attributes, with its id
 * (`mastra.metricId`), its `costContext` (Mastra's estimated cost, under `costContext`, as Mastra
 * gives it) and its metadata (`mastra.metadata`); a `*_ms` name has the unit `ms`.
 *
 * @example
 * ```ts
 * const record = metricFromMastra(event.metric, 'weather-app');
 * ```
 */
export function metricFromMastra(metric: MastraExportedMetric, serviceName: string): MetricRecord {
  const correlation = metric.correlationContext;
  const time = unixNanoOf(metric.timestamp);
  const attributes = toAttributeMap(metric.labels);
  attributes['mastra.metricId'] = metric.metricId;
  if (metric.costContext) attributes.costContext = toAttributeValue(metric.costContext);
  if (metric.metadata && Object.keys(metric.metadata).length > 0) {
    attributes['mastra.metadata'] = toAttributeValue(metric.metadata);
  }
  return buildMetricRecord(
    {
      ...NO_METRIC_VALUES,
      name: metric.name,
      description: '',
      unit: metric.name.endsWith('_ms') ? 'ms' : '',
      type: 'gauge',
      temporality: null,
      isMonotonic: null,
      timeUnixNano: time,
      startTimeUnixNano: time,
      attributes,
      flags: 0,
      // Mastra's values are doubles, whole or not; an int here would make one series two types.
      value: metric.value,
      exemplars: [],
      resource: mastraResource(text(correlation?.serviceName) ?? serviceName),
      scope: MASTRA_SCOPE,
    },
    {
      ...contextFromCorrelation(correlation, undefined),
      traceId: text(metric.traceId) ?? text(correlation?.traceId) ?? null,
      spanId: text(metric.spanId) ?? text(correlation?.spanId) ?? null,
    },
  );
}

const SOURCES = new Set<string>(SCORE_SOURCES);

/**
 * Maps a Mastra score to a record. A source outside `manual`, `automated` and `experiment` is
 * stored as `automated`, and kept as given in `metadata.scoreSource`; the experiment, the scorer's
 * own trace and the target entity type are kept in `metadata` too.
 *
 * @example
 * ```ts
 * const record = scoreFromMastra(event.score, 'weather-app');
 * ```
 */
export function scoreFromMastra(score: MastraExportedScore, serviceName: string): ScoreRecord {
  const correlation = score.correlationContext;
  const source = text(score.scoreSource) ?? text(score.source);
  const known = source !== undefined && SOURCES.has(source);
  const context = contextFromCorrelation(correlation, score.metadata, {
    scoreSource: known ? undefined : source,
    experimentId: text(score.experimentId),
    scoreTraceId: text(score.scoreTraceId),
    targetEntityType: text(score.targetEntityType),
  });
  return {
    scoreId: score.scoreId,
    timeUnixNano: unixNanoOf(score.timestamp),
    traceId: text(score.traceId) ?? text(correlation?.traceId) ?? null,
    spanId: text(score.spanId) ?? text(correlation?.spanId) ?? null,
    scorerId: score.scorerId,
    scorerName: text(score.scorerName) ?? null,
    scorerVersion: text(score.scorerVersion) ?? null,
    score: score.score,
    reason: text(score.reason) ?? null,
    source: known ? (source as ScoreSource) : 'automated',
    serviceName: text(correlation?.serviceName) ?? serviceName,
    ...columns(context),
  };
}

/**
 * Maps Mastra feedback to a record. The user is `feedbackUserId` (or the deprecated `userId`), else
 * the correlation context's; the source defaults to `user`; `sourceId` and the experiment are kept
 * in `metadata`.
 *
 * @example
 * ```ts
 * const record = feedbackFromMastra(event.feedback, 'weather-app');
 * ```
 */
export function feedbackFromMastra(feedback: MastraExportedFeedback, serviceName: string): FeedbackRecord {
  const correlation = feedback.correlationContext;
  const context = contextFromCorrelation(correlation, feedback.metadata, {
    sourceId: text(feedback.sourceId),
    experimentId: text(feedback.experimentId),
  });
  const userId = text(feedback.feedbackUserId) ?? text(feedback.userId);
  return {
    feedbackId: feedback.feedbackId,
    timeUnixNano: unixNanoOf(feedback.timestamp),
    traceId: text(feedback.traceId) ?? text(correlation?.traceId) ?? null,
    spanId: text(feedback.spanId) ?? text(correlation?.spanId) ?? null,
    source: text(feedback.feedbackSource) ?? text(feedback.source) ?? 'user',
    feedbackType: feedback.feedbackType,
    value: feedback.value,
    comment: text(feedback.comment) ?? null,
    serviceName: text(correlation?.serviceName) ?? serviceName,
    ...columns({ ...context, userId: userId ?? context.userId }),
  };
}

/**
 * The context columns, tags and metadata of a score or feedback record, which has no attributes to derive them from.
 */
function columns(context: ReturnType<typeof contextFromCorrelation>) {
  return { ...contextOf(context), tags: context.tags ?? [], metadata: context.metadata ?? {} };
}
