import { ApiError } from '../../../src/api/errors';
import { recordsFromBody } from '../../../src/api/writes';
import { spanId, traceId } from '../../support/records';

function refusal(body: unknown, signal: 'scores' | 'feedback' = 'scores'): ApiError {
  try {
    recordsFromBody(signal, body);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the body was accepted');
}

describe('posted scores and feedback', () => {
  it('takes one object or an array, in the codec JSON, and fills in the defaults', () => {
    const trace = traceId();
    const [score] = recordsFromBody('scores', {
      scorerId: 'relevance',
      score: 0.9,
      traceId: trace,
      timeUnixNano: '1700000000123456789',
      metadata: { judge: 'gpt-4o', tokens: 12, weight: { $double: 1 } },
    });
    expect(score).toMatchObject({
      scorerId: 'relevance',
      score: 0.9,
      traceId: trace,
      spanId: null,
      source: 'automated',
      timeUnixNano: 1_700_000_000_123_456_789n,
      metadata: { judge: 'gpt-4o', tokens: 12n, weight: 1 },
      tags: [],
    });
    expect(score!.scoreId).toMatch(/^[0-9a-f-]{36}$/);
    const feedback = recordsFromBody('feedback', [
      { feedbackType: 'thumbs', value: 1, traceId: trace, userId: 'u-1' },
      { feedbackType: 'correction', value: 'Kyoto', feedbackId: 'fb-1' },
    ]);
    expect(feedback.map((item) => [item.feedbackType, item.value, item.source, item.userId])).toEqual([
      ['thumbs', 1, 'user', 'u-1'],
      ['correction', 'Kyoto', 'user', null],
    ]);
    expect(feedback[1]!.feedbackId).toBe('fb-1');
    expect(recordsFromBody('scores', [])).toEqual([]);
  });

  it('answers 400 with every problem of every item: types, missing and unknown fields, patterns, enums', () => {
    const error = refusal([
      { scorerId: 'ok', score: 1 },
      { score: 'high', traceId: 'XYZ', spanId: spanId(), source: 'robot', colour: 'blue' },
      { scorerId: '', score: 1, timeUnixNano: 1.5, metadata: { n: { $int: 'nope' } } },
      'not an object',
    ]);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^invalid scores: item 1: \/score must be a number \(and \d+ more\)$/);
    const found = error.issues.map((issue) => `${issue.index} ${issue.path}`);
    expect(found).toEqual([
      '1 /score',
      '1 /source',
      '1 /colour',
      '1 /traceId',
      '1 /scorerId',
      '2 /timeUnixNano',
      '2 /metadata/n',
      '2 /scorerId',
      '3 ',
    ]);
    const byPath = new Map(error.issues.map((issue) => [`${issue.index} ${issue.path}`, issue.message]));
    expect(byPath.get('1 /traceId')).toMatch(/match '\^\[0-9a-f\]\{32\}\$'/);
    expect(byPath.get('1 /scorerId')).toBe('is required');
    expect(byPath.get('2 /scorerId')).toMatch(/length/);
    expect(byPath.get('1 /colour')).toMatch(/not a known field/);
    expect(byPath.get('3 ')).toBe('must be an object');
  });

  it('names feedback whose value is neither a number nor a string', () => {
    const error = refusal({ feedbackType: 'thumbs', value: true }, 'feedback');
    expect(error.issues).toEqual([{ index: 0, path: '/value', message: 'must be a number or a string' }]);
    expect(error.message).toBe('invalid feedback: /value must be a number or a string');
  });
});
