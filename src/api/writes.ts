import { feedbackWithDefaults, scoreWithDefaults } from '../mapping/hooks';
import { FeedbackRecordSchema, ScoreRecordSchema } from '../records/schemas';
import type { RecordOf } from '../records/types';
import { recordFieldIssues, type ValidationIssue } from '../records/validate';
import { codecFor, type Codec } from './codec';
import { ApiError } from './errors';
import { FeedbackWrittenSchema, ScoresWrittenSchema } from './schemas';

/** What `POST /v1/scores` and `POST /v1/feedback` take: the record's fields, in the codec's JSON. */
interface Writable<R> {
  draft: Codec<Partial<R>>;
  withDefaults: (draft: Partial<R>) => R;
  /** The JSON of the answer: the records as stored. */
  written: (records: R[]) => string;
}

const scoresWritten = codecFor(ScoresWrittenSchema);
const feedbackWritten = codecFor(FeedbackWrittenSchema);

export const WRITABLE: { [S in 'scores' | 'feedback']: Writable<RecordOf[S]> } = {
  scores: {
    draft: codecFor(ScoreRecordSchema),
    withDefaults: scoreWithDefaults,
    written: (scores) => scoresWritten.stringify({ scores }),
  },
  feedback: {
    draft: codecFor(FeedbackRecordSchema),
    withDefaults: feedbackWithDefaults,
    written: (feedback) => feedbackWritten.stringify({ feedback }),
  },
};

export type WritableSignal = keyof typeof WRITABLE;

/**
 * The records of a posted body: one object or an array of them, each with the record's fields in
 * the codec's JSON, defaults filled in for what is left out (a new id, now, the default source).
 * Throws an {@link ApiError} 400 that lists every problem of every item.
 */
export function recordsFromBody<S extends WritableSignal>(signal: S, body: unknown): RecordOf[S][] {
  const { draft, withDefaults }: Writable<RecordOf[S]> = WRITABLE[signal];
  const items = Array.isArray(body) ? (body as unknown[]) : [body];
  const issues: ValidationIssue[] = [];
  const records = items.map((item, index) => {
    const parsed = draft.parse(item);
    for (const issue of parsed.issues) issues.push({ index, ...issue });
    if (parsed.issues.some((issue) => issue.path === '')) return null;
    const record = withDefaults(parsed.value);
    const reported = new Set(parsed.issues.map((issue) => issue.path));
    for (const issue of recordFieldIssues(signal, record)) {
      if (!reported.has(issue.path)) issues.push({ index, ...issue });
    }
    return record;
  });
  if (issues.length > 0) {
    const first = issues[0]!;
    const item = Array.isArray(body) ? `item ${first.index}: ` : '';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new ApiError(400, `invalid ${signal}: ${item}${first.path || '/'} ${first.message}${more}`, { issues });
  }
  return records as RecordOf[S][];
}
