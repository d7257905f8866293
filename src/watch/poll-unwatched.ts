import type { Db } from '../db/database.ts';
import { claimRound, newOwner } from '../jobs/lease.ts';
import { countFailure } from '../jobs/queue.ts';
import type { Logger } from '../log/logger.ts';
import { watchableMailboxes } from './watchable.ts';

/** At most this many syncs are enqueued per round (the queue runs them at its own concurrency). */
const MAX_PER_ROUND = 1_000;

/**
 * When the watchers' caps together are short of the connected mailboxes, those no process watches are
 * checked in turn: every round (a few seconds), one process (the round's lease `watch-poll`) enqueues a
 * sync for each unwatched mailbox not checked for `pollSeconds`, the least recently checked first. The
 * wait between two checks of an unwatched mailbox is so bounded by about `pollSeconds` plus the time
 * the queue needs; /metrics shows it as it is (`mailroom_unwatched_check_delay_seconds`).
 */
export const startUnwatchedPoller = (
  deps: { readonly db: Db; readonly log: Logger },
  enqueueSync: (mailboxId: string) => void,
  options: { pollSeconds: number; roundMs?: number },
): { stop(): void; pollNow(): Promise<number> } => {
  const roundMs = options.roundMs ?? Math.min(5_000, Math.max(250, (options.pollSeconds * 1000) / 4));
  const owner = newOwner();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const pollNow = async (): Promise<number> => {
    const now = new Date();
    const dueBefore = new Date(now.getTime() - options.pollSeconds * 1000).toISOString();
    const due = (await watchableMailboxes(deps.db, now))
      .filter((r) => !r.holder && r.state === 'connected' && r.lastCheckedAt <= dueBefore)
      .sort((a, b) => (a.lastCheckedAt < b.lastCheckedAt ? -1 : a.lastCheckedAt > b.lastCheckedAt ? 1 : 0))
      .slice(0, MAX_PER_ROUND);
    for (const r of due) enqueueSync(r.id);
    return due.length;
  };
  const round = async () => {
    try {
      if (await claimRound(deps.db, 'watch-poll', owner, roundMs)) {
        const sent = await pollNow();
        if (sent > 0)
          deps.log.debug({ event: 'watch.polled', mailboxes: sent }, 'unwatched mailboxes checked');
      }
    } catch (error) {
      deps.log.error(
        { event: 'watch.poll_failed', err: error },
        'unwatched mailboxes could not be checked this round',
      );
      await countFailure(deps, 'watch-poll', error);
    }
    if (!stopped) {
      timer = setTimeout(round, roundMs);
      timer.unref();
    }
  };
  timer = setTimeout(round, roundMs);
  timer.unref();
  return {
    pollNow,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
};
