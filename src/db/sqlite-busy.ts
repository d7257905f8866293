import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/** How long a statement waits for SQLite's write lock, held by another connection, before it fails. */
export const SQLITE_LOCK_WAIT_MS = 5000;

/** The waits between two tries, in milliseconds (the last one repeats): SQLite's own busy handler's. */
const BACKOFF_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/**
 * SQLite's dialect, with the wait for the write lock taken off the event loop: the connection's busy
 * timeout is 0 (database.ts), and a statement answered SQLITE_BUSY is tried again after an asynchronous
 * pause, up to SQLITE_LOCK_WAIT_MS. SQLite's own busy handler sleeps in the calling thread: while
 * `mailroom serve` waited for a commit of the `mailroom worker` sharing its file, nothing else of the
 * process ran — no page was answered, no IMAP socket read — for as long as the other's transaction lasted
 * (up to 5 s). And a second connection of the same process, in a thread, could never have its transaction
 * finished while this thread slept waiting for it (tried for the listing: every write of the process then
 * failed with "database is locked", README *Scale*).
 *
 * A statement that failed with SQLITE_BUSY did nothing (SQLite's statements are atomic), so running it
 * again is what the busy handler does. Mailroom's transactions take the write lock at `begin`, so a
 * statement within one does not meet it; SQLITE_BUSY_SNAPSHOT (a deferred transaction's upgrade) is
 * not retried, only the plain SQLITE_BUSY and SQLITE_BUSY_RECOVERY.
 */
export class SqliteDialectWaitingAsync extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new SqliteDriverWaitingAsync(this.#config);
  }
}

/** Kysely's SQLite driver, its one connection's statements waiting for the lock (`waitingForTheLock`). */
class SqliteDriverWaitingAsync extends SqliteDriver {
  readonly #waiting = new WeakMap<DatabaseConnection, DatabaseConnection>();

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    let waiting = this.#waiting.get(connection);
    if (!waiting) {
      waiting = waitingForTheLock(connection);
      this.#waiting.set(connection, waiting);
    }
    return waiting;
  }
}

const RETRIED = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY']);

const waitingForTheLock = (connection: DatabaseConnection): DatabaseConnection => ({
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = performance.now() + SQLITE_LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await connection.executeQuery<R>(query);
      } catch (error) {
        // Named case: the lock is another connection's; any other failure, or the wait over, is thrown.
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string' || !RETRIED.has(code) || performance.now() >= deadline) throw error;
        await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]);
      }
    }
  },
  streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
});
