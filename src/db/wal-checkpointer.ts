import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Logger } from '../log/logger.ts';
import { type Db, dbKind } from './database.ts';

/** Checkpoints a SQLite database's WAL off the calling thread while a bulk write runs (a listing). */
export interface WalCheckpointer {
  /** A transaction committed: its pages are copied into the database soon, by the thread. */
  committed(): void;
  /** Back to SQLite's own checkpoints, at commit, on the calling thread. */
  stop(): Promise<void>;
}

/** SQLite's default `wal_autocheckpoint`, in pages: what the connection goes back to. */
const AUTOCHECKPOINT_PAGES = 1000;

const NONE: WalCheckpointer = { committed: () => undefined, stop: async () => undefined };

/**
 * The thread: a connection of its own to the file, running a PASSIVE checkpoint (it never waits for the
 * writer, nor blocks it) for each request. Plain JavaScript: it starts in milliseconds.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file);
parentPort.on('message', () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage(null);
  } catch (error) {
    parentPort.postMessage(String(error && error.stack || error));
  }
});
`;

/**
 * On SQLite, turns the connection's automatic checkpoints off and has a thread checkpoint after each
 * commit instead. A checkpoint copies the WAL's pages into the database and waits for the disk (fsync,
 * synchronous=NORMAL): on the calling thread that was most of a listing's commit time (bench/sync.ts
 * 20000 sqlite, main-thread profile: commits 477 ms, 146 ms with this). On PostgreSQL, or in memory, nothing.
 */
export const startWalCheckpointer = async (db: Db, log: Logger): Promise<WalCheckpointer> => {
  if (dbKind(db) !== 'sqlite') return NONE;
  const { rows } = await sql<{
    file: string;
  }>`select file from pragma_database_list where name = 'main'`.execute(db);
  const file = rows[0]?.file;
  if (!file) return NONE;
  const worker = new Worker(THREAD, {
    eval: true,
    workerData: { file, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  worker.unref();
  let running = false;
  let again = false;
  let stopped = false;
  const restore = async () => {
    if (stopped) return;
    stopped = true;
    await sql.raw(`pragma wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`).execute(db);
  };
  /** Named case: automatic checkpoints not turned back on is logged; the bulk write goes on either way. */
  const restoreOrLog = () =>
    restore().catch((restoreError: unknown) =>
      log.error({ event: 'db.autocheckpoint_not_restored', err: restoreError }, 'WAL checkpoints stay off'),
    );
  const failed = (error: unknown) => {
    // The connection checkpoints at its commits again; the bulk write goes on.
    log.warn({ event: 'db.checkpointer_failed', err: error }, 'The WAL checkpoint thread failed');
    void restoreOrLog();
  };
  worker.on('error', failed);
  worker.on('message', (failure: string | null) => {
    if (failure) failed(new Error(failure));
    running = again && !stopped;
    again = false;
    if (running) worker.postMessage(null);
  });
  await sql`pragma wal_autocheckpoint = 0`.execute(db);
  return {
    committed() {
      if (stopped) return;
      if (running) again = true;
      else {
        running = true;
        worker.postMessage(null);
      }
    },
    // Called without waiting when a listing ends (list-new.ts): it never rejects.
    async stop() {
      await restoreOrLog();
      await worker.terminate();
    },
  };
};
