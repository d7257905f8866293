import { randomBytes } from 'node:crypto';
import { findMailbox } from '../mailboxes/repository.ts';
import { releaseSyncLease, SYNC_LEASE_MS, takeSyncLease } from './sync-lease.ts';
import { type SyncDeps, syncMailbox } from './sync-mailbox.ts';

export type SyncOutcome = 'synced' | 'busy' | 'failed' | 'skipped';

/**
 * One sync of one mailbox, if no other worker is syncing it: the lease is taken, renewed while the sync
 * runs, and released. Failures are already stored on the mailbox by who must act; they are logged here.
 */
export const runMailboxSync = async (deps: SyncDeps, mailboxId: string): Promise<SyncOutcome> => {
  const mailbox = await findMailbox(deps.db, mailboxId);
  if (!mailbox?.connected || !mailbox.enabled) return 'skipped';
  const owner = randomBytes(9).toString('base64url');
  if (!(await takeSyncLease(deps.db, mailboxId, owner))) return 'busy';
  const renew = setInterval(
    () => void takeSyncLease(deps.db, mailboxId, owner).catch(() => undefined),
    SYNC_LEASE_MS / 3,
  );
  let outcome: SyncOutcome = 'failed';
  try {
    await syncMailbox(deps, mailbox, { waitForBodies: false });
    outcome = 'synced';
  } catch (error) {
    deps.log.warn(
      { event: 'sync.failed', mailboxId, errorCode: (error as { code?: string }).code },
      'mailbox sync failed',
    );
  } finally {
    clearInterval(renew);
    await releaseSyncLease(deps.db, mailboxId, owner, outcome === 'synced');
  }
  return outcome;
};

/** The folders' progress, for the UI and the API while a large mailbox syncs. */
export const syncProgress = async (deps: Pick<SyncDeps, 'db'>, mailboxId: string) => {
  const rows = await deps.db
    .selectFrom('folder_sync_state')
    .selectAll()
    .where('mailbox_id', '=', mailboxId)
    .orderBy('path')
    .execute();
  return rows.map((r) => ({
    path: r.path,
    status: r.status,
    done: r.stored_messages,
    total: r.server_messages,
    lastSyncedAt: r.last_synced_at,
    lastError: r.last_error,
  }));
};
