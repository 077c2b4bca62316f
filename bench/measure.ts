import { readFileSync } from 'node:fs';

/** One measured path, as the report prints it. */
export interface Measurement {
  id: string;
  path: string;
  workload: string;
  store: string;
  items: number;
  seconds: number;
  /** Items per second. */
  rate: number;
  /** Rate over the same store's storage limit in this run. */
  ofLimit?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** The receiver process's peak resident memory; the other paths share this process with the data. */
  peakRssMb?: number;
  note?: string;
}

/** The highest resident memory of a process since it started. */
export function peakRssMb(pid: number = process.pid): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kilobytes / 1024);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { seconds: (performance.now() - start) / 1000, value };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
