import { startReceiver } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { send } from '../../support/http';
import { sdkSpans, tracesBody } from '../../support/telemetry';

describe('record limits on the way into a real store', () => {
  it('are applied to what the receiver stores, on the record and in the pipeline’s counters', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const receiver = await startReceiver({
      store,
      port: 0,
      limits: { attributeCountLimit: 3, attributeValueLengthLimit: 100 },
    });
    try {
      const prompt = 'p'.repeat(1000);
      const spans = sdkSpans(2, { 'gen_ai.operation.name': 'chat', 'gen_ai.prompt': prompt, a: 1, b: 2, c: 3 });
      const response = await send(receiver.url, {
        path: '/v1/traces',
        headers: { 'Content-Type': 'application/x-protobuf' },
        body: tracesBody(spans, 'protobuf'),
      });
      expect(response.status).toBe(200);
      const stored = (await store.getTrace(spans[0]!.spanContext().traceId))!.spans[0]!;
      expect(Object.keys(stored.attributes)).toEqual(['gen_ai.operation.name', 'gen_ai.prompt', 'a']);
      expect(stored.droppedAttributesCount).toBe(2);
      expect(stored.attributes['gen_ai.prompt']).toMatch(/^p{52}… \[truncated 948 characters\]$/);
      expect(receiver.pipeline.limitStats.spans).toMatchObject({ attributesDropped: 4, valuesTruncated: 2 });
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});
