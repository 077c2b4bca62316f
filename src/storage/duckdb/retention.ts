import { statSync } from 'node:fs';
import { ConfigurationError } from '../../errors';
import { SIGNALS, type Signal } from '../../records/types';
import { checkRetentionDays, type RetentionDays, type RetentionStats } from '../retention';
import type { SqlValue } from './query';
import { RETAINED_TABLES, type RetainedTable } from './schema';

/** Runs one statement on the store's database and returns its rows. */
export type RunStatement = (sql: string, params: SqlValue[]) => Promise<unknown[][]>;

export interface RetentionSettings {
  /** The database file, or `:memory:`. */
  path: string;
  retentionDays?: RetentionDays;
  /** MiB of live data to stay under, the oldest dropped first; no cap when left out. */
  maxSizeMb?: number;
  /** How often the job runs. Default {@link RETENTION_DEFAULTS}. */
  intervalMs?: number;
  /** The time that ages are measured against, in milliseconds since the epoch. */
  now: () => number;
}

export const RETENTION_DEFAULTS = { intervalMs: 5 * 60_000 } as const;

const NANOS_PER_DAY = 86_400_000_000_000n;
const MiB = 1024 * 1024;
/**
 * Rows per DELETE. Each chunk is its own short statement, so reads queue behind one chunk at most,
 * and one chunk's undo data stays small beside the 96MB buffer pool.
 */
const CHUNK_ROWS = 10_000;
/** Deleting a share of rows frees a different share of bytes (rows differ in size): the cap measures again. */
const MAX_CAP_ROUNDS = 10;
/** Past the cap, drop this share more than the excess, so that the next writes do not cross it at once. */
const CAP_HEADROOM = 0.05;

const zeroCounts = (): Record<Signal, number> =>
  Object.fromEntries(SIGNALS.map((signal) => [signal, 0])) as Record<Signal, number>;

/**
 * Retention for a DuckDB file: on a schedule, deletes the rows older than each signal's retention,
 * then, with a size cap, the oldest rows across signals until the live data fits under it. DuckDB
 * never shrinks its file, but after a CHECKPOINT it reuses the blocks that deleted rows freed, so
 * the file stops growing at about the data kept plus what arrives between two runs.
 *
 * Deletes run in chunks beside ingest: appends and deletes of other rows do not conflict in DuckDB.
 */
export class RetentionJob {
  private readonly retentionDays: RetentionDays;
  private readonly maxSizeBytes: number | null;
  private readonly intervalMs: number;
  private readonly walPath: string;
  private readonly now: () => number;
  private readonly counters = {
    expired: zeroCounts(),
    evicted: zeroCounts(),
    runs: 0,
    failedRuns: 0,
    lastError: null as string | null,
    usedBytes: null as number | null,
  };
  private timer: NodeJS.Timeout | null = null;
  /** The runs, one after another: a scheduled run and one asked for never overlap. */
  private queue: Promise<void> = Promise.resolve();
  /** Between start and stop: a run outside it does nothing, and a run under way stops between chunks. */
  private active = false;

  constructor(
    settings: RetentionSettings,
    private readonly run: RunStatement,
  ) {
    this.retentionDays = checkRetentionDays('DuckDB', settings.retentionDays ?? {});
    const { maxSizeMb, intervalMs = RETENTION_DEFAULTS.intervalMs } = settings;
    if (maxSizeMb !== undefined && !(maxSizeMb > 0)) {
      throw new ConfigurationError(`DuckDB maxSizeMb must be a number of MiB > 0, got ${String(maxSizeMb)}`);
    }
    if (!Number.isInteger(intervalMs) || intervalMs < 1) {
      throw new ConfigurationError(`DuckDB retentionIntervalMs must be a whole number >= 1, got ${String(intervalMs)}`);
    }
    if (maxSizeMb !== undefined && settings.path === ':memory:') {
      throw new ConfigurationError('DuckDB maxSizeMb needs a database file: a database in memory has no file size');
    }
    this.walPath = `${settings.path}.wal`;
    this.maxSizeBytes = maxSizeMb === undefined ? null : maxSizeMb * MiB;
    this.intervalMs = intervalMs;
    this.now = settings.now;
  }

  /** Whether there is anything to enforce: a retention or a cap. */
  private get enabled(): boolean {
    return Object.values(this.retentionDays).some((days) => days !== undefined) || this.maxSizeBytes !== null;
  }

