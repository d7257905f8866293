import type { AppDeps } from '../http/context.ts';

/**
 * "Sync now": enqueues a sync of the mailbox and returns at once; a worker runs it (its progress is in
 * folder_sync_state). One waiting sync per mailbox: pressing again while one waits adds nothing. When
 * another process holds the mailbox's sync lease (it may have died), the job waits for the lease.
 */
export const enqueueSyncNow = async (deps: Pick<AppDeps, 'queue'>, mailboxId: string): Promise<void> => {
  await deps.queue.send('sync-mailbox', { mailboxId }, { singletonKey: mailboxId });
};
