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

export const isLimited = async (
  db: Db,
  bucket: string,
  limit: RateLimit,
  now = new Date(),
): Promise<boolean> => {
  const since = new Date(now.getTime() - limit.windowMs).toISOString();
  const row = await db
    .selectFrom('rate_limit_events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('bucket', '=', bucket)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n) >= limit.max;
};

export const recordEvent = async (db: Db, bucket: string, now = new Date()): Promise<void> => {
  await db
    .insertInto('rate_limit_events')
    .values({ id: randomUUID(), bucket, at: now.toISOString() })
    .execute();
  // Old events are of no use; keep the table small.
  await db
    .deleteFrom('rate_limit_events')
    .where('at', '<', new Date(now.getTime() - 24 * 3_600_000).toISOString())
    .execute();
};

export const clearBucket = async (db: Db, bucket: string): Promise<void> => {
  await db.deleteFrom('rate_limit_events').where('bucket', '=', bucket).execute();
};
