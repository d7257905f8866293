import type { ImapFlow } from 'imapflow';
import type { Db } from '../../db/database.ts';
import { inTransaction, recordEvent } from '../../events/record-event.ts';
import type { Logger } from '../../log/logger.ts';
import type { BlobStore } from '../../messages/blob-store.ts';
import { removeGeneration, removeLocations, updateFlags } from '../../messages/locations.ts';
import type { MessageParser } from '../../messages/parse-queue.ts';
import { type FlagChange, parsePending, setLocalFlags } from '../../reading/local-flags.ts';
import type { FolderSyncResult, SyncFolderOptions } from '../types.ts';
import { planSync, vanished } from './cursor.ts';
import { loadCursor, saveProgress, storedUids } from './folder-state.ts';
import { toImapError } from './imap-error.ts';
import { selectedMailbox } from './imap-session.ts';
import { imapStream } from './imap-stream.ts';
import { LIST_BATCH, listNew, searchNewUids } from './list-new.ts';
import { pushSelectedFolderFlags } from './push-flags.ts';

export interface SyncFolderDeps {
  readonly db: Db;
  readonly blobs: BlobStore;
  readonly parser: MessageParser;
  readonly log: Logger;
}

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
  const batchSize = options.batchSize ?? LIST_BATCH;
  const lock = await client
    .getMailboxLock(path)
    .catch((error: unknown) => Promise.reject(toImapError(error)));
  try {
    const box = selectedMailbox(client, path);
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
      const storedBefore =
        plan.fetchFrom === 1 ? 0 : (await storedUids(deps.db, mailboxId, path, server.uidValidity)).length;
      // Listed as each batch commits: envelope, flags, size and raw source with the cursor, in one
      // transaction, while the FETCH streams the next.
      const fresh = await searchNewUids(client, plan.fetchFrom);
      // The mailbox's parse threads wait meanwhile (the listing's CPU); woken below.
      const listed = deps.parser.listing(mailboxId);
      try {
        ({ fetched, created } = await listNew(
          deps,
          client,
          { mailboxId, path, uidValidity: server.uidValidity, storedBefore },
          fresh,
          { batchSize, signal: options.signal },
        ));
      } finally {
        listed();
      }
      // Past the last UID listed: mail that came after the SELECT (a watching session's round) is not
      // fetched again by the next round.
      listedTo = fresh.length > 0 ? fresh.at(-1)! + 1 : 0;
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
    }).catch((saveError: unknown) =>
      // The sync's own failure is still thrown (and recorded on the mailbox); the folder keeps its last status.
      deps.log.error(
        { event: 'folder.status_not_saved', mailboxId, path, err: saveError, cause: error },
        'The failed sync of a folder could not be recorded on it',
      ),
    );
    throw error;
  } finally {
    lock.release();
  }
};