  get stats(): RetentionStats {
    return { ...this.counters, expired: { ...this.counters.expired }, evicted: { ...this.counters.evicted } };
  }

  /** Schedules runs every interval; the timer never keeps the process alive. */
  start(): void {
    if (!this.enabled) return;
    this.active = true;
    this.schedule();
  }

  /** Cancels the next run and waits for the one under way, which stops between two chunks. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queue;
  }

  /** Runs the job now, after any run under way; never rejects: a failure is in {@link stats}. */
  runNow(): Promise<void> {
    this.queue = this.queue.then(() => this.enforce());
    return this.queue;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.runNow().then(() => {
        if (this.active) this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async enforce(): Promise<void> {
    if (!this.active) return;
    try {
      const now = BigInt(this.now()) * 1_000_000n;
      for (const table of RETAINED_TABLES) {
        const days = this.retentionDays[table.signal];
        if (days !== undefined) await this.deleteBefore(table, now - BigInt(days) * NANOS_PER_DAY, 'expired');
      }
      // Frees the blocks of deleted rows for new ones, and lets the cap measure what is live.
      const checkpointed = await this.checkpoint();
      if (this.maxSizeBytes !== null && checkpointed) await this.enforceCap(this.maxSizeBytes);
      this.counters.lastError = null;
    } catch (error) {
      this.counters.failedRuns++;
      this.counters.lastError = error instanceof Error ? error.message : String(error);
    }
    this.counters.runs++;
  }

  /** Deletes the rows of `table` whose time is before `cutoff`, a chunk at a time, and counts the records. */
  private async deleteBefore(table: RetainedTable, cutoff: bigint, counter: 'expired' | 'evicted'): Promise<void> {
    const sql = `DELETE FROM ${table.table} WHERE rowid IN
      (SELECT rowid FROM ${table.table} WHERE ${table.timeColumn} < $1 LIMIT ${CHUNK_ROWS})`;
    while (this.active) {
      const [[deleted]] = (await this.run(sql, [cutoff])) as [[bigint | number]];
      if (table.holdsRecords) this.counters[counter][table.signal] += Number(deleted);
      if (Number(deleted) < CHUNK_ROWS) return;
    }
  }

  /**
   * Deletes the oldest records across signals, by time, until the live blocks fit under the cap.
   * DuckDB frees blocks by row groups (122,880 rows), and the blocks of a row group it rewrote only
   * at the next checkpoint that changes something, so a round may free nothing and the next frees
   * both: the cap may drop more than the excess. A run takes at most {@link MAX_CAP_ROUNDS} rounds;
   * a cap below what DuckDB's own blocks take (a few MiB) cannot be met. A checkpoint that ingest held back frees nothing either: then the run
   * stops, so that it never deletes more on a measurement that its deletes have not changed yet.
   */
  private async enforceCap(maxBytes: number): Promise<void> {
    const times = RETAINED_TABLES.filter((table) => table.holdsRecords)
      .map((table) => `SELECT ${table.timeColumn} AS t FROM ${table.table}`)
      .join(' UNION ALL ');
    for (let round = 0; round < MAX_CAP_ROUNDS && this.active; round++) {
      const used = await this.usedBytes();
      this.counters.usedBytes = used;
      if (used <= maxBytes) return;
      const share = Math.min(1, (used - maxBytes) / used + CAP_HEADROOM);
      const [[newestDropped]] = (await this.run(`SELECT quantile_disc(t, ${share}) FROM (${times})`, [])) as [
        [bigint | null],
      ];
      if (newestDropped === null) return;
      for (const table of RETAINED_TABLES) await this.deleteBefore(table, newestDropped + 1n, 'evicted');
      if (!(await this.checkpoint())) {
        this.counters.usedBytes = await this.usedBytes();
        return;
      }
    }
  }

  /**
   * Checkpoints, and says whether it happened: DuckDB skips a CHECKPOINT, without an error, while
   * another transaction is open, and a checkpoint that happened leaves the write-ahead log empty.
   */
  private async checkpoint(): Promise<boolean> {
    await this.run('CHECKPOINT', []);
    return (statSync(this.walPath, { throwIfNoEntry: false })?.size ?? 0) === 0;
  }

  private async usedBytes(): Promise<number> {
    const [[bytes]] = (await this.run('SELECT used_blocks * block_size FROM pragma_database_size()', [])) as [
      [bigint | number],
    ];
    return Number(bytes);
  }
}
