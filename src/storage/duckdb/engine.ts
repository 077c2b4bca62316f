import {
  DuckDBInstance,
  LIST,
  VARCHAR,
  listValue,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Cell, ColumnType } from '../columns';
import { Serial } from '../serial';
import type { SqlValue } from './query';

/**
 * The DuckDB side of the store, which runs in a worker thread: it owns the database, appends
 * columnar batches and runs SQL. It knows nothing of records; the store encodes and decodes them.
 */

/** Rows for one table, column by column. */
export interface TableRows {
  table: string;
  types: ColumnType[];
  columns: Cell[][];
  rowCount: number;
}

export type EngineRequest =
  | {
      op: 'open';
      path: string;
      config: Record<string, string>;
      statements: string[];
    }
  /** Appends rows to `table`, and to the companion tables in `with`, in one transaction. */
  | { op: 'insert'; table: string; rows: TableRows; with: TableRows[] }
  | { op: 'query'; sql: string; params: SqlValue[] }
  | { op: 'close' };

type Appender = (appender: DuckDBAppender, cell: Cell) => void;

const STRING_LIST = LIST(VARCHAR);

const nullable =
  (append: Appender): Appender =>
  (appender, cell) =>
    cell === null ? appender.appendNull() : append(appender, cell);

const APPENDERS: Record<ColumnType, Appender> = {
  string: nullable((a, cell) => a.appendVarchar(cell as string)),
  json: nullable((a, cell) => a.appendVarchar(cell as string)),
  time: nullable((a, cell) => a.appendBigInt(cell as bigint)),
  int64: nullable((a, cell) => a.appendBigInt(BigInt(cell as bigint | number))),
  int32: nullable((a, cell) => a.appendInteger(cell as number)),
  uint8: nullable((a, cell) => a.appendUTinyInt(cell as number)),
  uint32: nullable((a, cell) => a.appendUInteger(cell as number)),
  // The appender casts a double to UBIGINT exactly for the counts that fit in one.
  uint64: nullable((a, cell) => a.appendDouble(cell as number)),
  float64: nullable((a, cell) => a.appendDouble(cell as number)),
  bool: nullable((a, cell) => a.appendBoolean(cell as boolean)),
  // Appending a list takes DuckDB's generic value path; most tag lists are empty, and go in as NULL.
  string_list: (a, cell) =>
    (cell as string[] | null)?.length ? a.appendList(cell as string[], STRING_LIST) : a.appendNull(),
  // Number lists (histogram bounds and counts) are JSON text: appending a LIST value costs several times more.
  float64_list: nullable((a, cell) => a.appendVarchar(JSON.stringify(cell))),
  uint64_list: nullable((a, cell) => a.appendVarchar(JSON.stringify(cell))),
};

function append(appender: DuckDBAppender, batch: TableRows): void {
  const appenders = batch.types.map((type) => APPENDERS[type]);
  const { columns, rowCount } = batch;
  for (let row = 0; row < rowCount; row++) {
    for (let i = 0; i < appenders.length; i++) appenders[i]!(appender, columns[i]![row]!);
    appender.endRow();
  }
}

interface Session {
  connection: DuckDBConnection;
  serial: Serial;
  /** Batches queued or running on this connection. */
  load: number;
  /** Made once per table and reused: an appender flushes into the connection's open transaction. */
  appenders: Map<string, DuckDBAppender>;
}

/**
 * Write connections per table. A commit (the write-ahead log, then fsync) runs off the thread, and
 * DuckDB lets transactions on different connections append to one table at once, so a second
 * connection appends the next batch while the first commits. A third measured no faster in
 * `npm run bench`, and held more memory.
 */
const WRITERS_PER_TABLE = 2;

function parameter(value: SqlValue): DuckDBValue {
  return Array.isArray(value) ? listValue(value) : value;
}

/**
 * DuckDB's words when a commit reached the write-ahead log but the checkpoint after it failed (a full
 * disk): the batch is stored, and the instance is invalidated until it is reopened.
 */
const DURABLE_BUT_INVALIDATED = /COMMIT succeeded and is durable/;
const FATAL = /FATAL Error|database has been invalidated/;
/** ROLLBACK's words when the failure already ended the transaction (a failed COMMIT does). */
const NO_TRANSACTION = /no transaction is active/;

