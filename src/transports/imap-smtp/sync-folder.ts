import type { ImapFlow } from 'imapflow';
import type { Db } from '../../db/database.ts';
import { inTransaction, recordEvent } from '../../events/record-event.ts';
import type { BlobStore } from '../../messages/blob-store.ts';
import { removeGeneration, removeLocations, updateFlags } from '../../messages/locations.ts';
import type { MessageParser } from '../../messages/parse-queue.ts';
import { readHeader } from '../../messages/read-header.ts';
import { type ListedMessage, storeListed } from '../../messages/store-listed.ts';
import { type FlagChange, parsePending, setLocalFlags } from '../../reading/local-flags.ts';
import type { FolderSyncResult, SyncFolderOptions } from '../types.ts';
import { newUidBatches, planSync, uidSet, vanished } from './cursor.ts';
import { loadCursor, saveProgress, storedUids } from './folder-state.ts';
import { ImapError, toImapError } from './imap-error.ts';
import { pushSelectedFolderFlags } from './push-flags.ts';

export interface SyncFolderDeps {
  readonly db: Db;
  readonly blobs: BlobStore;
  readonly parser: MessageParser;
}

/** Larger batches commit less often: a commit costs SQLite as much as a hundred rows' inserts. */
const DEFAULT_BATCH = 250;
/**
 * A message up to this size comes whole in the batch's FETCH and waits for its parse in the database;
 * of a larger one the FETCH brings this much (its header), and the whole is streamed to the blob store
 * (`download`), so a 30 MB message is never in this thread's memory.
 */
export const INLINE_SOURCE_BYTES = 256 * 1024;

/**
 * One FETCH batch as listed messages: flags, INTERNALDATE, size and the source (up to INLINE_SOURCE_BYTES),
 * the envelope read from its header; larger messages then downloaded into the blob store, one at a time
 * (a session runs one command at a time) after the FETCH has ended.
 */
const fetchListed = async (
  deps: SyncFolderDeps,
  client: ImapFlow,
  mailboxId: string,
  path: string,
  uidValidity: number,
  batch: readonly number[],
): Promise<ListedMessage[]> => {
  const listed: ListedMessage[] = [];
  const large: Omit<ListedMessage, 'blobSha256' | 'source'>[] = [];
  for await (const msg of imapStream(
    client.fetch(
      uidSet(batch),
      { uid: true, flags: true, internalDate: true, size: true, source: { maxLength: INLINE_SOURCE_BYTES } },
      { uid: true },
    ),
  )) {
    if (!msg.source) continue;
    const input = {
      mailboxId,
      path,
      uidValidity,
      uid: msg.uid,
      flags: [...(msg.flags ?? [])],
      internalDate: msg.internalDate instanceof Date ? msg.internalDate : null,
      size: msg.size ?? msg.source.length,
    };
    const header = readHeader(msg.source);
    // Exchange's RFC822.SIZE is not always the source's length: a source that filled the window is cut.
    if (msg.source.length < input.size || msg.source.length >= INLINE_SOURCE_BYTES)
      large.push({ input, header });
    else
      listed.push({
        input,
        header,
        source: msg.source,
        blobSha256: null,
      });
  }
  for (const { input, header } of large) {
    const download = await client
      .download(String(input.uid), undefined, { uid: true })
      .catch((e: unknown) => Promise.reject(toImapError(e)));
    if (!download.content)
      throw new ImapError('imap.protocol', null, `no content for UID ${input.uid}`, { cause: null });
    const { sha256 } = await deps.blobs.put(download.content);
    listed.push({ input, header, source: null, blobSha256: sha256 });
  }
  return listed;
};

/** The pending flag changes of a folder's copies under one UIDVALIDITY, by message. */
const pendingByMessage = async (
  db: Db,
  mailboxId: string,
  path: string,
  uidValidity: number,
): Promise<Map<string, FlagChange>> => {
  const rows = await db
    .selectFrom('message_locations')
    .select(['message_id', 'pending_flags'])
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .where('uidvalidity', '=', uidValidity)
    .where('pending_flags', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.message_id, parsePending(r.pending_flags)]));
};

/** imapflow's errors from a FETCH stream, translated once (a BYE mid-stream becomes `imap.token_expired`). */
async function* imapStream<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = stream[Symbol.asyncIterator]();
  for (;;) {
    let step: IteratorResult<T>;
    try {
      step = await iterator.next();
    } catch (error) {
      throw toImapError(error);
    }
    if (step.done) return;
    yield step.value;
  }
}

/**
 * Syncs one folder over an open session (DESIGN.md flow 5): new messages by UID in batches, streamed one
 * at a time into the store and committed before the cursor moves (a cut connection resumes with no gap
 * and, the store being idempotent, no duplicate); then flag changes (CHANGEDSINCE when the server has
 * CONDSTORE, else a UID FLAGS rescan) and deletions (UIDs the server no longer lists). A changed
 * UIDVALIDITY drops the folder's old UIDs; messages come back by their dedupe key, not as copies.
 */
