import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import { DbThreadError } from './db-thread-error.ts';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

/**
 * The thread: a connection of its own to the file, with the settings of `openDatabase`, running each
 * statement it is sent and answering its rows or changes. Plain JavaScript: it starts in milliseconds, with
 * none of the app's modules. A transaction's `begin` takes the write lock at once (database.ts BEGIN_WRITING).
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file);
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
const cache = new Map();
const prepare = (text) => {
  let statement = cache.get(text);
  if (!statement) {
    if (cache.size >= 500) cache.clear();
    statement = db.prepare(text === 'begin' ? 'begin immediate' : text);
    cache.set(text, statement);
  }
  return statement;
};
parentPort.on('message', ({ id, text, parameters }) => {
  try {
    const statement = prepare(text);
    if (statement.reader) parentPort.postMessage({ id, rows: statement.all(parameters) });
    else parentPort.postMessage({ id, changes: statement.run(parameters).changes });
  } catch (error) {
    parentPort.postMessage({ id, failure: { message: String(error.message), code: error.code, stack: error.stack } });
  }
});
`;

/** What the thread answers a statement with. */
interface Answer {
  readonly id: number;
  readonly rows?: Record<string, unknown>[];
  readonly changes?: number;
  readonly failure?: { readonly message: string; readonly code?: string; readonly stack?: string };
}

/**
 * A second connection to a SQLite database, in a thread of its own: its statements and commits run beside
 * the calling thread instead of on it. A large listing writes through one (list-new.ts), so the FETCH is
 * read from the socket while a batch is inserted and committed; the rest of the process keeps its own
 * connection (a write of it waits for the thread's transaction, as one process's waits for another's).
 * `close` ends the thread; a thread that dies fails the statements it was sent and every one after.
 */
export const openSqliteThread = async (db: Db): Promise<Db | null> => {
  const { rows } = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(db);
  const file = rows[0]?.file;
  if (!file) return null;
  const driver = new ThreadDriver(file);
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => driver,
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
};

/**
 * Heap of the thread: it holds one statement's parameters at a time (a batch's sources, ~4 MB for 1,000
 * plain messages) and what the driver keeps; a small young generation collects them as they go.
 */
const THREAD_HEAP = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 } as const;

class ThreadDriver implements Driver {
  private worker: Worker | null = null;
  private dead: Error | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private readonly mutex = new Mutex();
  private readonly connection: DatabaseConnection;

  constructor(private readonly file: string) {
    this.connection = {
      executeQuery: (query) => this.execute(query),
      streamQuery: () => {
        throw new DbThreadError('db.thread_stream', 'the SQLite thread does not stream rows');
      },
    };
  }

  async init(): Promise<void> {
    const worker = new Worker(THREAD, {
      eval: true,
      workerData: { file: this.file, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
      resourceLimits: THREAD_HEAP,
    });
    worker.unref();
    worker.on('message', (answer: Answer) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (!answer.failure) waiter?.resolve(answer);
      else {
        const { message, code, stack } = answer.failure;
        // The statement's own failure, with SQLite's code (SQLITE_CONSTRAINT_UNIQUE…) as better-sqlite3 gives it.
        const error = Object.assign(new Error(message), { code, stack });
        waiter?.reject(error);
      }
    });
    const died = (cause: unknown) => {
      this.dead = new DbThreadError('db.thread_died', 'the SQLite thread ended', { cause });
      for (const waiter of this.waiting.values()) waiter.reject(this.dead);
      this.waiting.clear();
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`exit code ${code}`)));
    this.worker = worker;
  }

  private async execute<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const answer = await new Promise<Answer>((resolve, reject) => {
      if (this.dead || !this.worker) {
        reject(this.dead ?? new DbThreadError('db.thread_closed', 'the SQLite thread is closed'));
        return;
      }
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, text: query.sql, parameters: query.parameters });
    });
    if (answer.rows) return { rows: answer.rows.map(withBuffers) as R[] };
    return { rows: [], numAffectedRows: BigInt(answer.changes ?? 0) };
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.mutex.unlock();
  }

  async destroy(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.dead = new DbThreadError('db.thread_closed', 'the SQLite thread is closed');
    await worker?.terminate();
  }
}

/** A blob comes back from the thread as a Uint8Array: the app's code reads Buffers, as on its own connection. */
const withBuffers = (row: Record<string, unknown>): Record<string, unknown> => {
  for (const [key, value] of Object.entries(row))
    if (value instanceof Uint8Array && !Buffer.isBuffer(value))
      row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return row;
};

/** One statement or transaction at a time on the thread's one connection, as Kysely's own SQLite driver. */
class Mutex {
  private held: Promise<void> | null = null;
  private release: (() => void) | null = null;

  async lock(): Promise<void> {
    while (this.held) await this.held;
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  unlock(): void {
    const release = this.release;
    this.held = null;
    this.release = null;
    release?.();
  }
}
