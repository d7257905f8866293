import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { JobQueue } from './queue.ts';

/** Mailboxes a sweep should sync now: connected, enabled, and not waiting on a person or on Retry-After. */
const dueMailboxes = async (db: Db, now = new Date()): Promise<string[]> =>
  (
    await db
      .selectFrom('mailboxes')
      .select('id')
      .where('enabled', '=', 1)
      .where('refresh_token_encrypted', 'is not', null)
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

/**
 * Takes the named lease for about `intervalMs`, when no other worker holds it: one worker does the round
 * (`sweep`: each due mailbox is sent once per round; the queue and the sync lease make any overlap harmless).
 */
export const takeSchedulerLease = async (
  db: Db,
  name: string,
  owner: string,
  intervalMs: number,
  now = new Date(),
): Promise<boolean> => {
  const until = new Date(now.getTime() + intervalMs * 0.9).toISOString();
  await db
    .insertInto('scheduler_leases')
    .values({ name, until: now.toISOString(), owner })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const result = await db
    .updateTable('scheduler_leases')
    .set({ until, owner })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('until', '<=', now.toISOString()), eb('owner', '=', owner)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
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
      if (await takeSchedulerLease(db, 'sweep', owner, intervalMs)) await sweep(db, queue);
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
