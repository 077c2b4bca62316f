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

/** A score record's fields as given, typed already; what is left out gets its default. */
export type ScoreDraft = Partial<ScoreRecord>;
/** A feedback record's fields as given, typed already; what is left out gets its default. */
export type FeedbackDraft = Partial<FeedbackRecord>;

/**
 * A score record with the defaults filled in: a new UUID, now, `automated`, no tags or metadata.
 * Not validated: a missing `scorerId` or `score` stays missing, for validation to name.
 */
export function scoreWithDefaults(draft: ScoreDraft): ScoreRecord {
  return {
    scoreId: draft.scoreId ?? randomUUID(),
    timeUnixNano: draft.timeUnixNano ?? nowUnixNano(),
    traceId: draft.traceId ?? null,
    spanId: draft.spanId ?? null,
    scorerId: draft.scorerId!,
    scorerName: draft.scorerName ?? null,
    scorerVersion: draft.scorerVersion ?? null,
    score: draft.score!,
    reason: draft.reason ?? null,
    source: draft.source ?? 'automated',
    serviceName: draft.serviceName ?? null,
    ...contextOf(draft),
    tags: draft.tags ?? [],
    metadata: draft.metadata ?? {},
  };
}

/** A feedback record with the defaults filled in: a new UUID, now, from `user`. Not validated. */
export function feedbackWithDefaults(draft: FeedbackDraft): FeedbackRecord {
  return {
    feedbackId: draft.feedbackId ?? randomUUID(),
    timeUnixNano: draft.timeUnixNano ?? nowUnixNano(),
    traceId: draft.traceId ?? null,
    spanId: draft.spanId ?? null,
    source: draft.source ?? 'user',
    feedbackType: draft.feedbackType!,
    value: draft.value!,
    comment: draft.comment ?? null,
    serviceName: draft.serviceName ?? null,
    ...contextOf(draft),
    tags: draft.tags ?? [],
    metadata: draft.metadata ?? {},
  };
}

/** Builds a score record, or throws a {@link RecordValidationError} that names the bad field. */
export function scoreFromInput(input: ScoreInput): ScoreRecord {
  const { timestamp, metadata, ...fields } = input;
  return validated(
    'scores',
    scoreWithDefaults({ ...fields, timeUnixNano: timeOf(timestamp), metadata: toAttributeMap(metadata) }),
  );
}

/** Builds a feedback record, or throws a {@link RecordValidationError} that names the bad field. */
export function feedbackFromInput(input: FeedbackInput): FeedbackRecord {
  const { timestamp, metadata, ...fields } = input;
  return validated(
    'feedback',
    feedbackWithDefaults({ ...fields, timeUnixNano: timeOf(timestamp), metadata: toAttributeMap(metadata) }),
  );
}
