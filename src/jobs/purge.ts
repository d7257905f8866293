import type { Db } from '../db/database.ts';
import { EVENTS_RETENTION_DAYS, purgeEvents } from '../events/record-event.ts';
import type { AppDeps } from '../http/context.ts';
import { purgeSessions } from '../http/purge-sessions.ts';
import { purgeRateLimitEvents } from '../http/rate-limit.ts';
import { purgeWebhookDeliveries } from '../webhooks/purge.ts';
import { claimRound } from './lease.ts';
import { startPeriodicRound } from './periodic-round.ts';

/** Failed jobs are kept as long as events, for whoever looks into what went wrong. */
const purgeFailedJobs = async (db: Db, now: Date): Promise<number> => {
  const before = new Date(now.getTime() - EVENTS_RETENTION_DAYS * 86_400_000).toISOString();
  const result = await db
    .deleteFrom('jobs')
    .where('state', '=', 'failed')
    .where('updated_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
};

/** How often one worker deletes what has expired: as often as a flow lives, so abandoned ones go soon. */
export const PURGE_INTERVAL_MS = 10 * 60_000;

export interface PurgeResult {
  readonly expiredSessions: number;
  readonly anonymousSessions: number;
  readonly rateLimitEvents: number;
  /** Events older than EVENTS_RETENTION_DAYS, and failed jobs (SQLite's queue) as old. */
  readonly events: number;
  readonly failedJobs: number;
  /** Webhook messages delivered or failed more than 30 days ago, with their attempts. */
  readonly webhookDeliveries: number;
}

/**
 * Deletes expired sessions, abandoned anonymous ones (with their flows), rate-limit events past every
 * window, and events, failed jobs and webhook deliveries past their retention.
 */
export const purgeExpired = async (db: Db, now = new Date()): Promise<PurgeResult> => {
  const sessions = await purgeSessions(db, now);
  return {
    expiredSessions: sessions.expired,
    anonymousSessions: sessions.anonymous,
    rateLimitEvents: await purgeRateLimitEvents(db, now),
    events: await purgeEvents(db, now),
    failedJobs: await purgeFailedJobs(db, now),
    webhookDeliveries: await purgeWebhookDeliveries(db, now),
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
  deps.log.info(
    { event: 'purge.done', ...result },
    'expired sessions, rate-limit events, old events and failed jobs purged',
  );
  return result;
};

/** Purges at start and every `intervalMs`, whenever this worker holds the lease. */
export const startPurger = (
  deps: Pick<AppDeps, 'db' | 'log'>,
  intervalMs = PURGE_INTERVAL_MS,
): (() => void) =>
  startPeriodicRound(deps, {
    name: 'purge',
    intervalMs,
    atStart: true,
    failed: { event: 'purge.failed', message: 'purge failed' },
    round: (owner) => runPurge(deps, owner, new Date(), intervalMs),
  });