export const syncFolder = async (
  deps: SyncFolderDeps,
  client: ImapFlow,
  mailboxId: string,
  path: string,
  options: SyncFolderOptions = {},
): Promise<FolderSyncResult> => {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const lock = await client
    .getMailboxLock(path)
    .catch((error: unknown) => Promise.reject(toImapError(error)));
  try {
    const box = client.mailbox;
    if (!box) throw new Error(`mailbox ${path} is not selected`);
    const server = {
      uidValidity: Number(box.uidValidity),
      uidNext: box.uidNext,
      exists: box.exists,
      highestModseq:
        client.enabled.has('CONDSTORE') && box.highestModseq !== undefined ? box.highestModseq : null,
    };
    const cursor = await loadCursor(deps.db, mailboxId, path);
    const plan = planSync(cursor, server);
    // Read/unread changed in Mailroom and not yet on the server would go with the old copies: carried
    // over to the copies the refetch brings back, and pushed below like any other pending change.
    let carried = new Map<string, FlagChange>();
    if (plan.reset && cursor?.uidValidity != null) {
      carried = await pendingByMessage(deps.db, mailboxId, path, cursor.uidValidity);
      await removeGeneration(deps.db, mailboxId, path, cursor.uidValidity);
    }
    await saveProgress(deps.db, mailboxId, path, {
      ...(plan.reset ? { uidNext: 1, highestModseq: null, storedMessages: 0 } : {}),
      uidValidity: server.uidValidity,
      serverMessages: server.exists,
      status: 'syncing',
      lastError: null,
    });

    let fetched = 0;
    let created = 0;
    // Past the last UID listed: the SEARCH may find mail that came after the SELECT's UIDNEXT.
    let listedTo = 0;
    if (plan.hasNew) {
      const found =
        (await client
          .search({ uid: `${plan.fetchFrom}:*` }, { uid: true })
          .catch((e: unknown) => Promise.reject(toImapError(e)))) || [];
      let stored =
        plan.fetchFrom === 1 ? 0 : (await storedUids(deps.db, mailboxId, path, server.uidValidity)).length;
      const batches = newUidBatches(found, plan.fetchFrom, batchSize);
      const fetchBatch = (at: number) => {
        const next = batches[at]
          ? fetchListed(deps, client, mailboxId, path, server.uidValidity, batches[at])
          : null;
        // Awaited below, after the batch before it is stored; until then a failure must not go unhandled.
        next?.catch(() => undefined);
        return next;
      };
      // The next batch is on the wire while this one is stored: the server and the socket are not idle
      // while the database writes.
      let next = fetchBatch(0);
      for (let at = 0; next; at++) {
        options.signal?.throwIfAborted();
        const listed = await next;
        next = fetchBatch(at + 1);
        // Listed as soon as this commits: envelope, flags, size and raw source in one transaction.
        for (const result of await storeListed(deps.db, listed)) if (result.created) created++;
        fetched += listed.length;
        stored += listed.length;
        listedTo = batches[at]!.at(-1)! + 1;
        await saveProgress(deps.db, mailboxId, path, { uidNext: listedTo, storedMessages: stored });
      }
      // Read once the folder is listed: on the main thread, writing bodies and search text would slow the
      // listing down (with two cores, the parse threads would too).
      deps.parser.wake(mailboxId);
    }

    // Pending flags carried over apply to the messages the refetched copies are: known once they are read.
    if (carried.size > 0) await deps.parser.drain(mailboxId, options.signal);
    for (const [messageId, change] of carried) await setLocalFlags(deps.db, mailboxId, messageId, change);

    let flagsChanged = 0;
    let removed = 0;
    // Read/unread set in Mailroom goes to the server first, so the rescan below reads it back.
    await pushSelectedFolderFlags(deps.db, client, mailboxId, path).catch((error: { code?: string }) => {
      if (error.code !== 'imap.flags_refused') throw error;
    });
    // Ascending: the highest UID stored is the last (never spread into Math.max: it overflows the stack).
    const known = await storedUids(deps.db, mailboxId, path, server.uidValidity);
    if (plan.flags.kind !== 'none' && known.length > 0) {
      const query =
        plan.flags.kind === 'changedsince' ? { uid: true, changedSince: plan.flags.modseq } : { uid: true };
      const changes: { uid: number; flags: string[] }[] = [];
      for await (const msg of imapStream(
        client.fetch(`1:${known.at(-1)}`, { uid: true, flags: true }, query),
      ))
        changes.push({ uid: msg.uid, flags: [...(msg.flags ?? [])] });
      flagsChanged = await updateFlags(deps.db, mailboxId, path, server.uidValidity, changes);
      const present = new Set(
        plan.flags.kind === 'rescan'
          ? changes.map((c) => c.uid)
          : (await client
              .search({ all: true }, { uid: true })
              .catch((e: unknown) => Promise.reject(toImapError(e)))) || [],
      );
      const gone = vanished(known, present);
      if (gone.length > 0) await removeLocations(deps.db, mailboxId, path, server.uidValidity, gone);
      removed = gone.length;
    }
    const total = known.length - removed;
    await inTransaction(deps.db, async (trx) => {
      await saveProgress(trx, mailboxId, path, {
        uidNext: Math.max(server.uidNext, plan.fetchFrom, listedTo),
        highestModseq: server.highestModseq,
        storedMessages: total,
        status: 'idle',
        synced: true,
      });
      await recordEvent(trx, {
        type: 'folder.synced',
        mailboxId,
        subject: { type: 'folder', id: path },
        payload: { fetched, created, flagsChanged, removed, stored: total, reset: plan.reset },
      });
    });
    return { fetched, created, flagsChanged, removed, reset: plan.reset };
  } catch (error) {
    await saveProgress(deps.db, mailboxId, path, {
      status: 'failed',
      lastError: (error as Error).message.slice(0, 500),
    }).catch(() => undefined);
    throw error;
  } finally {
    lock.release();
  }
};
