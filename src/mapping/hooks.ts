import { randomUUID } from 'node:crypto';
import {
  CONTEXT_FIELDS,
  type ContextFields,
  type FeedbackRecord,
  type ScoreRecord,
  type ScoreSource,
} from '../records/types';
import { RecordValidationError, findInvalidRecords } from '../records/validate';
import { toAttributeMap } from './values';

/** What an application passes to `recordScore`. Only `scorerId` and `score` are required. */
export interface ScoreInput extends Partial<ContextFields> {
  scorerId: string;
  score: number;
  /** Default: a new UUID. Reusing an id makes a retried call idempotent. */
  scoreId?: string;
  /** Default: now. */
  timestamp?: Date | bigint;
  traceId?: string | null;
  spanId?: string | null;
  scorerName?: string | null;
  scorerVersion?: string | null;
  reason?: string | null;
  /** Default `automated`. */
  source?: ScoreSource;
  serviceName?: string | null;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

/** What an application passes to `recordFeedback`. Only `feedbackType` and `value` are required. */
export interface FeedbackInput extends Partial<ContextFields> {
  feedbackType: string;
  value: number | string;
  /** Default: a new UUID. */
  feedbackId?: string;
  /** Default: now. */
  timestamp?: Date | bigint;
  traceId?: string | null;
  spanId?: string | null;
  /** Who gave it. Default `user`. */
  source?: string;
  comment?: string | null;
  serviceName?: string | null;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

/** Now, with the sub-millisecond part that `Date` lacks, as the OpenTelemetry SDK measures it. */
function nowUnixNano(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6));
}

function timeOf(timestamp: Date | bigint | undefined): bigint {
  if (timestamp === undefined) return nowUnixNano();
  return typeof timestamp === 'bigint' ? timestamp : BigInt(timestamp.getTime()) * 1_000_000n;
}

/** Every context field, `null` where `input` has none. */
export function contextOf(input: Partial<ContextFields>): ContextFields {
  return Object.fromEntries(CONTEXT_FIELDS.map((field) => [field, input[field] ?? null])) as unknown as ContextFields;
}

function validated<T>(signal: 'scores' | 'feedback', record: T): T {
  const issues = findInvalidRecords(signal, [record]);
  if (issues.length > 0) throw new RecordValidationError(signal, issues);
  return record;
}

/** Builds a score record, or throws a {@link RecordValidationError} that names the bad field. */
export function scoreFromInput(input: ScoreInput): ScoreRecord {
  return validated('scores', {
    ...contextOf(input),
    scoreId: input.scoreId ?? randomUUID(),
    timeUnixNano: timeOf(input.timestamp),
    traceId: input.traceId ?? null,
    spanId: input.spanId ?? null,
    scorerId: input.scorerId,
    scorerName: input.scorerName ?? null,
    scorerVersion: input.scorerVersion ?? null,
    score: input.score,
    reason: input.reason ?? null,
    source: input.source ?? 'automated',
    serviceName: input.serviceName ?? null,
    tags: input.tags ?? [],
    metadata: toAttributeMap(input.metadata),
  });
}

/** Builds a feedback record, or throws a {@link RecordValidationError} that names the bad field. */
export function feedbackFromInput(input: FeedbackInput): FeedbackRecord {
  return validated('feedback', {
    ...contextOf(input),
    feedbackId: input.feedbackId ?? randomUUID(),
    timeUnixNano: timeOf(input.timestamp),
    traceId: input.traceId ?? null,
    spanId: input.spanId ?? null,
    source: input.source ?? 'user',
    feedbackType: input.feedbackType,
    value: input.value,
    comment: input.comment ?? null,
    serviceName: input.serviceName ?? null,
    tags: input.tags ?? [],
    metadata: toAttributeMap(input.metadata),
  });
}
