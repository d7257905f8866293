import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.ts';
import { patchForCopy } from './copy-in.ts';
import type { Database } from './schema.ts';
import { SqliteDialectWaitingAsync } from './sqlite-busy.ts';

export type Db = Kysely<Database>;
export type DbKind = Config['database']['kind'];

/** Which database `db` (or a transaction of it) talks to. */
export const dbKind = (db: Db): DbKind =>
  db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';

// UIDs and UIDVALIDITY reach 2^32 - 1, beyond PostgreSQL's integer: they are bigint columns, read back
// as numbers (safe up to 2^53). MODSEQ, which can be larger, is stored as text instead.
pg.types.setTypeParser(20, (value) => Number(value));

/** Opens the configured database: SQLite (a file under the data folder) or PostgreSQL. */
export const openDatabase = (database: Config['database']): Db => {
  if (database.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: database.url, max: database.pool });
    // An idle connection the server closed (a restart, a failover, an administrator) leaves the pool by
    // itself and the next query opens another; unheard, its error would end the process.
    pool.on('error', () => undefined);
    pool.on('connect', patchForCopy);
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  if (database.file !== ':memory:') mkdirSync(dirname(database.file), { recursive: true });
  const sqlite = new SQLite(database.file);
  // Pages of 16 KB rather than SQLite's 4 KB, for a database created now (an existing one keeps its size
  // until a VACUUM): a listed message's raw source (~4 KB for plain mail) no longer spills into an overflow
  // page of its own, and a batch writes fewer, larger WAL frames. 20,000 messages through storeListed
  // (bench/store-listed.ts sqlite 20 --no-baseline), alternated three times: 2.35–2.57 → 1.82–1.97 s; the
  // listing of bench/sync.ts 20000 sqlite, alternated: 2.74–2.91 → 2.44–2.58 s. 8 KB pages measured slower
  // than 4 KB, 32 and 64 KB no faster than 16.
  sqlite.pragma('page_size = 16384');
  sqlite.pragma('journal_mode = WAL');
  // With WAL, NORMAL loses no committed transaction on a process crash (only on power loss), and stops
  // waiting for the disk on every commit: the sync commits once per message.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // The wait for another connection's write lock is the dialect's, off the event loop (sqlite-busy.ts).
  sqlite.pragma('busy_timeout = 0');
  return new Kysely<Database>({
    dialect: new SqliteDialectWaitingAsync({ database: cachingStatements(sqlite) }),
  });
};

/**
 * Kysely's transactions begin with `begin`; Mailroom's take SQLite's write lock at once instead. Two
 * processes can share one SQLite file (`mailroom serve` and `mailroom worker`): a deferred transaction that
 * read, then wrote after the other process committed, failed at once with SQLITE_BUSY_SNAPSHOT (the busy
 * timeout does not apply to that upgrade), a sign-in or a connect answered 500; an immediate one waits for
 * the lock at its start, up to SQLITE_LOCK_WAIT_MS (sqlite-busy.ts).
 */
const BEGIN_WRITING = 'begin immediate';

/** Distinct SQL texts kept prepared; `in (…)` lists of every length make new texts, so the cache is bounded. */
const STATEMENT_CACHE = 500;

/**
 * Kysely prepares every query anew; better-sqlite3's statements can be run again, and preparing is a
 * good part of a small query's cost (the sync stores several rows per message). One process runs one
 * statement at a time on its connection, and Mailroom never streams a query's rows, so a cached
 * statement is never busy when it is asked for again.
 */
const cachingStatements = (sqlite: SQLite.Database) => {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= STATEMENT_CACHE) cache.clear();
        statement = sqlite.prepare(sql === 'begin' ? BEGIN_WRITING : sql);
        cache.set(sql, statement);
      }
      return statement;
    },
    close: () => sqlite.close(),
  };
};
