import {
  EVALUATION_EVENT,
  scoreFromEvaluationEvent,
  scoresFromEvaluationEvents,
} from '../../../src/mapping/evaluation';
import { findInvalidRecords } from '../../../src/records/validate';
import { BASE_TIME, makeLog, spanId, traceId } from '../../support/records';

const trace = traceId();
const span = spanId();

function evaluation(attributes: Record<string, unknown>, overrides: Parameters<typeof makeLog>[0] = {}) {
  return makeLog({
    eventName: EVALUATION_EVENT,
    traceId: trace,
    spanId: span,
    attributes: attributes as never,
    body: null,
    message: '',
    userId: 'u-1',
    sessionId: 's-1',
    ...overrides,
  });
}

describe('GenAI evaluation events as scores', () => {
  it('maps name, score, label and explanation onto the span the event was emitted in', () => {
    const score = scoreFromEvaluationEvent(
      evaluation({
        'gen_ai.evaluation.name': 'Relevance',
        'gen_ai.evaluation.score.value': 0.85,
        'gen_ai.evaluation.score.label': 'relevant',
        'gen_ai.evaluation.explanation': 'answers the question',
        'gen_ai.response.id': 'chatcmpl-1',
      }),
    );
    expect(score).toEqual({
      scoreId: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ) as unknown,
      timeUnixNano: BASE_TIME,
      traceId: trace,
      spanId: span,
      scorerId: 'Relevance',
      scorerName: null,
      scorerVersion: null,
      score: 0.85,
      reason: 'answers the question',
      source: 'automated',
      serviceName: 'checkout',
      entityType: null,
      entityId: null,
      entityName: null,
      userId: 'u-1',
      organizationId: null,
      resourceId: null,
      runId: null,
      sessionId: 's-1',
      threadId: null,
      requestId: null,
      environment: null,
      tags: [],
      metadata: { label: 'relevant', 'gen_ai.response.id': 'chatcmpl-1' },
    });
    expect(findInvalidRecords('scores', [score])).toEqual([]);
  });

  it('gives a retried event the same score id, so that stores keep it once, and another event another id', () => {
    const attributes = { 'gen_ai.evaluation.name': 'Relevance', 'gen_ai.evaluation.score.value': 1n };
    const first = scoreFromEvaluationEvent(evaluation(attributes))!;
    expect(scoreFromEvaluationEvent(evaluation(attributes))!.scoreId).toBe(first.scoreId);
    expect(scoreFromEvaluationEvent(evaluation(attributes, { timeUnixNano: BASE_TIME + 1n }))!.scoreId).not.toBe(
      first.scoreId,
    );
    expect(first.score).toBe(1);
  });

  it('reads an event named in the event.name attribute, and the observed time when the event has none', () => {
    const score = scoreFromEvaluationEvent(
      evaluation(
        { 'event.name': EVALUATION_EVENT, 'gen_ai.evaluation.name': 'Tone', 'gen_ai.evaluation.score.value': 2.5 },
        { eventName: '', timeUnixNano: 0n, observedTimeUnixNano: BASE_TIME + 9n },
      ),
    );
    expect(score).toMatchObject({ scorerId: 'Tone', score: 2.5, timeUnixNano: BASE_TIME + 9n, metadata: {} });
  });

  it('makes no score from other logs, nor from an evaluation without a name or a numeric score', () => {
    const logs = [
      makeLog(),
      makeLog({ eventName: 'gen_ai.client.inference.operation.details' }),
      evaluation({ 'gen_ai.evaluation.score.value': 1 }),
      evaluation({ 'gen_ai.evaluation.name': 'Label only', 'gen_ai.evaluation.score.label': 'pass' }),
      evaluation({ 'gen_ai.evaluation.name': 'Text', 'gen_ai.evaluation.score.value': 'high' }),
      evaluation({ 'gen_ai.evaluation.name': 'NaN', 'gen_ai.evaluation.score.value': Number.NaN }),
      evaluation({ 'gen_ai.evaluation.name': 'Kept', 'gen_ai.evaluation.score.value': 0 }),
    ];
    expect(scoresFromEvaluationEvents(logs).map((score) => score.scorerId)).toEqual(['Kept']);
  });
});
