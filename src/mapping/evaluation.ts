import { createHash } from 'node:crypto';
import type { AttributeMap, LogRecord, ScoreRecord } from '../records/types';

/**
 * The OpenTelemetry GenAI evaluation event: a log record named `gen_ai.evaluation.result`, emitted
 * in the context of the span it judges, that carries the evaluator's name, its score, a label and an
 * explanation.
 */
export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

const NAME = 'gen_ai.evaluation.name';
const SCORE_VALUE = 'gen_ai.evaluation.score.value';
const SCORE_LABEL = 'gen_ai.evaluation.score.label';
const EXPLANATION = 'gen_ai.evaluation.explanation';
/** Older instrumentations name an event in this attribute instead of the log record's event name. */
const EVENT_NAME_ATTRIBUTE = 'event.name';

const MAPPED = new Set([NAME, SCORE_VALUE, SCORE_LABEL, EXPLANATION, EVENT_NAME_ATTRIBUTE]);

function isEvaluation(log: LogRecord): boolean {
  return log.eventName === EVALUATION_EVENT || log.attributes[EVENT_NAME_ATTRIBUTE] === EVALUATION_EVENT;
}

function numberOf(value: unknown): number | null {
  const number = typeof value === 'bigint' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
}

const textOf = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * A name-based UUID (version 8) of everything that identifies the event, so that an export retried
 * by its sender makes the same score, which stores keep once.
 */
function scoreIdOf(log: LogRecord, name: string, score: number): string {
  const hex = createHash('sha256')
    .update(
      JSON.stringify([
        log.traceId,
        log.spanId,
        String(log.timeUnixNano),
        String(log.observedTimeUnixNano),
        log.serviceName,
        name,
        score,
        log.attributes[SCORE_LABEL] ?? null,
        log.attributes[EXPLANATION] ?? null,
      ]),
    )
    .digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The score that a GenAI evaluation event reports, or `null` for any other log record and for an
 * evaluation without a name or a numeric score (a label alone is no score; the log keeps it).
 *
 * - `gen_ai.evaluation.name` is the scorer, `gen_ai.evaluation.score.value` the score and
 *   `gen_ai.evaluation.explanation` the reason;
 * - the label (`gen_ai.evaluation.score.label`) goes to `metadata.label`, with the event's other
 *   attributes beside it;
 * - the trace and span are the log record's context: the span that was evaluated;
 * - the source is `automated`, the time the event's (or when it was observed, if it has none).
 *
 * @example
 * ```ts
 * const scores = logs.map(scoreFromEvaluationEvent).filter((score) => score !== null);
 * ```
 */
export function scoreFromEvaluationEvent(log: LogRecord): ScoreRecord | null {
  if (!isEvaluation(log)) return null;
  const name = textOf(log.attributes[NAME]);
  const score = numberOf(log.attributes[SCORE_VALUE]);
  if (name === null || score === null) return null;
  const metadata: AttributeMap = {};
  const label = textOf(log.attributes[SCORE_LABEL]);
  if (label !== null) metadata.label = label;
  for (const key in log.attributes) if (!MAPPED.has(key)) metadata[key] = log.attributes[key]!;
  return {
    scoreId: scoreIdOf(log, name, score),
    timeUnixNano: log.timeUnixNano === 0n ? log.observedTimeUnixNano : log.timeUnixNano,
    traceId: log.traceId,
    spanId: log.spanId,
    scorerId: name,
    scorerName: null,
    scorerVersion: null,
    score,
    reason: textOf(log.attributes[EXPLANATION]),
    source: 'automated',
    serviceName: log.serviceName,
    entityType: log.entityType,
    entityId: log.entityId,
    entityName: log.entityName,
    userId: log.userId,
    organizationId: log.organizationId,
    resourceId: log.resourceId,
    runId: log.runId,
    sessionId: log.sessionId,
    threadId: log.threadId,
    requestId: log.requestId,
    environment: log.environment,
    tags: log.tags,
    metadata,
  };
}

/** The scores of every evaluation event among `logs`, in their order. */
export function scoresFromEvaluationEvents(logs: readonly LogRecord[]): ScoreRecord[] {
  const scores: ScoreRecord[] = [];
  for (const log of logs) {
    const score = scoreFromEvaluationEvent(log);
    if (score !== null) scores.push(score);
  }
  return scores;
}
