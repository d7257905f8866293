import type { AppDeps } from '../http/context.ts';
import { runMailboxSync } from './run-sync.ts';

const running = new Set<string>();

/**
 * "Sync now": starts a sync in this process and returns at once (its progress is in folder_sync_state).
 * `false` when this process is already syncing the mailbox; another process's lease makes the run a no-op.
 */
export const startSyncNow = (deps: AppDeps, mailboxId: string): boolean => {
  if (running.has(mailboxId)) return false;
  running.add(mailboxId);
  void runMailboxSync(deps, mailboxId)
    .catch((error: Error) =>
      deps.log.error({ event: 'sync.crashed', mailboxId, err: error.message }, 'sync crashed'),
    )
    .finally(() => running.delete(mailboxId));
  return true;
};
