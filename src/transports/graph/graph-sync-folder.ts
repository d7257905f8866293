import { Readable } from 'node:stream';
import { inTransaction, recordEvent } from '../../events/record-event.ts';
import { readHeader } from '../../messages/read-header.ts';
import { type ListedMessage as StoredListing, storeListed } from '../../messages/store-listed.ts';
import type { FolderSyncResult, SyncFolderOptions, SyncStore, TransportDeps } from '../types.ts';
import { deltaPage } from './delta.ts';
import { fetchMime } from './fetch-mime.ts';
import type { GraphClient } from './graph-client.ts';
import { GraphError } from './graph-error.ts';
import { countStored, loadGraphState, nextUid, saveGraphProgress } from './graph-folder-state.ts';
import { applyKnown, dropUnseen, flagsOf, removeRemote } from './graph-page.ts';
import type { ListedMessage } from './listed-message.ts';

/** Listings per delta page (`Prefer: odata.maxpagesize`): each page is stored, then the cursor moves past it. */
const DEFAULT_PAGE = 100;
/** Above this, a message's MIME goes to the blob store rather than into the row (as IMAP's sync does). */
const INLINE_SOURCE_BYTES = 256 * 1024;
/** Exchange Online's largest message (graph-mail-spec.md §5). */
const MAX_MESSAGE_BYTES = 150 * 1024 * 1024;
/** `$value` downloads at once: the client's own limit is the app's 4 requests in flight (§7). */
const DOWNLOADS_AT_ONCE = 4;
/** 410 answers in one sync of a folder before giving up (each starts the round from nothing again). */
const MAX_RESETS = 2;

export interface GraphReader {
  readonly client: GraphClient;
  /** `me`, or a system mailbox's address. */
  readonly mailbox: string;
}

