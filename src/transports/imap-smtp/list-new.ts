import type { ImapFlow } from 'imapflow';
import { type Db, dbKind } from '../../db/database.ts';
import { startWalCheckpointer } from '../../db/wal-checkpointer.ts';
import type { Logger } from '../../log/logger.ts';
import type { BlobStore } from '../../messages/blob-store.ts';
import type { ListingGroup } from '../../messages/listing-group.ts';
import { readHeader } from '../../messages/read-header.ts';
import { type ListedMessage, storeListed } from '../../messages/store-listed.ts';
import type { Stored } from '../../messages/store-message.ts';
import { createThreadCarry } from '../../messages/threading.ts';
import { growHeapFasterWhileListing, LISTING_HEAP_GROWING_PERCENT } from '../../threads/heap-growth.ts';
import { newUids, uidSet } from './cursor.ts';
import type { FetchedSource } from './fetch-response.ts';
import { saveProgress } from './folder-state.ts';
import { ImapError, toImapError } from './imap-error.ts';
import { fetchSources } from './listing-fetch.ts';

/**
 * Messages stored per transaction at most (the first batches are smaller, see FIRST_BATCH): a commit and
 * the index pages it rewrites cost SQLite as much as hundreds of rows' inserts, and PostgreSQL a round
 * trip per statement.
 */
export const LIST_BATCH = 1000;

/**
 * The folder's UIDs from `from` on, ascending: one UID SEARCH, which also finds mail that came after the
 * SELECT's UIDNEXT.
 */
export const searchNewUids = async (client: ImapFlow, from: number): Promise<number[]> =>
  newUids(
    (await client
      .search({ uid: `${from}:*` }, { uid: true })
      .catch((e: unknown) => Promise.reject(toImapError(e)))) || [],
    from,
  );

export interface ListNewDeps {
  readonly db: Db;
  readonly blobs: BlobStore;
  readonly log: Logger;
  /** Batches commit with other rounds' (arrival rounds, listing-group.ts); else one transaction each. */
  readonly listingGroup?: ListingGroup | undefined;
}

export interface ListNewTarget {
  readonly mailboxId: string;
  readonly path: string;
  readonly uidValidity: number;
  /** Messages of this folder already stored before these (the progress count goes on from it). */
  readonly storedBefore: number;
}

/**
 * A message up to this size comes whole in the FETCH and waits for its parse in the database; of a larger
 * one the FETCH brings this much (its header), and the whole is streamed to the blob store afterwards
 * (`download`), so a 30 MB message is never in this thread's memory.
 */
export const INLINE_SOURCE_BYTES = 256 * 1024;
/**
 * From this many new UIDs a listing is large: on SQLite it checkpoints the WAL in a thread
 * (db/wal-checkpointer.ts), and the heap grows faster while it runs (threads/heap-growth.ts).
 */
const LARGE_LISTING_FROM = 2000;
/**
 * The first batch is small, so the first messages are listed within a moment; each next one doubles, up
 * to `batchSize`: a commit and the index pages it rewrites cost SQLite as much as hundreds of rows.
 */
const FIRST_BATCH = 100;

/**
 * Lists new messages (their UIDs ascending, from SEARCH) at the pace of the wire: one streamed UID FETCH
 * per window of `batchSize` UIDs (flags, INTERNALDATE, size and up to INLINE_SOURCE_BYTES of source), the envelope read
 * from each header, and every batch stored in one transaction with the folder's cursor and count while
 * the FETCH goes on: the next batch is read from the socket while one commits, and at most those two are
 * held — on PostgreSQL, three: a batch's rows are written while the one before it commits (its commit
 * waits for that one's), which overlaps the server's work for one with the round trips of the other. The
 * cursor only passes UIDs that are stored (a cut session resumes with no gap; storing a UID again is a
 * no-op), so a large message, downloaded after its window's FETCH, holds it back until then.
 */
