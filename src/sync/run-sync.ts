import { claimLease, DEFAULT_LEASE_MS, LeaseError, leaseExpiry } from '../jobs/lease.ts';
import { MailboxTokenError } from '../mailboxes/access-token.ts';
import { findMailbox } from '../mailboxes/repository.ts';
import { MailTransportError } from '../transports/transport-error.ts';
import { type ArrivalTiming, mark } from './arrival-timing.ts';
import { type SyncDeps, syncMailbox } from './sync-mailbox.ts';

export type SyncOutcome =
  | { readonly kind: 'synced' | 'failed' | 'skipped' }
  /** Another process holds `sync:<id>` until `until` (it may have died: the lease then runs out). */
  | { readonly kind: 'busy'; readonly until: Date | null }
  /** The lease was lost mid-sync (a renewal failed, or it ran out): the sync stopped where it was. */
  | { readonly kind: 'lost'; readonly error: LeaseError };

/**
 * One sync of one mailbox, if no other process is syncing it: under the lease `sync:<mailboxId>`
 * (jobs/lease.ts), short and renewed while the sync runs, whose loss stops the sync (its signal closes the
 * IMAP session). Failures are already stored on the mailbox by who must act; they are logged here.
 */
export const runMailboxSync = async (
  deps: SyncDeps,
  mailboxId: string,
  options: { leaseMs?: number; only?: readonly string[]; timing?: ArrivalTiming } = {},
): Promise<SyncOutcome> => {
  const mailbox = await findMailbox(deps.db, mailboxId);
  if (!mailbox?.connected || !mailbox.enabled) return { kind: 'skipped' };
  const name = `sync:${mailboxId}`;
  const lease = await claimLease(deps, name, { ttlMs: options.leaseMs ?? DEFAULT_LEASE_MS });
  if (!lease) return { kind: 'busy', until: await leaseExpiry(deps.db, name) };
  mark(options.timing, 'leased');
  let outcome: SyncOutcome = { kind: 'failed' };
  try {
    await syncMailbox(deps, mailbox, {
      signal: lease.signal,
      waitForBodies: false,
      ...(options.only ? { only: options.only } : {}),
      ...(options.timing ? { timing: options.timing } : {}),
    });
    outcome = { kind: 'synced' };
  } catch (error) {
    if (lease.signal.aborted && lease.signal.reason instanceof LeaseError) {
      // lease.ts logged why; the next holder resumes from the folders' cursors.
      outcome = { kind: 'lost', error: lease.signal.reason };
    } else if (error instanceof MailTransportError || error instanceof MailboxTokenError) {
      // Stored on the mailbox by who must act (the transport, getAccessToken) and on the folder.
      deps.log.warn(
        { event: 'sync.failed', mailboxId, errorCode: error.code, err: error },
        'mailbox sync failed',
      );
    } else throw error; // unexpected: the job records it, logs it and tries again
  } finally {
    await lease.release();
  }
  if (outcome.kind === 'synced' && !options.only)
    await deps.db
      .updateTable('mailboxes')
      .set((eb) => ({ last_synced_at: new Date().toISOString(), sync_runs: eb('sync_runs', '+', 1) }))
      .where('id', '=', mailboxId)
      .execute();
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
