import type { AppDeps } from '../http/context.ts';
import { findMailbox } from '../mailboxes/repository.ts';
import { pushPendingFlags } from './write-flags.ts';

/** Per mailbox in this process: a push is running, or running and asked for once more. */
const pushes = new Map<string, 'running' | 'again'>();

/**
 * Writes a reader's flag changes to the server in the background, so a click never waits for IMAP.
 * One push per mailbox at a time in this process; a change made during a push gets one more push
 * after it. What fails stays pending in the database (and on the mailbox's state) for the next push
 * or sync: nothing is kept only in memory.
 */
export const schedulePendingFlagPush = (
  deps: Pick<AppDeps, 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log' | 'extraCa'>,
  mailboxId: string,
): void => {
  if (pushes.has(mailboxId)) {
    pushes.set(mailboxId, 'again');
    return;
  }
  pushes.set(mailboxId, 'running');
  void (async () => {
    try {
      do {
        pushes.set(mailboxId, 'running');
        const mailbox = await findMailbox(deps.db, mailboxId);
        if (!mailbox?.connected || !mailbox.enabled) break;
        await pushPendingFlags(deps, mailbox);
      } while (pushes.get(mailboxId) === 'again');
    } catch (error) {
      deps.log.warn(
        {
          event: 'reading.flags_push_failed',
          mailboxId,
          errorCode: (error as { code?: string }).code,
          err: error,
        },
        'flag changes stay pending',
      );
    } finally {
      pushes.delete(mailboxId);
    }
  })();
};