export const listNew = async (
  deps: ListNewDeps,
  client: ImapFlow,
  target: ListNewTarget,
  uids: readonly number[],
  options: { readonly batchSize: number; readonly signal?: AbortSignal | undefined },
): Promise<{ fetched: number; created: number }> => {
  let fetched = 0;
  let created = 0;
  let limit = Math.min(FIRST_BATCH, options.batchSize);
  /** The last batch's commit, and the one before it. */
  let storing: Promise<unknown> = Promise.resolve();
  let storingBefore: Promise<unknown> = Promise.resolve();
  // PostgreSQL stores a batch while the one before it commits; SQLite has one writer.
  const overlap = !deps.listingGroup && dbKind(deps.db) === 'postgres';
  const threadCarry = overlap ? createThreadCarry() : undefined;
  /** Resolves when a batch may be stored: at most two are committing, or one without overlap. */
  const room = (): Promise<unknown> => (overlap ? storingBefore : storing);
  const large = uids.length >= LARGE_LISTING_FROM;
  const checkpoints = large ? await startWalCheckpointer(deps.db, deps.log) : null;
  const heapGrowthBack = large
    ? growHeapFasterWhileListing(LISTING_HEAP_GROWING_PERCENT[dbKind(deps.db)])
    : () => undefined;
  /** A batch and the cursor past it in one transaction: its own, or one with other rounds' (the group). */
  const commitBatch = async (
    batch: readonly ListedMessage[],
    progress: { uidNext: number; storedMessages: number },
    before: Promise<unknown>,
  ): Promise<Stored[]> => {
    const { mailboxId, path } = target;
    if (deps.listingGroup) return deps.listingGroup(batch, { mailboxId, path, ...progress }, options.signal);
    if (batch.length === 0) {
      await before;
      await saveProgress(deps.db, mailboxId, path, progress);
      return [];
    }
    // The cursor and the rows other transactions write (the folder's state row, the events' lock) come
    // after the batch before has committed: the cursor only moves forward, past stored UIDs, and a failed
    // batch fails the one after it. Waiting for it holding those rows would deadlock the two.
    return storeListed(
      deps.db,
      batch,
      async (trx) => {
        await before;
        await saveProgress(trx, mailboxId, path, progress);
      },
      threadCarry,
    );
  };
  /** The cursor the last batch stored (or storing) moves to. */
  let storedTo = 0;
  /**
   * Starts storing a batch with the cursor at `uidNext`, after the batch before it (its commit first, so the
   * cursor only moves forward); a caller holding messages awaits `storing` first, so at most two batches
   * are held.
   */
  const store = (batch: ListedMessage[], uidNext: number): void => {
    fetched += batch.length;
    storedTo = uidNext;
    const progress = { uidNext, storedMessages: target.storedBefore + fetched };
    const before = storing;
    storingBefore = before;
    storing = (async () => {
      if (!overlap) await before;
      for (const result of await commitBatch(batch, progress, before)) if (result.created) created++;
      checkpoints?.committed();
    })();
    // Named case: awaited (and its failure thrown) before the next batch is stored and when the listing
    // ends; this only keeps it from being an unhandled rejection until then.
    storing.catch(() => undefined);
    limit = Math.min(limit * 2, options.batchSize);
  };
  try {
    // One FETCH per `batchSize` UIDs: large messages are downloaded between two (a session runs one
    // command at a time), and a server that ends a session between commands (an expired token) is met.
    for (let at = 0; at < uids.length; at += options.batchSize) {
      const window = uids.slice(at, at + options.batchSize);
      const cursor = new WindowCursor(window);
      let batch: ListedMessage[] = [];
      const large: Omit<ListedMessage, 'blobSha256' | 'source'>[] = [];
      for await (const msg of fetchSources(client, uidSet(window), INLINE_SOURCE_BYTES)) {
        options.signal?.throwIfAborted();
        const listed = toListed(target, msg);
        if (!listed) continue;
        if (listed.source === null) large.push(listed);
        else batch.push(listed);
        if (batch.length >= limit) {
          await room();
          store(batch, cursor.storedUpTo(batch));
          batch = [];
        }
      }
      for (const { input, header } of large) {
        const download = await client
          .download(String(input.uid), undefined, { uid: true })
          .catch((e: unknown) => Promise.reject(toImapError(e)));
        if (!download.content)
          throw new ImapError('imap.protocol', null, `no content for UID ${input.uid}`, { cause: null });
        const { sha256 } = await deps.blobs.put(download.content);
        batch.push({ input, header, source: null, blobSha256: sha256 });
      }
      // The window is done: UIDs the server did not answer (expunged meanwhile) are passed too. The next
      // window's FETCH starts while the last batch commits (with windows of one batch, waiting for it here
      // made reading and storing take turns).
      const windowEnd = window.at(-1)! + 1;
      if (batch.length > 0) await room();
      if (batch.length > 0 || storedTo !== windowEnd) store(batch, windowEnd);
    }
  } finally {
    // The batches still committing are waited for; the first failure among them is the one thrown (the
    // database's state: a batch that failed failed the one after it with its error).
    await allCommitted([storingBefore, storing]).finally(() => {
      checkpoints?.stop();
      heapGrowthBack();
    });
  }
  return { fetched, created };
};

/** Resolves once every commit has settled; rejects with the first failure among them, in order. */
const allCommitted = async (commits: readonly Promise<unknown>[]): Promise<void> => {
  for (const result of await Promise.allSettled(commits))
    if (result.status === 'rejected') throw result.reason;
};

/**
 * A fetched message as listed: the source kept when it came whole, else null (to be downloaded). Exchange's
 * RFC822.SIZE is not always the source's length: a source that filled the window is cut.
 */
const toListed = (target: ListNewTarget, msg: FetchedSource): ListedMessage | null => {
  if (!msg.source) return null;
  const input = {
    mailboxId: target.mailboxId,
    path: target.path,
    uidValidity: target.uidValidity,
    uid: msg.uid,
    flags: msg.flags,
    internalDate: msg.internalDate,
    size: msg.size ?? msg.source.length,
  };
  const whole = msg.source.length >= input.size && msg.source.length < INLINE_SOURCE_BYTES;
  return { input, header: readHeader(msg.source), source: whole ? msg.source : null, blobSha256: null };
};

/**
 * Where the cursor may move within a window: to the first of its UIDs not stored yet. Answers come in
 * UID order from the servers we know, but RFC 3501 does not promise it, so every UID is checked.
 */
class WindowCursor {
  private next = 0;
  private readonly stored = new Set<number>();

  constructor(private readonly uids: readonly number[]) {}

  /** After `batch` is stored; large messages, stored after the window's FETCH, hold it back until then. */
  storedUpTo(batch: readonly ListedMessage[]): number {
    for (const b of batch) this.stored.add(b.input.uid);
    while (this.next < this.uids.length && this.stored.delete(this.uids[this.next]!)) this.next++;
    return this.uids[this.next] ?? this.uids.at(-1)! + 1;
  }
}
