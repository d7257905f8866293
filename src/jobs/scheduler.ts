import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { claimRound } from './lease.ts';
import type { JobQueue } from './queue.ts';

/** Mailboxes a sweep should sync now: connected, enabled, and not waiting on a person or on Retry-After. */
const dueMailboxes = async (db: Db, now = new Date()): Promise<string[]> =>
  (
    await db
      .selectFrom('mailboxes')
      .select('id')
      .where('enabled', '=', 1)
      // A person's refresh token, or application access (issue 14): either reaches the mailbox.
      .where((eb) =>
        eb.or([eb('refresh_token_encrypted', 'is not', null), eb('access_mode', '=', 'application')]),
      )
      .where((eb) =>
        eb.or([
          eb('state', '=', 'connected'),
          eb.and([
            eb('state', '=', 'retrying'),
            eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now.toISOString())]),
          ]),
        ]),
      )
      .execute()
  ).map((r) => r.id);

/** Enqueues one sync per due mailbox; schedulers only enqueue (STYLE.md 13). */
export const sweep = async (db: Db, queue: JobQueue): Promise<number> => {
  const ids = await dueMailboxes(db);
  for (const mailboxId of ids) await queue.send('sync-mailbox', { mailboxId }, { singletonKey: mailboxId });
  return ids.length;
};

/** Sweeps every `intervalMs` (the first at once unless told otherwise), when it holds the sweep lease. */
export const startScheduler = (
  db: Db,
  queue: JobQueue,
  intervalMs: number,
  onError: (e: unknown) => void,
  options: { sweepAtStart?: boolean } = {},
): (() => void) => {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const owner = randomBytes(9).toString('base64url');
  const tick = async () => {
    try {
      if (await claimRound(db, 'sweep', owner, intervalMs)) await sweep(db, queue);
    } catch (error) {
      onError(error);
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  if (options.sweepAtStart === false) timer = setTimeout(tick, intervalMs);
  else void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
};
