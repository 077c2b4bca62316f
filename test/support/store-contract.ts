import { PRICE_LIBRARY_SOURCE } from '../../src/pipeline/pricing';
import { RecordValidationError } from '../../src/records/validate';
import { InvalidQueryError } from '../../src/storage/errors';
import {
  MAX_PAGE,
  MAX_PER_PAGE,
  TOTAL_CAP,
  type ObservabilityStore,
  type TraceFilter,
  type TraceSummary,
} from '../../src/storage/types';
import type { SpanRecord } from '../../src/records/types';
import {
  BASE_TIME,
  TYPED_ATTRIBUTES,
  makeFeedback,
  makeLog,
  makeMetric,
  makeScore,
  makeSpan,
  resource,
  spanId,
  traceId,
} from './records';

/**
 * The storage contract, as tests. Every store runs this same suite unchanged: each `describe`
 * gets a fresh, initialised store from `open` and hands it back to `close`.
 */
export function describeStoreContract(
  name: string,
  open: () => Promise<ObservabilityStore>,
  close: (store: ObservabilityStore) => Promise<void>,
): void {
  describe(`${name}: storage contract`, () => {
    let store: ObservabilityStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await close(store);
    });

    describe('schema and strategies', () => {
      it('init() is idempotent and keeps stored data', async () => {
        const span = makeSpan();
        await store.batchCreateSpans({ spans: [span] });
        await store.init();
        await store.init();
        expect((await store.getTrace(span.traceId))?.spans).toEqual([span]);
      });

      it('declares strategies that the exporter can use', () => {
        expect(store.tracingStrategy.supported).toContain(store.tracingStrategy.preferred);
        expect(store.tracingStrategy.supported).toEqual(expect.arrayContaining(['insert-only', 'event-sourced']));
        for (const hint of [store.logsStrategy, store.metricsStrategy, store.scoresStrategy, store.feedbackStrategy]) {
          expect(hint.supported).toContain(hint.preferred);
          expect(hint.supported).toContain('batch');
        }
      });

      it('answers ping()', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('spans', () => {
      function trace(): SpanRecord[] {
        const id = traceId();
        const root = makeSpan({
          traceId: id,
          name: 'invoke_agent planner',
          spanType: 'agent_run',
          entityType: 'agent',
          entityId: 'planner',
          entityName: 'Planner',
          userId: 'user-1',
          sessionId: 'session-1',
          threadId: 'thread-1',
          runId: 'run-1',
          tags: ['prod', 'beta'],
          metadata: { tier: 'gold', attempt: 2n },
          input: 'Plan a trip to Kyoto',
          output: { plan: ['fly', 'walk'] },
          startTimeUnixNano: BASE_TIME,
          endTimeUnixNano: BASE_TIME + 5_000_000_001n,
          durationNano: 5_000_000_001n,
        });
        const child = makeSpan({
          traceId: id,
          parentSpanId: root.spanId,
          name: 'chat gpt-4o',
          kind: 'client',
          spanType: 'model_generation',
          model: 'gpt-4o',
          provider: 'openai',
          inputTokens: 120,
          outputTokens: 30,
          totalTokens: 150,
          cachedInputTokens: 40,
          cacheWriteTokens: 8,
          reasoningTokens: 12,
          usageIncludesChildren: true,
          // Sums of prices are rarely round: every digit of the double must survive.
          inputCost: 0.1 + 0.2,
          outputCost: Math.PI * 1e-7,
          totalCost: 0.1 + 0.2 + Math.PI * 1e-7,
          costSource: PRICE_LIBRARY_SOURCE,
          startTimeUnixNano: BASE_TIME + 1n,
          endTimeUnixNano: BASE_TIME + 2_000_000_000n,
          durationNano: 1_999_999_999n,
          events: [
            { timeUnixNano: BASE_TIME + 7n, name: 'first token', attributes: { index: 0n }, droppedAttributesCount: 1 },
          ],
          links: [
            {
              traceId: traceId(),
              spanId: spanId(),
              traceState: 'a=b',
              flags: 1,
              attributes: { 'link.kind': 'follows' },
              droppedAttributesCount: 0,
            },
          ],
          droppedAttributesCount: 3,
          droppedEventsCount: 4,
          droppedLinksCount: 5,
        });
        const failed = makeSpan({
          traceId: id,
          parentSpanId: child.spanId,
          name: 'execute_tool weather',
          kind: 'internal',
          spanType: 'tool_call',
          statusCode: 'error',
          statusMessage: 'upstream timeout',
          error: {
            message: 'upstream timeout',
            type: 'TimeoutError',
            stack: 'TimeoutError: upstream timeout\n    at fetch',
          },
          startTimeUnixNano: BASE_TIME + 2n,
          endTimeUnixNano: BASE_TIME + 3n,
          durationNano: 1n,
          events: [
            {
              timeUnixNano: BASE_TIME + 3n,
              name: 'exception',
              attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'upstream timeout' },
              droppedAttributesCount: 0,
            },
          ],
        });
        return [root, child, failed];
      }

      it('getTrace returns every span of the trace exactly, ordered by start, with parent links', async () => {
        const spans = trace();
        await store.batchCreateSpans({ spans: [spans[2]!, spans[0]!, spans[1]!] });
        await store.batchCreateSpans({ spans: [makeSpan()] });
        const stored = await store.getTrace(spans[0]!.traceId);
        expect(stored?.traceId).toBe(spans[0]!.traceId);
        expect(stored?.spans).toEqual(spans);
        expect(stored?.spans.map((span) => span.parentSpanId)).toEqual([null, spans[0]!.spanId, spans[1]!.spanId]);
      });

      it('getTrace orders spans that start in the same instant: parent first, then the one that ended first', async () => {
        const id = traceId();
        const root = makeSpan({
          traceId: id,
          spanId: 'ffffffffffffff01',
          endTimeUnixNano: BASE_TIME + 9n,
          durationNano: 9n,
        });
        const sibling = (spanId: string, end: bigint) =>
          makeSpan({
            traceId: id,
            spanId,
            parentSpanId: root.spanId,
            endTimeUnixNano: BASE_TIME + end,
            durationNano: end,
          });
        // Span ids sort against the expected order, so only the end times can put them right.
        const first = sibling('ffffffffffffff03', 2n);
        const second = sibling('ffffffffffffff02', 5n);
        await store.batchCreateSpans({ spans: [second, first, root] });
        expect((await store.getTrace(id))!.spans.map((span) => span.spanId)).toEqual([
          root.spanId,
          first.spanId,
          second.spanId,
        ]);
      });

      it('getTrace returns null for an unknown trace, and rejects a malformed id', async () => {
        expect(await store.getTrace(traceId())).toBeNull();
        await expect(store.getTrace('not-hex')).rejects.toThrow(InvalidQueryError);
      });

      it('reads back attributes that are also the input and output whole, in order, whatever their type', async () => {
        const messages = JSON.stringify([{ role: 'user', content: 'Plan a trip to Kyoto ✈️' }]);
        const structured = { answer: 'Go in spring', days: 5n };
        const span = makeSpan({
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.input.messages': messages,
            copy: messages,
            'ai.response.object': structured,
            empty: null,
            last: true,
          },
          input: messages,
          output: structured,
        });
        await store.batchCreateSpans({ spans: [span] });
        const [stored] = (await store.getTrace(span.traceId))!.spans;
        expect(stored).toEqual(span);
        expect(Object.keys(stored!.attributes)).toEqual(Object.keys(span.attributes));
        expect(stored!.attributes.empty).toBeNull();
      });

      it('keeps every attribute type exactly, in attributes, events, links, resource, scope and metadata', async () => {
        const span = makeSpan({
          attributes: TYPED_ATTRIBUTES,
          resource: resource('typed', TYPED_ATTRIBUTES),
          scope: {
            name: 'typed-scope',
            version: '',
            attributes: TYPED_ATTRIBUTES,
            droppedAttributesCount: 2,
            schemaUrl: 'x',
          },
          serviceName: 'typed',
          metadata: TYPED_ATTRIBUTES,
          events: [{ timeUnixNano: BASE_TIME, name: 'e', attributes: TYPED_ATTRIBUTES, droppedAttributesCount: 0 }],
          links: [
            {
              traceId: traceId(),
              spanId: spanId(),
              traceState: '',
              flags: 0,
              attributes: TYPED_ATTRIBUTES,
              droppedAttributesCount: 0,
            },
          ],
          input: TYPED_ATTRIBUTES,
          output: 9_007_199_254_740_993n,
        });
        await store.batchCreateSpans({ spans: [span] });
        const [stored] = (await store.getTrace(span.traceId))!.spans;
        expect(stored).toEqual(span);
        // toEqual treats 2 and 2n alike only if types match; check the types that lossy stores flatten.
        expect(typeof stored!.attributes.int).toBe('bigint');
        expect(typeof stored!.attributes.doubleIntegral).toBe('number');
        expect(Object.is(stored!.attributes.doubleNegativeZero, -0)).toBe(true);
        expect(stored!.attributes.intBeyondDouble).toBe(9_007_199_254_740_993n);
        expect(stored!.attributes.bytes).toBeInstanceOf(Uint8Array);
        expect(stored!.output).toBe(9_007_199_254_740_993n);
      });

      it('keeps all nine digits of nanosecond times, and unicode and empty strings', async () => {
        const span = makeSpan({
          name: 'ünïcødé 名前 🚀',
          statusMessage: '',
          traceState: '',
          startTimeUnixNano: 1_712_345_678_987_654_321n,
          endTimeUnixNano: 1_712_345_678_987_654_329n,
          durationNano: 8n,
        });
        await store.batchCreateSpans({ spans: [span] });
        const [stored] = (await store.getTrace(span.traceId))!.spans;
        expect(stored!.startTimeUnixNano).toBe(1_712_345_678_987_654_321n);
        expect(stored!.endTimeUnixNano).toBe(1_712_345_678_987_654_329n);
        expect(stored!.durationNano).toBe(8n);
        expect(stored!.name).toBe('ünïcødé 名前 🚀');
        expect(stored!.statusMessage).toBe('');
      });

      it('shows a span written twice (a retried batch) only once', async () => {
        const spans = trace();
        await store.batchCreateSpans({ spans });
        await store.batchCreateSpans({ spans });
        expect((await store.getTrace(spans[0]!.traceId))!.spans).toEqual(spans);
        const list = await store.listTraces({ filter: { traceId: spans[0]!.traceId } });
        expect(list.pagination.total).toBe(1);
        expect(list.traces).toHaveLength(1);
      });

      describe('copies of one span: reads show the preferred one (precedence.ts)', () => {
        /** A root span and a child, as a Mastra exporter writes them: started (running), then ended. */
        function mastraSpans(): { running: SpanRecord[]; finished: SpanRecord[] } {
          const root = makeSpan({
            origin: 'mastra',
            spanType: 'agent_run',
            name: "agent run: 'weather'",
            entityType: 'agent',
            entityName: 'weather',
            input: 'What is the weather in Kyoto?',
            output: 'Sunny, 24 °C.',
          });
          const child = makeSpan({
            traceId: root.traceId,
            parentSpanId: root.spanId,
            origin: 'mastra',
            spanType: 'tool_call',
            name: "tool: 'get_weather'",
            startTimeUnixNano: root.startTimeUnixNano + 1_000_000n,
            endTimeUnixNano: root.startTimeUnixNano + 2_000_000n,
          });
          const started = (span: SpanRecord): SpanRecord => ({
            ...span,
            running: true,
            endTimeUnixNano: span.startTimeUnixNano,
            durationNano: 0n,
            output: null,
          });
          return { running: [started(root), started(child)], finished: [root, child] };
        }

        it('a running span alone is visible, as running', async () => {
          const { running } = mastraSpans();
          await store.batchCreateSpans({ spans: running });
          expect((await store.getTrace(running[0]!.traceId))!.spans).toEqual(running);
          const { traces } = await store.listTraces({ filter: { traceId: running[0]!.traceId } });
          expect(traces.map((t) => [t.spanId, t.running, t.durationNano])).toEqual([[running[0]!.spanId, true, 0n]]);
        });

        it.each([
          ['started, then ended', (c: ReturnType<typeof mastraSpans>) => [c.running, c.finished]],
          ['ended before its start arrived', (c: ReturnType<typeof mastraSpans>) => [c.finished, c.running]],
        ])('a running and a finished copy show the finished one: %s', async (_, order) => {
          const copies = mastraSpans();
          for (const spans of order(copies)) await store.batchCreateSpans({ spans });
          expect((await store.getTrace(copies.finished[0]!.traceId))!.spans).toEqual(copies.finished);
          const list = await store.listTraces({ filter: { traceId: copies.finished[0]!.traceId } });
          expect(list.pagination.total).toBe(1);
          expect(list.traces.map((t) => [t.running, t.endTimeUnixNano, t.spanType])).toEqual([
            [false, copies.finished[0]!.endTimeUnixNano, 'agent_run'],
          ]);
        });

        it('an OpenTelemetry and a Mastra copy show the Mastra one, and filters see that copy', async () => {
          const { finished } = mastraSpans();
          // The OpenTelemetry SDK's copy of the same spans: its own clock (a few µs apart), its own
          // service name, and none of Mastra's fields.
          const otel = finished.map((span) =>
            makeSpan({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId,
              name: span.name,
              startTimeUnixNano: span.startTimeUnixNano + 3_000n,
              endTimeUnixNano: span.endTimeUnixNano + 5_000n,
              serviceName: 'otel-service',
              resource: resource('otel-service'),
            }),
          );
          for (const spans of [otel, finished]) await store.batchCreateSpans({ spans });
          const trace = finished[0]!.traceId;
          expect((await store.getTrace(trace))!.spans).toEqual(finished);
          const list = await store.listTraces({ filter: { traceId: trace } });
          expect(list.pagination.total).toBe(1);
          expect(list.traces.map((t) => [t.origin, t.spanType, t.entityName, t.inputPreview])).toEqual([
            ['mastra', 'agent_run', 'weather', 'What is the weather in Kyoto?'],
          ]);
          expect((await store.listTraces({ filter: { traceId: trace, spanType: 'generic' } })).traces).toEqual([]);
          expect((await store.listTraces({ filter: { traceId: trace, serviceName: 'otel-service' } })).traces).toEqual(
            [],
          );
          expect((await store.listTraces({ filter: { traceId: trace, spanType: 'agent_run' } })).traces).toHaveLength(
            1,
          );
        });

        it('a finished OpenTelemetry copy beats a running Mastra copy', async () => {
          const { running } = mastraSpans();
          const otel = makeSpan({ traceId: running[0]!.traceId, spanId: running[0]!.spanId });
          for (const spans of [[otel], [running[0]!]]) await store.batchCreateSpans({ spans });
          expect((await store.getTrace(otel.traceId))!.spans).toEqual([otel]);
          const { traces } = await store.listTraces({ filter: { traceId: otel.traceId } });
          expect(traces.map((t) => [t.origin, t.running])).toEqual([['otel', false]]);
        });
      });

      it('listTraces returns one row per trace: its root in a light form, an input preview and the totals', async () => {
        const spans = trace();
        await store.batchCreateSpans({ spans });
        const { traces, pagination } = await store.listTraces();
        expect(pagination.total).toBe(1);
        const summary = traces[0]!;
        expect(summary.spanId).toBe(spans[0]!.spanId);
        expect(summary.inputPreview).toBe('Plan a trip to Kyoto');
        for (const heavy of ['input', 'output', 'attributes', 'events', 'links', 'metadata', 'resource', 'scope']) {
          expect(summary).not.toHaveProperty(heavy);
        }
        const {
          input: _i,
          output: _o,
          attributes: _a,
          events: _e,
          links: _l,
          metadata: _m,
          resource: _r,
          scope: _s,
          ...light
        } = spans[0]!;
        // The model span's usage includes its children's (decision 8): not summed, so the trace has no tokens.
        expect(summary).toEqual<TraceSummary>({
          ...light,
          inputPreview: 'Plan a trip to Kyoto',
          hasRoot: true,
          trace: {
            startTimeUnixNano: BASE_TIME,
            endTimeUnixNano: BASE_TIME + 5_000_000_001n,
            durationNano: 5_000_000_001n,
            spanCount: 3,
            errorCount: 1,
            inputTokens: null,
            outputTokens: null,
            totalTokens: null,
            cost: null,
          },
        });
      });

      it('cuts the input preview to 100 characters, and renders structured input as JSON', async () => {
        const long = makeSpan({ input: 'x'.repeat(500) });
        const structured = makeSpan({
          input: { question: 'why?' },
          startTimeUnixNano: BASE_TIME + 10n,
          endTimeUnixNano: BASE_TIME + 20n,
          durationNano: 10n,
        });
        await store.batchCreateSpans({ spans: [long, structured] });
        const { traces } = await store.listTraces({ order: 'asc' });
        expect(traces[0]!.inputPreview).toBe('x'.repeat(100));
        expect(traces[1]!.inputPreview).toContain('why?');
      });

      it('filters traces on time, service, trace id, every context field, span type, name, status, error and tags', async () => {
        const contextValues = {
          entityType: 'agent',
          entityId: 'e-1',
          entityName: 'Agent One',
          userId: 'u-1',
          organizationId: 'o-1',
          resourceId: 'r-1',
          runId: 'run-1',
          sessionId: 's-1',
          threadId: 't-1',
          requestId: 'req-1',
          environment: 'production',
        } as const;
        const target = makeSpan({
          ...contextValues,
          serviceName: 'billing',
          spanType: 'agent_run',
          name: 'invoke_agent billing',
          statusCode: 'error',
          statusMessage: 'boom',
          error: { message: 'boom', type: null, stack: null },
          tags: ['vip', 'eu'],
          startTimeUnixNano: BASE_TIME + 1_000n,
          endTimeUnixNano: BASE_TIME + 2_000n,
          durationNano: 1_000n,
        });
        const other = makeSpan({ startTimeUnixNano: BASE_TIME, endTimeUnixNano: BASE_TIME + 1n, durationNano: 1n });
        const child = makeSpan({ traceId: target.traceId, parentSpanId: target.spanId, ...contextValues });
        await store.batchCreateSpans({ spans: [target, other, child] });

        const only = async (filter: Parameters<ObservabilityStore['listTraces']>[0]) => {
          const result = await store.listTraces(filter);
          return result.traces.map((trace) => trace.spanId);
        };
        expect(await only({ filter: { from: BASE_TIME + 1_000n } })).toEqual([target.spanId]);
        expect(await only({ filter: { to: BASE_TIME + 1_000n } })).toEqual([other.spanId]);
        const millisecond = Number(BASE_TIME / 1_000_000n);
        expect(
          await only({ filter: { from: new Date(millisecond), to: new Date(millisecond + 1) }, order: 'asc' }),
        ).toEqual([other.spanId, target.spanId]);
        expect(await only({ filter: { from: new Date(millisecond + 1) } })).toEqual([]);
        expect(await only({ filter: { serviceName: 'billing' } })).toEqual([target.spanId]);
        expect(await only({ filter: { traceId: other.traceId } })).toEqual([other.spanId]);
        for (const [field, value] of Object.entries(contextValues)) {
          expect(await only({ filter: { [field]: value } })).toEqual([target.spanId]);
          expect(await only({ filter: { [field]: 'no-such-value' } })).toEqual([]);
        }
        expect(await only({ filter: { spanType: 'agent_run' } })).toEqual([target.spanId]);
        expect(await only({ filter: { name: 'invoke_agent billing' } })).toEqual([target.spanId]);
        expect(await only({ filter: { nameContains: 'AGENT BILL' } })).toEqual([target.spanId]);
        expect(await only({ filter: { nameContains: 'ke_ag' } })).toEqual([target.spanId]);
        // Literal text: LIKE's wildcards match only themselves.
        expect(await only({ filter: { nameContains: 'invoke%billing' } })).toEqual([]);
        expect(await only({ filter: { nameContains: 'invoke_agent_' } })).toEqual([]);
        expect(await only({ filter: { statusCode: 'error' } })).toEqual([target.spanId]);
        expect(await only({ filter: { hasError: true } })).toEqual([target.spanId]);
        expect(await only({ filter: { hasError: false } })).toEqual([other.spanId]);
        expect(await only({ filter: { tags: ['vip'] } })).toEqual([target.spanId]);
        expect(await only({ filter: { tags: ['vip', 'eu'] } })).toEqual([target.spanId]);
        expect(await only({ filter: { tags: ['vip', 'us'] } })).toEqual([]);
        expect((await only({ filter: { tags: [] } })).sort()).toEqual([target.spanId, other.spanId].sort());
      });

      it('pages traces with a total count, newest first unless asked otherwise', async () => {
        const spans = Array.from({ length: 7 }, (_, i) =>
          makeSpan({
            startTimeUnixNano: BASE_TIME + BigInt(i),
            endTimeUnixNano: BASE_TIME + 100n,
            durationNano: 100n - BigInt(i),
          }),
        );
        await store.batchCreateSpans({ spans });
        const first = await store.listTraces({ perPage: 3 });
        expect(first.pagination).toEqual({ total: 7, totalExact: true, page: 0, perPage: 3, hasMore: true });
        expect(first.traces.map((t) => t.startTimeUnixNano)).toEqual([BASE_TIME + 6n, BASE_TIME + 5n, BASE_TIME + 4n]);
        const last = await store.listTraces({ perPage: 3, page: 2 });
        expect(last.pagination).toEqual({ total: 7, totalExact: true, page: 2, perPage: 3, hasMore: false });
        expect(last.traces.map((t) => t.startTimeUnixNano)).toEqual([BASE_TIME]);
        const ascending = await store.listTraces({ perPage: 2, order: 'asc' });
        expect(ascending.traces.map((t) => t.startTimeUnixNano)).toEqual([BASE_TIME, BASE_TIME + 1n]);
        const beyond = await store.listTraces({ perPage: 3, page: 9 });
        expect(beyond.traces).toEqual([]);
        expect(beyond.pagination.total).toBe(7);
      });

      it('counts every matching trace exactly while they are fewer than the cap, however many rounds the page took', async () => {
        // More traces than a list's first round of candidates reads, fewer than the cap.
        const spans = Array.from({ length: 300 }, (_, i) => makeSpan({ startTimeUnixNano: BASE_TIME + BigInt(i) }));
        await store.batchCreateSpans({ spans });
        const page = await store.listTraces({ perPage: 10 });
        expect(page.pagination).toEqual({ total: 300, totalExact: true, page: 0, perPage: 10, hasMore: true });
        expect(page.traces[0]!.startTimeUnixNano).toBe(BASE_TIME + 299n);
      });

      describe('one row per trace, from spans written in any batches', () => {
        /** A model call under `parent`: tokens and a cost that a trace's totals add up. */
        const call = (parent: SpanRecord, at: bigint, tokens: number, cost: number | null, overrides = {}) =>
          makeSpan({
            traceId: parent.traceId,
            parentSpanId: parent.spanId,
            name: 'chat gpt-4o',
            spanType: 'model_generation',
            inputTokens: tokens,
            outputTokens: 1,
            totalTokens: tokens + 1,
            totalCost: cost,
            startTimeUnixNano: at,
            endTimeUnixNano: at + 10n,
            durationNano: 10n,
            ...overrides,
          });

        it('lists a trace without its root at its earliest span, marked as having no root', async () => {
          // As in opentelemetry-proto's trace.json: the only spans have a parent that was never received.
          const first = makeSpan({ parentSpanId: spanId(), name: 'late', startTimeUnixNano: BASE_TIME + 50n });
          const earliest = makeSpan({
            traceId: first.traceId,
            parentSpanId: spanId(),
            name: 'early',
            startTimeUnixNano: BASE_TIME + 10n,
            endTimeUnixNano: BASE_TIME + 90n,
            durationNano: 80n,
          });
          await store.batchCreateSpans({ spans: [first] });
          await store.batchCreateSpans({ spans: [earliest] });
          const { traces, pagination } = await store.listTraces();
          expect(pagination).toMatchObject({ total: 1, totalExact: true, hasMore: false });
          expect(traces.map((t) => [t.spanId, t.name, t.hasRoot, t.trace.spanCount])).toEqual([
            [earliest.spanId, 'early', false, 2],
          ]);
          expect(traces[0]!.trace).toMatchObject({
            startTimeUnixNano: BASE_TIME + 10n,
            endTimeUnixNano: first.endTimeUnixNano,
            durationNano: first.endTimeUnixNano - BASE_TIME - 10n,
          });
        });

        it('lists a trace split over batches once, by its root from a later batch, with exact totals', async () => {
          const root = makeSpan({
            name: 'agent run',
            serviceName: 'front',
            startTimeUnixNano: BASE_TIME,
            endTimeUnixNano: BASE_TIME + 150n,
            durationNano: 150n,
          });
          const children = [
            call(root, BASE_TIME + 100n, 10, 0.25, { serviceName: 'worker' }),
            call(root, BASE_TIME + 200n, 20, 0.5, {
              serviceName: 'worker',
              error: { message: 'x', type: null, stack: null },
            }),
          ];
          await store.batchCreateSpans({ spans: [children[0]!] });
          const early = await store.listTraces();
          expect(early.traces.map((t) => [t.spanId, t.hasRoot])).toEqual([[children[0]!.spanId, false]]);
          await store.batchCreateSpans({ spans: [children[1]!] });
          await store.batchCreateSpans({ spans: [root] });
          const { traces, pagination } = await store.listTraces();
          expect(pagination.total).toBe(1);
          expect(traces.map((t) => [t.spanId, t.name, t.hasRoot])).toEqual([[root.spanId, 'agent run', true]]);
          expect(traces[0]!.trace).toEqual({
            startTimeUnixNano: BASE_TIME,
            endTimeUnixNano: children[1]!.endTimeUnixNano,
            durationNano: children[1]!.endTimeUnixNano - BASE_TIME,
            spanCount: 3,
            errorCount: 1,
            inputTokens: 30,
            outputTokens: 2,
            totalTokens: 32,
            cost: 0.75,
          });
          // Filters apply to the head: the children's service does not list the trace.
          expect((await store.listTraces({ filter: { serviceName: 'worker' } })).traces).toEqual([]);
          expect((await store.listTraces({ filter: { serviceName: 'front' } })).traces).toHaveLength(1);
          expect((await store.listTraces({ filter: { from: BASE_TIME + 1n } })).traces).toEqual([]);
        });

        it('counts spans written twice (a retried batch) once, and shows the trace once', async () => {
          const root = makeSpan({ startTimeUnixNano: BASE_TIME });
          const batch = [root, call(root, BASE_TIME + 5n, 10, 0.5)];
          await store.batchCreateSpans({ spans: batch });
          await store.batchCreateSpans({ spans: batch });
          await store.batchCreateSpans({ spans: [batch[1]!] });
          const { traces, pagination } = await store.listTraces();
          expect(pagination.total).toBe(1);
          expect(traces).toHaveLength(1);
          expect(traces[0]!.trace).toMatchObject({ spanCount: 2, inputTokens: 10, totalTokens: 11, cost: 0.5 });
        });

        it('does not count again the usage of a span that includes its children', async () => {
          const root = makeSpan({ startTimeUnixNano: BASE_TIME });
          const generation = call(root, BASE_TIME + 1n, 100, 3, { usageIncludesChildren: true });
          const steps = [call(generation, BASE_TIME + 2n, 40, 1), call(generation, BASE_TIME + 3n, 60, 2)];
          await store.batchCreateSpans({ spans: [root, generation, steps[0]!] });
          await store.batchCreateSpans({ spans: [steps[1]!] });
          const [summary] = (await store.listTraces()).traces;
          expect(summary!.trace).toMatchObject({ spanCount: 4, inputTokens: 100, outputTokens: 2, cost: 3 });
        });

        it('orders traces by cost or duration, and keeps those that cost at least minCost', async () => {
          const roots = [0.3, null, 1.2].map((cost, i) => {
            const root = makeSpan({ startTimeUnixNano: BASE_TIME + BigInt(i) * 1_000n });
            return { root, spans: [root, call(root, root.startTimeUnixNano + 1n, 5, cost)] };
          });
          await store.batchCreateSpans({ spans: roots.flatMap((trace) => trace.spans) });
          const ids = async (args: Parameters<ObservabilityStore['listTraces']>[0]) =>
            (await store.listTraces(args)).traces.map((t) => roots.findIndex((r) => r.root.traceId === t.traceId));
          expect(await ids({ orderBy: 'cost' })).toEqual([2, 0, 1]);
          expect(await ids({ orderBy: 'cost', order: 'asc' })).toEqual([0, 2, 1]);
          expect(await ids({ orderBy: 'cost', perPage: 1, page: 1 })).toEqual([0]);
          // Each root ends 1.5 ms after its start: the durations tie, and ties go by start time.
          expect(await ids({ orderBy: 'duration' })).toEqual([2, 1, 0]);
          expect(await ids({ filter: { minCost: 0.5 } })).toEqual([2]);
          expect((await store.listTraces({ filter: { minCost: 0.3 } })).pagination.total).toBe(2);
          expect(await ids({ filter: { minCost: 0.3 }, orderBy: 'cost', order: 'asc' })).toEqual([0, 2]);
          await expect(store.listTraces({ filter: { minCost: -1 } })).rejects.toThrow(/minCost must be a number >= 0/);
          await expect(store.listTraces({ orderBy: 'price' as never })).rejects.toThrow(InvalidQueryError);
        });

        it('keeps traces with an error in any span for anyError, where hasError reads the root', async () => {
          const boom = { message: 'boom', type: null, stack: null };
          const roots = [0, 1, 2].map((i) => makeSpan({ startTimeUnixNano: BASE_TIME + BigInt(i) * 1_000n }));
          const childFailed = makeSpan({ traceId: roots[0]!.traceId, parentSpanId: roots[0]!.spanId, error: boom });
          const rootFailed = { ...roots[1]!, error: boom };
          await store.batchCreateSpans({ spans: [roots[0]!, rootFailed, roots[2]!] });
          await store.batchCreateSpans({ spans: [childFailed] });
          const ids = async (filter: TraceFilter) =>
            (await store.listTraces({ filter, order: 'asc' })).traces.map((t) =>
              roots.findIndex((r) => r.traceId === t.traceId),
            );
          expect(await ids({ anyError: true })).toEqual([0, 1]);
          expect(await ids({ anyError: false })).toEqual([2]);
          expect(await ids({ hasError: true })).toEqual([1]);
          expect(await ids({ anyError: true, hasError: false })).toEqual([0]);
          expect((await store.listTraces({ filter: { anyError: true } })).pagination.total).toBe(2);
          await expect(store.listTraces({ filter: { anyError: 'yes' as never } })).rejects.toThrow(
            /anyError must be true or false/,
          );
        });

        it(`caps the total at ${TOTAL_CAP} traces, marked inexact, and pages exactly beyond it`, async () => {
          // Each trace's child arrives in one batch and its root in a later one.
          const count = TOTAL_CAP + 5;
          const roots = Array.from({ length: count }, (_, i) =>
            makeSpan({
              startTimeUnixNano: BASE_TIME + BigInt(i) * 1_000n,
              serviceName: i % 1000 === 7 ? 'rare' : 'common',
            }),
          );
          await store.batchCreateSpans({
            spans: roots.map((root) => call(root, root.startTimeUnixNano + 500n, 1, null)),
          });
          await store.batchCreateSpans({ spans: roots });
          const newest = roots.map((root) => root.traceId).reverse();
          const first = await store.listTraces({ perPage: 50 });
          expect(first.pagination).toEqual({
            total: TOTAL_CAP,
            totalExact: false,
            page: 0,
            perPage: 50,
            hasMore: true,
          });
          expect(first.traces.map((t) => t.traceId)).toEqual(newest.slice(0, 50));
          expect(first.traces.every((t) => t.hasRoot && t.trace.spanCount === 2)).toBe(true);
          const deep = await store.listTraces({ perPage: 100, page: 37 });
          expect(deep.traces.map((t) => t.traceId)).toEqual(newest.slice(3700, 3800));
          const last = await store.listTraces({ perPage: 1000, page: 10 });
          expect(last.traces.map((t) => t.traceId)).toEqual(newest.slice(10_000));
          expect(last.pagination).toMatchObject({ hasMore: false, totalExact: false });
          const oldest = await store.listTraces({ perPage: 3, order: 'asc' });
          expect(oldest.traces.map((t) => t.traceId)).toEqual(newest.slice(-3).reverse());
          const rare = await store.listTraces({ filter: { serviceName: 'rare' } });
          expect(rare.pagination).toMatchObject({ total: 10, totalExact: true, hasMore: false });
          await expect(store.listTraces({ orderBy: 'cost' })).rejects.toThrow(
            /orderBy cost needs every matching trace/,
          );
          await expect(store.listTraces({ filter: { minCost: 1 } })).rejects.toThrow(/narrow the time range/);
          const window = { from: roots[20]!.startTimeUnixNano, to: roots[30]!.startTimeUnixNano };
          expect((await store.listTraces({ filter: window, orderBy: 'duration' })).pagination.total).toBe(10);
        }, 120_000);
      });

      it('rejects page arguments out of range with a clear error', async () => {
        await expect(store.listTraces({ perPage: 0 })).rejects.toThrow(/perPage must be an integer from 1 to 1000/);
        await expect(store.listTraces({ perPage: 5000 })).rejects.toThrow(InvalidQueryError);
        await expect(store.listTraces({ page: -1 })).rejects.toThrow(/page must be an integer from 0 to /);
        await expect(store.listLogs({ page: MAX_PAGE + 1 })).rejects.toThrow(
          `page must be an integer from 0 to ${MAX_PAGE}`,
        );
        expect(Number.isSafeInteger((MAX_PAGE + 1) * MAX_PER_PAGE + 1)).toBe(true);
        expect((await store.listLogs({ page: MAX_PAGE, perPage: MAX_PER_PAGE })).logs).toEqual([]);
        await expect(store.listLogs({ filter: { traceId: 'xyz' } })).rejects.toThrow(
          /traceId must be 32 lowercase hex/,
        );
      });
    });

    describe('batches are validated and all or nothing', () => {
      it('rejects a batch with an invalid record, names the record and field, and writes none of it', async () => {
        const good = makeSpan();
        const bad = { ...makeSpan(), traceId: 'ABC' };
        const error = await store.batchCreateSpans({ spans: [good, bad] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RecordValidationError);
        expect((error as RecordValidationError).issues).toEqual([
          expect.objectContaining({ index: 1, path: '/traceId' }),
        ]);
        expect((error as Error).message).toMatch(/invalid spans record 1: \/traceId/);
        expect(await store.getTrace(good.traceId)).toBeNull();
      });

      it.each([
        [
          'logs',
          () => store.batchCreateLogs({ logs: [makeLog(), { ...makeLog(), level: 'loud' as never }] }),
          '/level',
        ],
        [
          'metrics',
          () => store.batchRecordMetrics({ metrics: [{ ...makeMetric(), type: 'gauge', value: null }] }),
          '/value',
        ],
        ['scores', () => store.batchCreateScores({ scores: [{ ...makeScore(), score: Number.NaN }] }), '/score'],
        [
          'feedback',
          () => store.batchCreateFeedback({ feedback: [{ ...makeFeedback(), feedbackType: '' }] }),
          '/feedbackType',
        ],
      ])('rejects invalid %s with the field named', async (_signal, write, path) => {
        const error = await write().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RecordValidationError);
        expect((error as RecordValidationError).issues[0]!.path).toBe(path);
      });

      it.each([
        [
          'an undefined nested in a map',
          { ok: 1n, 'a/b': { list: [1, undefined] } },
          '/attributes/a~1b/list/1',
          /is undefined, not an attribute value/,
        ],
        ['an int beyond 64 bits', { big: 2n ** 64n }, '/attributes/big', /int beyond 64 bits/],
        ['a class instance', { when: new Date(0) }, '/attributes/when', /is a Date, not an attribute value/],
      ])('rejects a span attribute that is %s, naming where it is', async (_case, attributes, path, message) => {
        const error = await store
          .batchCreateSpans({ spans: [makeSpan({ attributes: attributes as never })] })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RecordValidationError);
        expect((error as RecordValidationError).issues[0]).toEqual(expect.objectContaining({ index: 0, path }));
        expect((error as RecordValidationError).issues[0]!.message).toMatch(message);
      });

      it('leaves data already stored untouched when a later batch fails', async () => {
        const kept = makeSpan();
        await store.batchCreateSpans({ spans: [kept] });
        await expect(
          store.batchCreateSpans({ spans: [makeSpan(), { ...makeSpan(), durationNano: 5n }] }),
        ).rejects.toThrow(RecordValidationError);
        expect((await store.getTrace(kept.traceId))!.spans).toEqual([kept]);
        expect((await store.listTraces()).pagination.total).toBe(1);
      });
    });

    describe('logs', () => {
      it('stores logs exactly, typed bodies included', async () => {
        const logs = [
          makeLog({
            body: { user: 'ana', attempts: 3n, ok: true, raw: new Uint8Array([1, 2]) },
            message: '{"user":"ana","attempts":"3","ok":true,"raw":"AQI="}',
          }),
          makeLog({ body: 12.5, message: '12.5', timeUnixNano: BASE_TIME + 1n, attributes: TYPED_ATTRIBUTES }),
          makeLog({
            body: null,
            message: '',
            timeUnixNano: BASE_TIME + 2n,
            eventName: 'session.start',
            traceId: traceId(),
            spanId: spanId(),
            flags: 1,
          }),
        ];
        await store.batchCreateLogs({ logs });
        const { logs: stored } = await store.listLogs({ order: 'asc' });
        expect(stored).toEqual(logs);
      });

      it(`counts logs up to ${TOTAL_CAP}, marked inexact beyond, and pages them exactly`, async () => {
        const logs = Array.from({ length: TOTAL_CAP + 3 }, (_, i) =>
          makeLog({ timeUnixNano: BASE_TIME + BigInt(i), message: `line ${i}`, body: `line ${i}` }),
        );
        await store.batchCreateLogs({ logs });
        const first = await store.listLogs({ perPage: 2 });
        expect(first.pagination).toEqual({ total: TOTAL_CAP, totalExact: false, page: 0, perPage: 2, hasMore: true });
        expect(first.logs.map((log) => log.message)).toEqual([`line ${TOTAL_CAP + 2}`, `line ${TOTAL_CAP + 1}`]);
        const last = await store.listLogs({ perPage: 1000, page: 10 });
        expect(last.logs.map((log) => log.message)).toEqual(['line 2', 'line 1', 'line 0']);
        expect(last.pagination).toMatchObject({ hasMore: false, totalExact: false });
        const few = await store.listLogs({ filter: { search: 'line 999' } });
        expect(few.pagination).toMatchObject({ total: 11, totalExact: true, hasMore: false });
      }, 120_000);

      it('filters logs on level, minimum level, text, trace, span, service and context, with paging', async () => {
        const trace = traceId();
        const span = spanId();
        const logs = [
          makeLog({
            level: 'debug',
            severityNumber: 5,
            severityText: 'DEBUG',
            message: 'cache miss',
            body: 'cache miss',
            timeUnixNano: BASE_TIME,
          }),
          makeLog({
            level: 'warn',
            severityNumber: 13,
            severityText: 'WARN',
            message: 'Slow Query took 2s',
            body: 'Slow Query took 2s',
            timeUnixNano: BASE_TIME + 1n,
          }),
          makeLog({
            level: 'error',
            severityNumber: 17,
            severityText: 'ERROR',
            message: 'payment FAILED',
            body: 'payment FAILED',
            traceId: trace,
            spanId: span,
            userId: 'u-9',
            serviceName: 'payments',
            resource: resource('payments'),
            timeUnixNano: BASE_TIME + 2n,
          }),
        ];
        await store.batchCreateLogs({ logs });
        const messages = async (filter: Parameters<ObservabilityStore['listLogs']>[0]) =>
          (await store.listLogs({ order: 'asc', ...filter })).logs.map((log) => log.message);
        expect(await messages({ filter: { level: 'warn' } })).toEqual(['Slow Query took 2s']);
        expect(await messages({ filter: { level: ['debug', 'error'] } })).toEqual(['cache miss', 'payment FAILED']);
        expect(await messages({ filter: { minLevel: 'warn' } })).toEqual(['Slow Query took 2s', 'payment FAILED']);
        expect(await messages({ filter: { search: 'slow query' } })).toEqual(['Slow Query took 2s']);
        expect(await messages({ filter: { search: 'failed' } })).toEqual(['payment FAILED']);
        expect(await messages({ filter: { search: '%' } })).toEqual([]);
        expect(await messages({ filter: { traceId: trace } })).toEqual(['payment FAILED']);
        expect(await messages({ filter: { spanId: span } })).toEqual(['payment FAILED']);
        expect(await messages({ filter: { serviceName: 'payments' } })).toEqual(['payment FAILED']);
        expect(await messages({ filter: { userId: 'u-9' } })).toEqual(['payment FAILED']);
        expect(await messages({ filter: { from: BASE_TIME + 1n, to: BASE_TIME + 2n } })).toEqual([
          'Slow Query took 2s',
        ]);
        const paged = await store.listLogs({ perPage: 2 });
        expect(paged.pagination).toEqual({ total: 3, totalExact: true, page: 0, perPage: 2, hasMore: true });
        expect(paged.logs.map((log) => log.message)).toEqual(['payment FAILED', 'Slow Query took 2s']);
      });
    });

    describe('metrics', () => {
      const exemplarTrace = traceId();
      const exemplarSpan = spanId();
      const points = () => [
        makeMetric({
          name: 'queue.depth',
          type: 'gauge',
          temporality: null,
          isMonotonic: null,
          value: 9_007_199_254_740_993n,
          unit: '{item}',
        }),
        makeMetric({ name: 'cpu.load', type: 'gauge', temporality: null, isMonotonic: null, value: 0.25 }),
        makeMetric({ name: 'bytes.sent', type: 'sum', temporality: 'delta', isMonotonic: true, value: 3.0 }),
        makeMetric({
          name: 'http.duration',
          type: 'histogram',
          temporality: 'delta',
          isMonotonic: null,
          value: null,
          count: 6,
          sum: 12.5,
          min: 0.5,
          max: 5,
          explicitBounds: [1, 2.5, 5],
          bucketCounts: [1, 2, 2, 1],
          exemplars: [
            {
              timeUnixNano: BASE_TIME - 5n,
              value: 4.5,
              traceId: exemplarTrace,
              spanId: exemplarSpan,
              filteredAttributes: { user: 'x', n: 1n },
            },
            { timeUnixNano: BASE_TIME - 4n, value: 7n, traceId: null, spanId: null, filteredAttributes: {} },
          ],
          traceId: exemplarTrace,
          spanId: exemplarSpan,
        }),
        makeMetric({
          name: 'latency.exp',
          type: 'exponential_histogram',
          temporality: 'cumulative',
          isMonotonic: null,
          value: null,
          count: 10,
          sum: 40,
          min: 1,
          max: 9,
          scale: 3,
          zeroCount: 1,
          zeroThreshold: 0.001,
          positive: { offset: -2, bucketCounts: [1, 0, 5, 3] },
          negative: { offset: 0, bucketCounts: [] },
        }),
        makeMetric({
          name: 'rpc.summary',
          type: 'summary',
          temporality: null,
          isMonotonic: null,
          value: null,
          count: 100,
          sum: 250.5,
          quantiles: [
            { quantile: 0, value: 0.1 },
            { quantile: 0.5, value: 2 },
            { quantile: 1, value: 9.75 },
          ],
        }),
      ];

      it('stores every point type exactly: gauge, sum, histogram, exponential histogram, summary, exemplars', async () => {
        const expected = points();
        await store.batchRecordMetrics({ metrics: expected });
        const { metrics } = await store.listMetrics({ perPage: 100 });
        const byName = new Map(metrics.map((metric) => [metric.name, metric]));
        for (const point of expected) expect(byName.get(point.name)).toEqual(point);
        expect(typeof byName.get('queue.depth')!.value).toBe('bigint');
        expect(byName.get('bytes.sent')!.value).toBe(3);
        expect(typeof byName.get('bytes.sent')!.value).toBe('number');
      });

      it('filters points on name, type, typed attributes, trace and context', async () => {
        await store.batchRecordMetrics({
          metrics: [
            ...points(),
            makeMetric({ name: 'req', attributes: { route: '/a', code: 200n, ok: true }, value: 1n }),
            makeMetric({ name: 'req', attributes: { route: '/b', code: 500n, ok: false }, value: 2n, runId: 'run-7' }),
            makeMetric({ name: 'req', attributes: { route: '/a', code: '200' }, value: 3n }),
          ],
        });
        const values = async (filter: Parameters<ObservabilityStore['listMetrics']>[0]) =>
          (await store.listMetrics({ perPage: 100, ...filter })).metrics.map((metric) => metric.value).sort();
        expect(await values({ filter: { name: 'req' } })).toEqual([1n, 2n, 3n]);
        expect(await values({ filter: { name: ['req', 'cpu.load'] } })).toEqual([0.25, 1n, 2n, 3n]);
        expect((await store.listMetrics({ filter: { type: 'summary' } })).metrics.map((m) => m.name)).toEqual([
          'rpc.summary',
        ]);
        expect(await values({ filter: { name: 'req', attributes: { route: '/a' } } })).toEqual([1n, 3n]);
        // Typed: the int 200 and the string "200" are different values.
        expect(await values({ filter: { name: 'req', attributes: { code: 200n } } })).toEqual([1n]);
        expect(await values({ filter: { name: 'req', attributes: { code: '200' } } })).toEqual([3n]);
        expect(await values({ filter: { name: 'req', attributes: { ok: false, route: '/b' } } })).toEqual([2n]);
        expect(await values({ filter: { runId: 'run-7' } })).toEqual([2n]);
        expect((await store.listMetrics({ filter: { traceId: exemplarTrace } })).metrics.map((m) => m.name)).toEqual([
          'http.duration',
        ]);
      });

      it('aggregates over time buckets, grouped by typed attributes', async () => {
        const minute = 60_000_000_000n;
        const start = (BASE_TIME / minute) * minute;
        const point = (offset: bigint, route: string, value: number) =>
          makeMetric({
            name: 'latency',
            type: 'gauge',
            temporality: null,
            isMonotonic: null,
            value,
            timeUnixNano: start + offset,
            attributes: { route },
          });
        await store.batchRecordMetrics({
          metrics: [
            point(1n, '/a', 10),
            point(2n, '/a', 20),
            point(3n, '/b', 5),
            point(minute + 1n, '/a', 40),
            makeMetric({ name: 'other', value: 1000n, timeUnixNano: start }),
          ],
        });
        const sums = await store.aggregateMetrics({ name: 'latency', aggregation: 'sum', bucketSizeNano: minute });
        expect(sums.series).toEqual([
          {
            group: {},
            points: [
              { timeUnixNano: start, value: 35 },
              { timeUnixNano: start + minute, value: 40 },
            ],
          },
        ]);
        const byRoute = await store.aggregateMetrics({
          name: 'latency',
          aggregation: 'avg',
          bucketSizeNano: minute,
          groupBy: ['route'],
        });
        expect(byRoute.series).toEqual([
          {
            group: { route: '/a' },
            points: [
              { timeUnixNano: start, value: 15 },
              { timeUnixNano: start + minute, value: 40 },
            ],
          },
          { group: { route: '/b' }, points: [{ timeUnixNano: start, value: 5 }] },
        ]);
        for (const [aggregation, expected] of [
          ['min', 5],
          ['max', 20],
          ['count', 3],
        ] as const) {
          const result = await store.aggregateMetrics({
            name: 'latency',
            aggregation,
            bucketSizeNano: minute,
            filter: { to: start + minute },
          });
          expect(result.series[0]!.points).toEqual([{ timeUnixNano: start, value: expected }]);
        }
        const day = 86_400_000_000_000n;
        const filtered = await store.aggregateMetrics({
          name: 'latency',
          aggregation: 'sum',
          bucketSizeNano: day,
          filter: { attributes: { route: '/a' } },
        });
        expect(filtered.series[0]!.points).toEqual([{ timeUnixNano: (start / day) * day, value: 70 }]);
        await expect(
          store.aggregateMetrics({ name: 'latency', aggregation: 'sum', bucketSizeNano: 0n }),
        ).rejects.toThrow(InvalidQueryError);
      });

      it('aggregates histogram fields', async () => {
        const hour = 3_600_000_000_000n;
        const start = (BASE_TIME / hour) * hour;
        const histogram = (count: number, sum: number) =>
          makeMetric({
            name: 'h',
            type: 'histogram',
            temporality: 'delta',
            isMonotonic: null,
            value: null,
            count,
            sum,
            explicitBounds: [],
            bucketCounts: [],
            timeUnixNano: start + 5n,
          });
        await store.batchRecordMetrics({ metrics: [histogram(2, 10), histogram(3, 20)] });
        const sum = await store.aggregateMetrics({ name: 'h', aggregation: 'sum', field: 'sum', bucketSizeNano: hour });
        const count = await store.aggregateMetrics({
          name: 'h',
          aggregation: 'sum',
          field: 'count',
          bucketSizeNano: hour,
        });
        expect(sum.series[0]!.points[0]!.value).toBe(30);
        expect(count.series[0]!.points[0]!.value).toBe(5);
      });
    });

    describe('distinct values, for filter pickers', () => {
      it('lists the services of spans, logs and metrics once each, sorted, within a time range', async () => {
        await store.batchCreateSpans({
          spans: [
            makeSpan({ serviceName: 'web', resource: resource('web') }),
            makeSpan({ serviceName: 'web', resource: resource('web') }),
          ],
        });
        await store.batchCreateLogs({
          logs: [makeLog({ serviceName: 'billing', resource: resource('billing'), timeUnixNano: BASE_TIME + 10n })],
        });
        await store.batchRecordMetrics({
          metrics: [makeMetric({ serviceName: 'api', resource: resource('api'), timeUnixNano: BASE_TIME - 10n })],
        });
        await store.batchCreateScores({ scores: [makeScore({ serviceName: 'scorer-only' })] });
        expect(await store.listServices()).toEqual(['api', 'billing', 'web']);
        expect(await store.listServices({ from: BASE_TIME })).toEqual(['billing', 'web']);
        expect(await store.listServices({ from: BASE_TIME, to: BASE_TIME + 10n })).toEqual(['web']);
        expect(await store.listServices({ from: BASE_TIME + 11n })).toEqual([]);
      });

      it('lists each metric name, type and unit once, sorted, within a time range', async () => {
        await store.batchRecordMetrics({
          metrics: [
            makeMetric({ name: 'requests', unit: '{request}' }),
            makeMetric({ name: 'requests', unit: '{request}', attributes: { route: '/b' } }),
            makeMetric({
              name: 'latency',
              type: 'gauge',
              temporality: null,
              isMonotonic: null,
              value: 1.5,
              unit: 'ms',
              timeUnixNano: BASE_TIME + 5n,
            }),
          ],
        });
        expect(await store.listMetricDescriptors()).toEqual([
          { name: 'latency', type: 'gauge', unit: 'ms' },
          { name: 'requests', type: 'sum', unit: '{request}' },
        ]);
        expect(await store.listMetricDescriptors({ from: BASE_TIME + 1n })).toEqual([
          { name: 'latency', type: 'gauge', unit: 'ms' },
        ]);
        expect(await store.listMetricDescriptors({ to: BASE_TIME })).toEqual([]);
      });
    });

    describe('scores and feedback', () => {
      it('stores scores and feedback attached to a span, and reads them back by trace', async () => {
        const trace = traceId();
        const span = spanId();
        const score = makeScore({ traceId: trace, spanId: span, metadata: { judge: 'gpt-4o', tokens: 12n } });
        const manual = makeScore({
          traceId: trace,
          spanId: null,
          scorerId: 'human',
          scorerName: null,
          scorerVersion: null,
          reason: null,
          source: 'manual',
          score: -1.5,
          timeUnixNano: BASE_TIME + 1n,
        });
        const thumbs = makeFeedback({ traceId: trace, spanId: span, value: 1, userId: 'u-1', comment: 'great' });
        const correction = makeFeedback({
          traceId: trace,
          spanId: span,
          feedbackType: 'correction',
          value: 'Kyoto, not Tokyo',
          timeUnixNano: BASE_TIME + 1n,
        });
        await store.createScore({ score });
        await store.batchCreateScores({ scores: [manual, makeScore()] });
        await store.createFeedback({ feedback: thumbs });
        await store.batchCreateFeedback({ feedback: [correction, makeFeedback()] });

        const scores = await store.listScores({ filter: { traceId: trace }, order: 'asc' });
        expect(scores.scores).toEqual([score, manual]);
        const feedback = await store.listFeedback({ filter: { traceId: trace }, order: 'asc' });
        expect(feedback.feedback).toEqual([thumbs, correction]);
        expect(typeof feedback.feedback[1]!.value).toBe('string');
      });

      it('filters scores on scorer, source and span, and feedback on type, source and user', async () => {
        const span = spanId();
        await store.batchCreateScores({
          scores: [
            makeScore({ scorerId: 'a', scorerName: 'A', source: 'experiment', spanId: span, traceId: traceId() }),
            makeScore({ scorerId: 'b', scorerName: 'B', source: 'manual' }),
          ],
        });
        await store.batchCreateFeedback({
          feedback: [
            makeFeedback({ feedbackType: 'rating', value: 4, source: 'reviewer', userId: 'rev-1' }),
            makeFeedback(),
          ],
        });
        const ids = async (filter: Parameters<ObservabilityStore['listScores']>[0]) =>
          (await store.listScores(filter)).scores.map((score) => score.scorerId);
        expect(await ids({ filter: { scorerId: 'a' } })).toEqual(['a']);
        expect(await ids({ filter: { scorerName: 'B' } })).toEqual(['b']);
        expect(await ids({ filter: { source: 'manual' } })).toEqual(['b']);
        expect(await ids({ filter: { spanId: span } })).toEqual(['a']);
        const types = async (filter: Parameters<ObservabilityStore['listFeedback']>[0]) =>
          (await store.listFeedback(filter)).feedback.map((feedback) => feedback.feedbackType);
        expect(await types({ filter: { feedbackType: 'rating' } })).toEqual(['rating']);
        expect(await types({ filter: { source: 'reviewer' } })).toEqual(['rating']);
        expect(await types({ filter: { userId: 'rev-1' } })).toEqual(['rating']);
        expect((await store.listFeedback({ perPage: 1 })).pagination).toEqual({
          total: 2,
          totalExact: true,
          page: 0,
          perPage: 1,
          hasMore: true,
        });
      });

      it('shows a score or feedback written twice only once', async () => {
        const score = makeScore();
        const feedback = makeFeedback();
        await store.createScore({ score });
        await store.createScore({ score });
        await store.createFeedback({ feedback });
        await store.createFeedback({ feedback });
        expect((await store.listScores()).scores).toEqual([score]);
        expect((await store.listScores()).pagination.total).toBe(1);
        expect((await store.listFeedback()).feedback).toEqual([feedback]);
      });
    });
  });
}
