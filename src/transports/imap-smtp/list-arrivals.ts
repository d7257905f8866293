import type { ImapFlow } from 'imapflow';
import type { ListingGroup } from '../../messages/listing-group.ts';
import type { FolderSyncResult } from '../types.ts';
import { toImapError } from './imap-error.ts';
import { selectedMailbox } from './imap-session.ts';
import { LIST_BATCH, listNew, searchNewUids } from './list-new.ts';
import type { SyncFolderDeps } from './sync-folder.ts';

/**
 * An arrival round's listing on the watching session (an EXISTS during IDLE): only the mail past the
 * folder's cursor, by one UID SEARCH and one UID FETCH, each batch stored in one transaction with the
 * cursor (list-new.ts). The folder stays as the watch selected it: its UIDVALIDITY cannot change while it
 * is selected (RFC 3501 §2.3.1.1), and the SEARCH finds what came after the SELECT's UIDNEXT.
 *
 * The flags and deletions of the whole folder are not read here, nor Mailroom's pending flags pushed: the
 * watch runs the whole folder's sync instead when the server told of a flag change or an expunge during
 * IDLE (untagged FETCH, EXPUNGE: RFC 3501 §7.4.1, §7.4.2), and the periodic sync does them in any case.
 * HIGHESTMODSEQ is left as it was, so a CHANGEDSINCE from the cursor still finds every flag change since
 * the last whole sync (RFC 7162 §3.1.4); the folder's status and last sync are the whole sync's too.
 *
 * Null when the folder's cursor is not current (never synced, or synced under another UIDVALIDITY):
 * the whole folder's sync must run.
 */
export const listArrivals = async (
  deps: SyncFolderDeps & { readonly listingGroup?: ListingGroup | undefined },
  client: ImapFlow,
  mailboxId: string,
  path: string,
  options: { readonly signal?: AbortSignal | undefined } = {},
): Promise<FolderSyncResult | null> => {
  const lock = await client
    .getMailboxLock(path)
    .catch((error: unknown) => Promise.reject(toImapError(error)));
  try {
    const uidValidity = Number(selectedMailbox(client, path).uidValidity);
    const cursor = await deps.db
      .selectFrom('folder_sync_state')
      .select(['uidvalidity', 'uid_next', 'stored_messages'])
      .where('mailbox_id', '=', mailboxId)
      .where('path', '=', path)
      .executeTakeFirst();
    if (!cursor || cursor.uidvalidity !== uidValidity) return null;
    const from = Math.max(1, cursor.uid_next);
    const fresh = await searchNewUids(client, from);
    const listed =
      fresh.length === 0
        ? { fetched: 0, created: 0 }
        : await listNew(
            deps,
            client,
            { mailboxId, path, uidValidity, storedBefore: cursor.stored_messages },
            fresh,
            { batchSize: LIST_BATCH, signal: options.signal },
          );
    if (listed.fetched > 0) deps.parser.wake(mailboxId);
    return { ...listed, flagsChanged: 0, removed: 0, reset: false };
  } finally {
    lock.release();
  }
};
