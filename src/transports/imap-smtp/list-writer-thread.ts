import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/database.ts';
import { sql } from 'kysely';
import type { ListedMessage } from '../../messages/store-listed.ts';
import { type BatchCursor, storeBatch } from './list-batch.ts';

/** A fetched message as posted to the writer thread: its source copied into a buffer of its own. */
export type WireMessage = Omit<ListedMessage, 'source'> & { readonly source: Uint8Array | null };

/** `open` answers once the thread has its connection: from then on the listing posts its batches. */
export type WriterJob =
  | { readonly id: number; readonly op: 'open' }
  | {
      readonly id: number;
      readonly op: 'store';
      readonly batch: readonly WireMessage[];
      readonly cursor: BatchCursor;
    };

export type WriterReply =
  | { readonly id: number; readonly created: number }
  | { readonly id: number; readonly error: { readonly message: string; readonly code: string | null } };

const fromWire = (m: WireMessage): ListedMessage => ({
  ...m,
  source: m.source ? Buffer.from(m.source.buffer, m.source.byteOffset, m.source.byteLength) : null,
});

if (parentPort) {
  const port = parentPort;
  // A connection of its own to the same SQLite file (WAL: the main thread's readers are not blocked).
  const db = openDatabase({ kind: 'sqlite', file: (workerData as { file: string }).file });
  port.on('message', async (job: WriterJob) => {
    try {
      // The main thread checkpoints the WAL after each batch (list-writer.ts), while this one stores the next.
      if (job.op === 'open') await sql`pragma wal_autocheckpoint = 0`.execute(db);
      const created = job.op === 'open' ? 0 : await storeBatch(db, job.batch.map(fromWire), job.cursor);
      port.postMessage({ id: job.id, created } satisfies WriterReply);
    } catch (error) {
      // Reported to the listing, which fails with it (the batch's transaction was rolled back).
      const code = (error as { code?: unknown }).code;
      port.postMessage({
        id: job.id,
        error: { message: (error as Error).message, code: typeof code === 'string' ? code : null },
      } satisfies WriterReply);
    }
  });
}
