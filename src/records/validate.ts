import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Kind, type TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { OtelBridgeError } from '../errors';
import { attributeMapProblem, attributeValueProblem } from './attribute-check';
import {
  ATTRIBUTE_MAP_KIND,
  ATTRIBUTE_VALUE_KIND,
  FeedbackRecordSchema,
  LogRecordSchema,
  MetricRecordSchema,
  ScoreRecordSchema,
  SpanRecordSchema,
} from './schemas';
import type { MetricRecord, RecordOf, Signal, SpanRecord } from './types';

/** One problem with one record: which record, which field, and what is wrong. */
export interface ValidationIssue {
  /** Position of the record in the batch that was validated. */
  index: number;
  /** JSON-pointer path of the field, such as `/traceId` or `/events/0/timeUnixNano`. */
  path: string;
  message: string;
}

/** Some records of a batch are invalid. Nothing of the batch was written. */
export class RecordValidationError extends OtelBridgeError {
  readonly signal: Signal;
  readonly issues: readonly ValidationIssue[];

  constructor(signal: Signal, issues: readonly ValidationIssue[]) {
    const first = issues[0];
    const where = first ? `record ${first.index}: ${first.path || '/'} ${first.message}` : 'no details';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('INVALID_RECORD', `invalid ${signal} ${where}${more}`);
    this.signal = signal;
    this.issues = issues;
  }

  /** The positions of the invalid records, without repeats. */
  get invalidIndexes(): number[] {
    return [...new Set(this.issues.map((issue) => issue.index))];
  }
}

type SemanticCheck<T> = (record: T) => { path: string; message: string } | null;

const checkSpan: SemanticCheck<SpanRecord> = (span) => {
  if (span.endTimeUnixNano < span.startTimeUnixNano) {
    return { path: '/endTimeUnixNano', message: 'must not be before startTimeUnixNano' };
  }
  if (span.durationNano !== span.endTimeUnixNano - span.startTimeUnixNano) {
    return { path: '/durationNano', message: 'must equal endTimeUnixNano - startTimeUnixNano' };
  }
  if (span.running && span.durationNano !== 0n) {
    return { path: '/running', message: 'a running span must end when it starts (duration 0)' };
  }
  return null;
};

const checkMetric: SemanticCheck<MetricRecord> = (metric) => {
  const missing = (field: keyof MetricRecord) =>
    metric[field] === null ? { path: `/${field}`, message: `is required for a ${metric.type} point` } : null;
  switch (metric.type) {
    case 'gauge':
      return missing('value');
    case 'sum':
      return missing('value') ?? missing('temporality') ?? missing('isMonotonic');
    case 'histogram':
      return (
        missing('count') ??
        missing('temporality') ??
        missing('explicitBounds') ??
        missing('bucketCounts') ??
        (metric.bucketCounts!.length !== 0 && metric.bucketCounts!.length !== metric.explicitBounds!.length + 1
          ? { path: '/bucketCounts', message: 'must have one more entry than explicitBounds' }
          : null)
      );
    case 'exponential_histogram':
      return (
        missing('count') ??
        missing('temporality') ??
        missing('scale') ??
        missing('zeroCount') ??
        missing('positive') ??
        missing('negative')
      );
    case 'summary':
      return missing('count') ?? missing('quantiles');
  }
};

interface Validator<T> {
  check: TypeCheck<TSchema>;
  semantic: SemanticCheck<T> | null;
}

/** TypeBox reports only that an attribute kind failed; the hand-written check says where inside. */
function attributeProblemAt(schema: TSchema, value: unknown) {
  if (schema[Kind] === ATTRIBUTE_MAP_KIND) return attributeMapProblem(value);
  if (schema[Kind] === ATTRIBUTE_VALUE_KIND) return attributeValueProblem(value);
  return null;
}

function validator<T>(schema: TSchema, semantic: SemanticCheck<T> | null): Validator<T> {
  return { check: TypeCompiler.Compile(schema), semantic };
}

const VALIDATORS: { [S in Signal]: Validator<RecordOf[S]> } = {
  spans: validator(SpanRecordSchema, checkSpan),
  logs: validator(LogRecordSchema, null),
  metrics: validator(MetricRecordSchema, checkMetric),
  scores: validator(ScoreRecordSchema, null),
  feedback: validator(FeedbackRecordSchema, null),
};

/** Every problem with each record of a batch; an empty list means the batch is valid. */
export function findInvalidRecords<S extends Signal>(signal: S, records: readonly unknown[]): ValidationIssue[] {
  const { check, semantic } = VALIDATORS[signal] as Validator<RecordOf[S]>;
  const issues: ValidationIssue[] = [];
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    if (!check.Check(record)) {
      const first = check.Errors(record).First();
      const inner = first ? attributeProblemAt(first.schema, first.value) : null;
      issues.push({
        index,
        path: (first?.path ?? '') + (inner?.path ?? ''),
        message: inner?.message ?? first?.message ?? 'is not a valid record',
      });
      continue;
    }
    const problem = semantic?.(record as RecordOf[S]);
    if (problem) issues.push({ index, ...problem });
  }
  return issues;
}

/** The member error that says most about a failed union: not "expected null" for a nullable field. */
function unionDetail(error: ValueError): ValueError {
  for (const member of error.errors) {
    const first = member.First();
    if (first && first.type !== ValueErrorType.Null)
      return first.type === ValueErrorType.Union ? unionDetail(first) : first;
  }
  return error;
}

/**
 * Every problem with one record, one per field (the first found there), for callers that answer
 * with all of them at once, such as the HTTP API. {@link findInvalidRecords} stops at the first.
 */
export function recordFieldIssues<S extends Signal>(signal: S, record: unknown): { path: string; message: string }[] {
  const { check, semantic } = VALIDATORS[signal] as Validator<RecordOf[S]>;
  if (check.Check(record)) {
    const problem = semantic?.(record as RecordOf[S]);
    return problem ? [problem] : [];
  }
  const byPath = new Map<string, string>();
  for (const found of check.Errors(record)) {
    const error = found.type === ValueErrorType.Union ? unionDetail(found) : found;
    const inner = attributeProblemAt(error.schema, error.value);
    const path = found.path + (inner?.path ?? '');
    const message = found.value === undefined ? 'is required' : (inner?.message ?? error.message);
    if (!byPath.has(path)) byPath.set(path, message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

/** Throws a {@link RecordValidationError} that names every invalid record and its first bad field. */
export function assertValidRecords<S extends Signal>(
  signal: S,
  records: readonly unknown[],
): asserts records is readonly RecordOf[S][] {
  const issues = findInvalidRecords(signal, records);
  if (issues.length > 0) throw new RecordValidationError(signal, issues);
}
