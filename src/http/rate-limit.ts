import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';

/**
 * Counts events per bucket in a sliding window, in the database so every process shares the count.
 * Used for failed sign-ins per account and per client address.
 */
export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

export const SIGNIN_PER_ACCOUNT: RateLimit = { max: 5, windowMs: 15 * 60_000 };
export const SIGNIN_PER_ADDRESS: RateLimit = { max: 20, windowMs: 15 * 60_000 };

/** The longest window of any limit: older events count for nothing and are purged. */
export const LONGEST_WINDOW_MS = Math.max(SIGNIN_PER_ACCOUNT.windowMs, SIGNIN_PER_ADDRESS.windowMs);

export interface Attempt {
  /** Whether every bucket, this attempt included, is within its limit. */
  readonly allowed: boolean;
  /** Takes the attempt back out of the named buckets: it is not to count there (e.g. it succeeded). */
  withdraw(buckets: readonly string[]): Promise<void>;
}

/**
 * Records an attempt in each bucket, then counts each bucket's window, this attempt included. Recording
 * first is what makes the limit hold under a burst: of attempts racing each other, the one whose row was
 * stored k-th sees at least k rows, so at most `max` of them are allowed in a window, on any number of
 * processes and on both databases (each statement commits on its own; no lock is held across the check).
 */
export const recordAttempt = async (
  db: Db,
  buckets: readonly (readonly [bucket: string, limit: RateLimit])[],
  now = new Date(),
): Promise<Attempt> => {
  const rows = buckets.map(([bucket]) => ({ id: randomUUID(), bucket, at: now.toISOString() }));
  await db.insertInto('rate_limit_events').values(rows).execute();
  let allowed = true;
  for (const [bucket, limit] of buckets) {
    const since = new Date(now.getTime() - limit.windowMs).toISOString();
    const row = await db
      .selectFrom('rate_limit_events')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('bucket', '=', bucket)
      .where('at', '>', since)
      .executeTakeFirstOrThrow();
    if (Number(row.n) > limit.max) allowed = false;
  }
  return {
    allowed,
    async withdraw(which) {
      const ids = rows.filter((r) => which.includes(r.bucket)).map((r) => r.id);
      if (ids.length > 0) await db.deleteFrom('rate_limit_events').where('id', 'in', ids).execute();
    },
  };
};

export const clearBucket = async (db: Db, bucket: string): Promise<void> => {
  await db.deleteFrom('rate_limit_events').where('bucket', '=', bucket).execute();
};

/** Deletes events older than every window (jobs/purge.ts runs it). */
export const purgeRateLimitEvents = async (db: Db, now = new Date()): Promise<number> => {
  const result = await db
    .deleteFrom('rate_limit_events')
    .where('at', '<=', new Date(now.getTime() - LONGEST_WINDOW_MS).toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
};
