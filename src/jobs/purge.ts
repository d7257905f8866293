import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { AppDeps } from '../http/context.ts';
import { purgeSessions } from '../http/purge-sessions.ts';
import { purgeRateLimitEvents } from '../http/rate-limit.ts';
import { claimRound } from './lease.ts';

/** How often one worker deletes what has expired: as often as a flow lives, so abandoned ones go soon. */
export const PURGE_INTERVAL_MS = 10 * 60_000;

export interface PurgeResult {
  readonly expiredSessions: number;
  readonly anonymousSessions: number;
  readonly rateLimitEvents: number;
}

/** Deletes expired sessions, abandoned anonymous ones (with their flows) and rate-limit events past every window. */
export const purgeExpired = async (db: Db, now = new Date()): Promise<PurgeResult> => {
  const sessions = await purgeSessions(db, now);
  return {
    expiredSessions: sessions.expired,
    anonymousSessions: sessions.anonymous,
    rateLimitEvents: await purgeRateLimitEvents(db, now),
  };
};

/** One round, in the one worker that holds the `purge` lease for this interval; `null` when another does it. */
export const runPurge = async (
  deps: Pick<AppDeps, 'db' | 'log'>,
  owner: string,
  now = new Date(),
  intervalMs = PURGE_INTERVAL_MS,
): Promise<PurgeResult | null> => {
  if (!(await claimRound(deps.db, 'purge', owner, intervalMs, now))) return null;
  const result = await purgeExpired(deps.db, now);
  deps.log.info({ event: 'purge.done', ...result }, 'expired sessions and rate-limit events purged');
  return result;
};

/** Purges at start and every `intervalMs`, whenever this worker holds the lease. */
export const startPurger = (
  deps: Pick<AppDeps, 'db' | 'log'>,
  intervalMs = PURGE_INTERVAL_MS,
): (() => void) => {
  const owner = randomBytes(9).toString('base64url');
  const tick = () =>
    void runPurge(deps, owner, new Date(), intervalMs).catch((error: Error) =>
      deps.log.error({ event: 'purge.failed', err: error.message }, 'purge failed'),
    );
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
};
