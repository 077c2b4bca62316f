import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { DefaultExporter, PIPELINE_DEFAULTS, type ObservabilityStore } from '../src';
import { produceLogs, produceMetrics, produceSpans, type Workload } from './data';
import { timed } from './measure';

/**
 * The in-process path: the OpenTelemetry SDK makes the telemetry and our exporters store it, as
 * fast as the SDK can make it. The batch processors get a queue large enough never to drop, and
 * batches the size of the store's; since their forceFlush exports the whole backlog at once, our
 * buffer is as large as their queue.
 */
const QUEUE = 200_000;
const PROCESSOR = { maxQueueSize: QUEUE, maxExportBatchSize: PIPELINE_DEFAULTS.maxBatchSize, scheduledDelayMillis: 20 };
const EXPORTER = { maxBufferSize: QUEUE };

async function stored(
  exporter: DefaultExporter,
  signal: 'spans' | 'logs' | 'metrics',
  expected: number,
): Promise<void> {
  await exporter.forceFlush();
  const { committed, dropped } = exporter.stats[signal];
  if (committed !== expected)
    throw new Error(`in-process ${signal}: ${committed} of ${expected} stored, dropped ${JSON.stringify(dropped)}`);
}

export async function inProcessSpans(store: ObservabilityStore, workload: Workload, count: number, seed: number) {
  const exporter = new DefaultExporter({ storage: store, ...EXPORTER });
  const { seconds } = await timed(async () => {
    await produceSpans(workload, count, seed, [new BatchSpanProcessor(exporter.spanExporter, PROCESSOR)]);
    await stored(exporter, 'spans', count);
  });
  return { seconds, rate: count / seconds };
}

export async function inProcessLogs(store: ObservabilityStore, count: number, seed: number) {
  const exporter = new DefaultExporter({ storage: store, ...EXPORTER });
  const { seconds } = await timed(async () => {
    await produceLogs(count, seed, [
      new BatchLogRecordProcessor({ exporter: exporter.logRecordExporter, ...PROCESSOR }),
    ]);
    await stored(exporter, 'logs', count);
  });
  return { seconds, rate: count / seconds };
}

export async function inProcessMetrics(store: ObservabilityStore, series: number, collections: number, seed: number) {
  const exporter = new DefaultExporter({ storage: store, ...EXPORTER });
  const { seconds, value: points } = await timed(async () => {
    const points = await produceMetrics(series, collections, seed, exporter.metricExporter);
    await stored(exporter, 'metrics', points);
    return points;
  });
  return { seconds, rate: points / seconds, points };
}
