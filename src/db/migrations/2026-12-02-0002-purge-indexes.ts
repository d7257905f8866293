import type { Kysely } from 'kysely';

// The purge job (jobs/purge.ts) deletes rate-limit events by age alone, which the (bucket, at) index
// cannot serve; under a password-guessing flood the table holds a row per attempt until then.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.createIndex('rate_limit_events_at').on('rate_limit_events').column('at').execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropIndex('rate_limit_events_at').execute();
};