/** Runs a clean-up step of a failed insert; says whether it worked, since the insert fails either way. */
function attempt(step: () => void): boolean {
  try {
    step();
    return true;
  } catch {
    return false;
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class DuckDBEngine {
  private instance: DuckDBInstance | null = null;
  private reader: Session | null = null;
  /** Connections per table, so that each batch is its own transaction and tables write in parallel. */
  private readonly writers = new Map<string, Promise<Session[]>>();
  private opened: Extract<EngineRequest, { op: 'open' }> | null = null;
  /** Set by a fatal error: the next request reopens the file first, so that the store recovers by itself. */
  private invalidated = false;
  private reopening: Promise<void> | null = null;

  async handle(request: EngineRequest): Promise<unknown> {
    if (request.op === 'open') {
      await this.open(request.path, request.config, request.statements);
      this.opened = request;
      return;
    }
    if (request.op === 'close') return this.close();
    if (this.invalidated) await this.reopen();
    try {
      return request.op === 'insert'
        ? await this.insert(request.table, [request.rows, ...request.with])
        : await this.query(request.sql, request.params);
    } catch (error) {
      // Reopening a database in memory would empty it.
      if (FATAL.test(messageOf(error)) && this.opened?.path !== ':memory:') this.invalidated = true;
      throw error;
    }
  }

  /** Closes the invalidated instance and opens the file again; DuckDB replays its write-ahead log. */
  private reopen(): Promise<void> {
    this.reopening ??= (async () => {
      const { path, config, statements } = this.opened!;
      await this.close();
      try {
        await this.open(path, config, statements);
      } catch (error) {
        throw new Error(`the database has been invalidated, and reopening it failed: ${messageOf(error)}`, {
          cause: error,
        });
      }
      this.invalidated = false;
    })().finally(() => (this.reopening = null));
    return this.reopening;
  }

  private async open(path: string, config: Record<string, string>, statements: string[]): Promise<void> {
    const instance = await DuckDBInstance.create(path, config);
    const connection = await instance.connect();
    for (const statement of statements) await connection.run(statement);
    this.instance = instance;
    this.reader = { connection, serial: new Serial(), load: 0, appenders: new Map() };
  }

  private active(): DuckDBInstance {
    if (!this.instance) throw new Error('the database is not open');
    return this.instance;
  }

  /** The least busy write connection of a table. */
  private async writer(table: string): Promise<Session> {
    let pool = this.writers.get(table);
    if (!pool) {
      const instance = this.active();
      pool = Promise.all(
        Array.from({ length: WRITERS_PER_TABLE }, async () => ({
          connection: await instance.connect(),
          serial: new Serial(),
          load: 0,
          appenders: new Map(),
        })),
      );
      this.writers.set(table, pool);
    }
    return (await pool).reduce((least, session) => (session.load < least.load ? session : least));
  }

  /**
   * Appends batches, given column by column, inside one transaction: all of them or nothing. A
   * failure at any step (memory exhausted while appending, flushing or committing) leaves the
   * session as new: see {@link recover}.
   */
  private async insert(table: string, batches: TableRows[]): Promise<void> {
    const session = await this.writer(table);
    const { serial } = session;
    session.load++;
    await serial
      .run(async () => {
        try {
          const appenders: DuckDBAppender[] = [];
          for (const batch of batches) appenders.push(await this.appender(session, batch.table));
          await session.connection.run('BEGIN TRANSACTION');
          batches.forEach((batch, index) => append(appenders[index]!, batch));
          for (const appender of appenders) appender.flushSync();
          await session.connection.run('COMMIT');
        } catch (error) {
          await this.recover(session);
          if (!DURABLE_BUT_INVALIDATED.test(messageOf(error))) throw error;
          // Stored: reporting a failure would have the batch written twice. The next request reopens.
          this.invalidated = true;
        }
      })
      .finally(() => session.load--);
  }

  /** The session's appender for `table`, made once and reused. */
  private async appender(session: Session, table: string): Promise<DuckDBAppender> {
    let appender = session.appenders.get(table);
    if (!appender) {
      appender = await session.connection.createAppender(table);
      session.appenders.set(table, appender);
    }
    return appender;
  }

  /**
   * After a failed insert: empties and discards the session's appenders, which may hold rows or a
   * half-appended row, and rolls the transaction back. If either fails (DuckDB could not allocate
   * even for that), the connection would answer "Current transaction is aborted" to every later
   * statement, so it is replaced by a new one; closing the old one ends its transaction.
   */
  private async recover(session: Session): Promise<void> {
    const appenders = [...session.appenders.values()];
    session.appenders.clear();
    // A closed appender flushes what it holds: only an emptied one may be closed.
    const emptied = appenders.filter((appender) => attempt(() => appender.clear()));
    let clean = emptied.length === appenders.length;
    await this.rollback(session.connection).catch((error: unknown) => {
      if (!NO_TRANSACTION.test(messageOf(error))) clean = false;
    });
    for (const appender of emptied) attempt(() => appender.closeSync());
    if (clean) return;
    attempt(() => session.connection.closeSync());
    session.connection = await this.active().connect();
  }

  /** Rolls back the connection's transaction; a seam for tests that make it fail as it does under memory pressure. */
  protected async rollback(connection: DuckDBConnection): Promise<void> {
    await connection.run('ROLLBACK');
  }

  private async query(sql: string, params: SqlValue[]): Promise<unknown[][]> {
    this.active();
    const { connection, serial } = this.reader!;
    return serial.run(
      async () => (await connection.runAndReadAll(sql, params.map(parameter))).getRowsJS() as unknown[][],
    );
  }

  private async close(): Promise<void> {
    const sessions = [...(await Promise.all(this.writers.values())).flat(), ...(this.reader ? [this.reader] : [])];
    // Each connection closes inside its own queue, after the statements already running.
    await Promise.all(
      sessions.map((session) =>
        session.serial.run(() => {
          for (const appender of session.appenders.values()) appender.closeSync();
          session.connection.closeSync();
          return Promise.resolve();
        }),
      ),
    );
    this.instance?.closeSync();
    this.instance = null;
    this.reader = null;
    this.writers.clear();
  }
}
