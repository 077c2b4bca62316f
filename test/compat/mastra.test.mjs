// A real Mastra app (examples/mastra/agent.mjs, run as the README says) with otel-bridge as its
// exporter, alongside the OpenTelemetry NodeSDK and @mastra/otel-bridge; then the store must hold
// everything issue 13 lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBStore } from 'otel-bridge';

const example = fileURLToPath(new URL('../../examples/mastra/agent.mjs', import.meta.url));

test('a Mastra agent run with a tool that calls HTTP: the store holds the whole run', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'otel-bridge-mastra-')), 'mastra.duckdb');
  const { stdout } = await promisify(execFile)(process.execPath, [example], {
    cwd: tmpdir(),
    env: { ...process.env, OTEL_BRIDGE_DUCKDB_PATH: path },
    timeout: 120_000,
  });
  assert.match(stdout, /answer: It is sunny in Kyoto, 24 °C\./);
  // 132 input and 23 output tokens at the example's override of 0.15 and 0.6 USD per million.
  assert.match(stdout, /^spend: 2 model calls, \$0\.0000336$/m);
  const traceId = /^trace ([0-9a-f]{32})$/m.exec(stdout)?.[1];
  assert.ok(traceId, `the example names its trace:\n${stdout}`);

  const store = new DuckDBStore({ path });
  await store.init();
  try {
    const { spans } = await store.getTrace(traceId);
    const byType = (type) => spans.filter((span) => span.spanType === type);

    // The agent run, the model generation, the model steps, the tool call and the event spans,
    // with Mastra's span types, entity names, input, output and tokens.
    const [agent] = byType('agent_run');
    assert.ok(agent, 'an agent_run span');
    assert.equal(agent.parentSpanId, null);
    assert.equal(agent.origin, 'mastra');
    assert.deepEqual(
      [agent.entityType, agent.entityName, agent.serviceName],
      ['agent', 'Weather Agent', 'weather-app'],
    );
    assert.match(JSON.stringify(agent.input), /What is the weather in Kyoto\?/);
    assert.match(JSON.stringify(agent.output), /sunny in Kyoto/);
    assert.deepEqual([agent.userId, agent.sessionId], ['user-7', 'session-3']);

    const [generation] = byType('model_generation');
    assert.deepEqual(
      [generation.parentSpanId, generation.model, generation.provider, generation.inputTokens, generation.outputTokens],
      [agent.spanId, 'mock-weather-model', 'mock-provider', 132, 23],
    );
    const steps = byType('model_step');
    assert.equal(steps.length, 2);
    assert.deepEqual(
      steps.map((step) => [step.parentSpanId, step.inputTokens, step.outputTokens]),
      [
        [generation.spanId, 52, 11],
        [generation.spanId, 80, 12],
      ],
    );
    // Each step repeats its model_inference's usage, and the generation sums the steps: spend counts
    // each model call once, the inferences, and their tokens add up to the generation's.
    const inferences = byType('model_inference');
    assert.equal(inferences.length, 2);
    assert.deepEqual(
      spans.filter((span) => span.totalTokens !== null && !span.usageIncludesChildren).map((span) => span.spanType),
      ['model_inference', 'model_inference'],
    );
    const spend = await store.aggregateSpend({
      bucketSizeNano: 86_400_000_000_000n,
      filter: {
        traceId,
        from: agent.startTimeUnixNano - 86_400_000_000_000n,
        to: agent.startTimeUnixNano + 86_400_000_000_000n,
      },
    });
    assert.deepEqual(
      [spend.calls, spend.series.flatMap((series) => series.points).reduce((sum, point) => sum + point.totalTokens, 0)],
      [2, generation.inputTokens + generation.outputTokens],
    );
    const [tool] = byType('tool_call');
    assert.deepEqual([tool.entityType, tool.entityName, tool.error], ['tool', 'getWeather', null]);
    assert.deepEqual(tool.input, { city: 'Kyoto' });
    assert.equal(tool.output.forecast, 'sunny');
    const events = spans.filter((span) => span.attributes['mastra.isEvent'] === true);
    assert.ok(events.length >= 1, 'event spans');
    for (const event of events) assert.equal(event.durationNano, 0n);

    // Each span once, the Mastra copy winning over the OpenTelemetry copy @mastra/otel-bridge made.
    assert.equal(new Set(spans.map((span) => span.spanId)).size, spans.length);
    const mastraSpans = spans.filter((span) => span.origin === 'mastra');
    assert.ok(mastraSpans.length >= 8, `Mastra spans: ${mastraSpans.length}`);

    // The HTTP spans, from the OpenTelemetry instrumentation, in the same tree: under the tool.
    const client = spans.find((span) => span.kind === 'client' && span.origin === 'otel');
    const server = spans.find((span) => span.kind === 'server' && span.origin === 'otel');
    assert.ok(client && server, 'the HTTP client and server spans');
    assert.equal(client.parentSpanId, tool.spanId);
    assert.equal(server.parentSpanId, client.spanId);
    assert.equal(client.attributes['http.response.status_code'], 200n);

    // Mastra's automatic metrics and logs.
    const metrics = (await store.listMetrics({ filter: { traceId }, perPage: 100 })).metrics;
    const names = new Set(metrics.map((metric) => metric.name));
    for (const name of [
      'mastra_agent_duration_ms',
      'mastra_model_duration_ms',
      'mastra_tool_duration_ms',
      'mastra_model_total_input_tokens',
      'mastra_model_total_output_tokens',
    ]) {
      assert.ok(names.has(name), `metric ${name} in ${[...names]}`);
    }
    const inputTokens = metrics.filter((metric) => metric.name === 'mastra_model_total_input_tokens');
    assert.equal(
      inputTokens.reduce((sum, metric) => sum + metric.value, 0),
      132,
    );
    assert.ok(metrics.every((metric) => metric.serviceName === 'weather-app'));
    const logs = (await store.listLogs({ perPage: 100 })).logs;
    assert.ok(logs.length >= 1, "Mastra's logs");

    // A score and a feedback, attached to the trace.
    const { scores } = await store.listScores({ filter: { traceId } });
    assert.deepEqual(
      scores.map((score) => [score.scorerId, score.score, score.userId]),
      [['answer-relevancy', 0.9, 'user-7']],
    );
    const { feedback } = await store.listFeedback({ filter: { traceId } });
    assert.deepEqual(
      feedback.map((item) => [item.feedbackType, item.value, item.userId]),
      [['thumbs', 1, 'user-7']],
    );

    // The trace list shows the agent run's trace once, by its root.
    const { traces } = await store.listTraces({ filter: { traceId } });
    assert.deepEqual(
      traces.map((t) => [t.spanType, t.origin]),
      [['agent_run', 'mastra']],
    );
  } finally {
    await store.close();
  }
});
