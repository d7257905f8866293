import type { Kysely } from 'kysely';

// Webhook delivery figures for /metrics (issue 15): `webhook_stats`, running totals by key (attempts by
// outcome, the duration histogram's buckets and sum), added to in the transaction that logs each attempt.
// Counted here rather than from `webhook_attempts`, whose rows are purged after 30 days: a Prometheus
// counter must never go down. `bigint`: the sum of milliseconds outgrows PostgreSQL's `integer`.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable('webhook_stats')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable('webhook_stats').execute();
};
