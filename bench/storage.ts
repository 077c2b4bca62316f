import type { ObservabilityStore, RecordOf, Signal } from '../src';
import { PIPELINE_DEFAULTS, StorePipeline } from '../src';
import { chunk, timed } from './measure';

/**
 * The storage limit: ready-made records written through the store's batch write, in the batches
 * and with the writes in flight that the pipeline uses, with nothing else on the event loop.
 */
export async function storageLimit<S extends Signal>(
  store: ObservabilityStore,
  signal: S,
  records: readonly RecordOf[S][],
  batchSize = PIPELINE_DEFAULTS.maxBatchSize,
): Promise<{ seconds: number; rate: number }> {
  await store.init();
  const pipeline = new StorePipeline(store, { maxBatchSize: batchSize, maxBufferSize: records.length });
  const { seconds } = await timed(async () => {
    const outcomes = await Promise.all(chunk(records, batchSize).map((batch) => pipeline.submit(signal, batch)));
    const accepted = outcomes.reduce((sum, outcome) => sum + outcome.accepted, 0);
    if (accepted !== records.length)
      throw new Error(`storage limit: only ${accepted} of ${records.length} ${signal} were stored`);
  });
  return { seconds, rate: records.length / seconds };
}
