import { claimLease } from '../jobs/lease.ts';
import { storedFolders } from '../mailboxes/folders.ts';
import type { MailSession } from '../transports/types.ts';
import type { SyncDeps } from './sync-mailbox.ts';

/**
 * New mail in a watched Inbox, synced over the watching session itself (issue 12: delivery to listed
 * within a second or two at a thousand mailboxes): no second session to open, no queue to wait in. Under
 * the mailbox's sync lease like any sync, so it never runs beside another; false when another process
 * holds it (the caller then enqueues the sync, which waits for the lease). A lease lost meanwhile stops the
 * round at its next batch, and the error goes to the caller.
 */
export const syncArrivalsHere = async (
  deps: SyncDeps,
  mailboxId: string,
  session: MailSession,
  options: { readonly leaseMs: number },
): Promise<boolean> => {
  const lease = await claimLease(deps, `sync:${mailboxId}`, { ttlMs: options.leaseMs });
  if (!lease) return false;
  try {
    const inbox = (await storedFolders(deps.db, mailboxId)).find(
      (f) => f.selected && f.path.toUpperCase() === 'INBOX',
    );
    if (inbox)
      await session.syncFolder({ blobs: deps.blobs, parser: deps.parser }, inbox.path, {
        signal: lease.signal,
      });
    return true;
  } finally {
    await lease.release();
  }
};