/** Runs `fn` over `items`, `limit` at a time, keeping the order of the results. */
const pooled = async <T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await fn(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

/** Each new listing's raw MIME (`$value`) as the listing path stores it: small ones inline, large ones as blobs. */
const fetchFresh = async (
  store: SyncStore,
  graph: GraphReader,
  mailboxId: string,
  path: string,
  fresh: readonly ListedMessage[],
  allocate: () => number,
  signal: AbortSignal | undefined,
): Promise<StoredListing[]> => {
  const uids = fresh.map(() => allocate());
  return pooled(
    fresh.map((m, i) => ({ m, uid: uids[i]! })),
    DOWNLOADS_AT_ONCE,
    async ({ m, uid }) => {
      const source = await fetchMime(graph.client, graph.mailbox, m.id, {
        maxBytes: MAX_MESSAGE_BYTES,
        timeoutMs: 10 * 60_000,
        ...(signal ? { signal } : {}),
      });
      const received = m.receivedDateTime ? new Date(m.receivedDateTime) : null;
      const input = {
        mailboxId,
        path,
        uidValidity: 0,
        uid,
        remoteId: m.id,
        flags: flagsOf(m),
        internalDate: received && !Number.isNaN(received.getTime()) ? received : null,
        size: source.length,
      };
      const header = readHeader(source);
      if (source.length < INLINE_SOURCE_BYTES) return { input, header, source, blobSha256: null };
      const { sha256 } = await store.blobs.put(Readable.from([source]));
      return { input, header, source: null, blobSha256: sha256 };
    },
  );
};

/**
 * Syncs one folder through `messages/delta` (graph-mail-spec.md §4) into the store IMAP's sync uses: each
 * page's removals, moves and flag changes applied, its new messages' MIME stored (blobs, parse queue), then
 * the page's link saved as the folder's cursor, so a cut session resumes where it was with no gap, and a
 * page read twice changes nothing (copies are found by their immutable id). A round from nothing (the first,
 * or after 410 SyncStateNotFound) ends by dropping the folder's copies it did not list: a reset lists the
 * folder again without a duplicate.
 */
export const syncGraphFolder = async (
  deps: Pick<TransportDeps, 'db' | 'log'>,
  store: SyncStore,
  graph: GraphReader,
  mailboxId: string,
  path: string,
  folderId: string,
  options: SyncFolderOptions = {},
): Promise<FolderSyncResult> => {
  const { db } = deps;
  const { signal } = options;
  const pageSize = options.batchSize ?? DEFAULT_PAGE;
  try {
    const state = await loadGraphState(db, mailboxId, path, folderId);
    let uid = await nextUid(db, mailboxId, path);
    const allocate = () => uid++;
    let cursor = state.cursor;
    let resyncBelow = state.resyncBelow;
    let reset = false;
    let resets = 0;
    if (cursor === null) resyncBelow = uid;
    await saveGraphProgress(db, mailboxId, path, folderId, {
      cursor,
      resyncBelow,
      status: 'syncing',
      lastError: null,
    });
    let fetched = 0;
    let created = 0;
    let flagsChanged = 0;
    let removed = 0;
    let stored = state.storedMessages;
    for (;;) {
      signal?.throwIfAborted();
      const page = await deltaPage(graph.client, graph.mailbox, folderId, cursor, {
        pageSize,
        ...(signal ? { signal } : {}),
      });
      if (page.kind === 'resync') {
        // The delta link expired: the folder is listed again from nothing; copies come back by their id.
        if (++resets > MAX_RESETS) throw page.error;
        reset = true;
        cursor = null;
        resyncBelow = uid;
        await saveGraphProgress(db, mailboxId, path, folderId, { cursor, resyncBelow, uidNext: uid });
        continue;
      }
      removed += await removeRemote(db, mailboxId, path, page.removed);
      const known = await applyKnown(db, mailboxId, path, page.changed, resyncBelow, allocate);
      flagsChanged += known.flagsChanged;
      if (known.fresh.length > 0) {
        const listed = await fetchFresh(store, graph, mailboxId, path, known.fresh, allocate, signal);
        for (const result of await storeListed(db, listed)) if (result.created) created++;
        fetched += listed.length;
        store.parser.wake(mailboxId);
      }
      cursor = page.next.cursor;
      const done = page.next.kind === 'done';
      if (done && resyncBelow !== null) {
        removed += await dropUnseen(db, mailboxId, path, resyncBelow);
        resyncBelow = null;
      }
      stored = await countStored(db, mailboxId, path);
      if (done) break;
      await saveGraphProgress(db, mailboxId, path, folderId, {
        cursor,
        resyncBelow,
        uidNext: uid,
        storedMessages: stored,
      });
    }
    // The round's last cursor is saved with its end and its event.
    await inTransaction(db, async (trx) => {
      await saveGraphProgress(trx, mailboxId, path, folderId, {
        cursor,
        resyncBelow,
        uidNext: uid,
        storedMessages: stored,
        status: 'idle',
        synced: true,
      });
      await recordEvent(trx, {
        type: 'folder.synced',
        mailboxId,
        subject: { type: 'folder', id: path },
        payload: { fetched, created, flagsChanged, removed, stored, reset, transport: 'graph' },
      });
    });
    return { fetched, created, flagsChanged, removed, reset };
  } catch (error) {
    await saveGraphProgress(db, mailboxId, path, folderId, {
      status: 'failed',
      lastError: (error as Error).message.slice(0, 500),
    }).catch((saveError: unknown) =>
      // The sync's own failure is still thrown (and recorded on the mailbox); the folder keeps its last status.
      deps.log.error(
        { event: 'folder.status_not_saved', mailboxId, path, err: saveError },
        'The failed sync of a folder could not be recorded on it',
      ),
    );
    throw error;
  }
};

/** A folder Mailroom lists that Graph no longer has. */
export const folderGone = (mailbox: string): GraphError =>
  new GraphError('graph.item_not_found', {}, { mailbox, permission: 'Mail.Read' });
