import { SqliteAdapter, sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Logger } from '../../log/logger.ts';
import { MessagesError } from '../../messages/messages-error.ts';
import { createThreadPool, workerModule } from '../../threads/thread-pool.ts';
import type { ListedMessage } from '../../messages/store-listed.ts';
import { type BatchCursor, storeBatch } from './list-batch.ts';
import type { WireMessage, WriterJob, WriterReply } from './list-writer-thread.ts';

/** Stores the batches of one listing, in order, one at a time (the caller awaits each). */
export interface ListWriter {
  store(batch: readonly ListedMessage[], cursor: BatchCursor): Promise<number>;
  close(): Promise<void>;
}

/**
 * From this many new UIDs a listing on SQLite stores its batches in a thread of its own. SQLite runs on the
 * calling thread: on the main thread its statements and commits were half the listing's time, beside
 * imapflow's reading of the FETCH (bench/sync.ts 20000 sqlite); the thread takes a few hundred
 * milliseconds to start, meanwhile the first batches are stored here.
 */
export const THREAD_FROM_UIDS = 2000;

/** The SQLite file of `db`; null on PostgreSQL (its driver waits on the network, not the CPU) or in memory. */
const sqliteFile = async (db: Db): Promise<string | null> => {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return null;
  const { rows } = await sql<{
    file: string;
  }>`select file from pragma_database_list where name = 'main'`.execute(db);
  return rows[0]?.file || null;
};

const onThisThread = (db: Db): ListWriter => ({
  store: (batch, cursor) => storeBatch(db, batch, cursor),
  close: async () => undefined,
});

/** A copy of each source in a buffer of its own, transferred: no second copy in flight, nothing shared. */
const toWire = (batch: readonly ListedMessage[]) => {
  const wire: WireMessage[] = batch.map((m) => ({
    ...m,
    source: m.source ? new Uint8Array(m.source) : null,
  }));
  return { wire, transfer: wire.flatMap((m) => (m.source ? [m.source.buffer as ArrayBuffer] : [])) };
};

/**
 * The writer of a listing of `uids` new messages: a thread with its own connection on SQLite for a large
 * one, else this thread. Until the thread has opened the database, batches are stored here; a thread
 * that does not start is logged and the listing goes on here.
 */
export const startListWriter = async (db: Db, log: Logger, uids: number): Promise<ListWriter> => {
  const file = uids >= THREAD_FROM_UIDS ? await sqliteFile(db) : null;
  if (!file) return onThisThread(db);
  const pool = createThreadPool<Omit<WriterJob, 'id'>, WriterReply, number>({
    source: workerModule(import.meta.url, 'list-writer-thread'),
    name: 'listing writer',
    size: 1,
    timeoutMs: 120_000,
    workerData: { file },
    settle: (reply) =>
      'error' in reply
        ? {
            error: new MessagesError('messages.store_failed', reply.error.message, {
              cause: { code: reply.error.code },
            }),
          }
        : { result: reply.created },
    failure: (message, cause) => new MessagesError('messages.store_failed', message, { cause }),
  });
  let ready = false;
  let closed = false;
  pool
    .run(() => ({ payload: { op: 'open' } }))
    .then(
      () => {
        ready = true;
      },
      (error: unknown) => {
        // Named case: a listing shorter than the thread's start closes the pool first; nothing to tell.
        if (closed) return;
        log.warn(
          { event: 'sync.list_writer_failed', err: error },
          "The listing's writer thread did not start: its batches are stored on the main thread",
        );
      },
    );
  return {
    store: (batch, cursor) => {
      if (!ready) return storeBatch(db, batch, cursor);
      const stored = pool.run(() => {
        const { wire, transfer } = toWire(batch);
        return { payload: { op: 'store', batch: wire, cursor }, transfer };
      });
      // The batches committed before this one are copied from the WAL into the database here, while the
      // thread stores this one: checkpointing was a third of its commits' time (PASSIVE: never waits).
      setImmediate(() =>
        sql`pragma wal_checkpoint(PASSIVE)`.execute(db).catch((error: unknown) =>
          log.warn({ event: 'sync.checkpoint_failed', err: error }, 'The WAL could not be checkpointed'),
        ),
      );
      return stored;
    },
    async close() {
      closed = true;
      await pool.close();
    },
  };
};
