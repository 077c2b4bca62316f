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

/**
 * The most text one record may hold, in UTF-8 bytes: its strings, attribute keys and bytes (as
 * base64). DuckDB holds a whole cell in its buffer pool (96 MB by default, `memoryLimit`): it refused
 * a single 31 MiB attribute value there, while ClickHouse took 64 MiB. OTLP's 20 MiB body limit
 * keeps received records under it; the bound is for records handed over in process.
 */
export const MAX_RECORD_TEXT_BYTES = 16 * 2 ** 20;

/** The text in a value: UTF-16 units, or UTF-8 bytes when `exact`. Validation has bounded its depth. */
function textSize(value: unknown, exact: boolean): number {
  if (typeof value === 'string') return exact ? Buffer.byteLength(value, 'utf8') : value.length;
  if (typeof value !== 'object' || value === null) return 0;
  if (value instanceof Uint8Array) return Math.ceil(value.byteLength / 3) * 4;
  let size = 0;
  if (Array.isArray(value)) for (const item of value) size += textSize(item, exact);
  else
    for (const key in value)
      size +=
        (exact ? Buffer.byteLength(key, 'utf8') : key.length) +
        textSize((value as Record<string, unknown>)[key], exact);
  return size;
}

/** A record's text; its resource and scope, which the records of a batch share, are measured once per batch. */
function recordText(record: object, exact: boolean, shared: Map<object, number>): number {
  let size = 0;
  for (const key in record) {
    const value = (record as Record<string, unknown>)[key];
    if ((key === 'resource' || key === 'scope') && typeof value === 'object' && value !== null) {
      let known = shared.get(value);
      if (known === undefined) shared.set(value, (known = textSize(value, exact)));
      size += known;
    } else size += textSize(value, exact);
  }
  return size;
}

/** Whether a record holds more than {@link MAX_RECORD_TEXT_BYTES} of text. */
function tooMuchText(record: object, units: Map<object, number>, bytes: Map<object, number>): boolean {
  // A UTF-16 unit takes at most three UTF-8 bytes: only a record near the bound is measured in bytes.
  if (recordText(record, false, units) * 3 <= MAX_RECORD_TEXT_BYTES) return false;
  return recordText(record, true, bytes) > MAX_RECORD_TEXT_BYTES;
}

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

/**
 * The innermost explanation of a TypeBox error. A union (such as a nullable field) says only that no
 * variant matched: its variants' deepest error is taken instead, preferring one that describes its
 * range. An attribute kind is explained by the hand-written check.
 */
function explain(error: ValueError): { path: string; message: string } {
  if (error.type === ValueErrorType.Union) {
    let best: ValueError | undefined;
    for (const variant of error.errors) {
      const first = variant.First();
      if (!first) continue;
      const deeper = best === undefined || first.path.length > best.path.length;
      const described = first.path.length === best?.path.length && !best.schema.description && first.schema.description;
      if (deeper || described) best = first;
    }
    if (best) return explain(best);
  }
  const inner = attributeProblemAt(error.schema, error.value);
  return {
    path: error.path + (inner?.path ?? ''),
    message: inner?.message ?? error.schema.description ?? error.message,
  };
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

/**
 * The first problem with each invalid record of a batch; an empty list means the batch is valid. Records
 * built outside otel-bridge's mappings are checked as the stores check every batch before a write.
 *
 * @example
 * ```ts
 * const issues = findInvalidRecords('scores', [score, { ...score, traceId: 'not-hex' }]);
 * for (const { index, path, message } of issues) console.warn(`score ${index}: ${path} ${message}`);
 * // score 1: /traceId …
 * ```
 */
export function findInvalidRecords<S extends Signal>(signal: S, records: readonly unknown[]): ValidationIssue[] {
  const { check, semantic } = VALIDATORS[signal] as Validator<RecordOf[S]>;
  const issues: ValidationIssue[] = [];
  const sharedUnits = new Map<object, number>();
  const sharedBytes = new Map<object, number>();
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    if (!check.Check(record)) {
      const first = check.Errors(record).First();
      issues.push({ index, ...(first ? explain(first) : { path: '', message: 'is not a valid record' }) });
      continue;
    }
    const problem = semantic?.(record as RecordOf[S]);
    if (problem) issues.push({ index, ...problem });
    else if (tooMuchText(record as object, sharedUnits, sharedBytes)) {
      issues.push({ index, path: '', message: `holds more than ${MAX_RECORD_TEXT_BYTES / 2 ** 20} MiB of text` });
    }
  }
  return issues;
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
    const { path, message } = explain(found);
    if (!byPath.has(path)) byPath.set(path, found.value === undefined ? 'is required' : message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

/**
 * Throws a {@link RecordValidationError} that names every invalid record and its first bad field; past it,
 * TypeScript knows `records` holds records of `signal`.
 *
 * @example
 * ```ts
 * const records: unknown[] = rows.map(spanFromMyFormat);
 * assertValidRecords('spans', records); // throws RecordValidationError: invalid spans record 0: /spanId …
 * await store.batchCreateSpans({ spans: records });
 * ```
 */
export function assertValidRecords<S extends Signal>(
  signal: S,
  records: readonly unknown[],
): asserts records is readonly RecordOf[S][] {
  const issues = findInvalidRecords(signal, records);
  if (issues.length > 0) throw new RecordValidationError(signal, issues);
}
