import type { Kysely } from 'kysely';

// One table for every lease of background work (jobs/lease.ts); the scheduler's leases move into it.

export const up = async (db: Kysely<any>): Promise<void> => {
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('until', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .execute();
  const rows = await db.selectFrom('scheduler_leases').selectAll().execute();
  for (const row of rows)
    await db
      .insertInto('leases')
      .values({ name: row.name, owner: row.owner, until: row.until, claimed_at: row.until })
      .execute();
  await db.schema.dropTable('scheduler_leases').execute();
};

export const down = async (db: Kysely<any>): Promise<void> => {
  await db.schema
    .createTable('scheduler_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('until', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .execute();
  for (const name of ['sweep', 'purge', 'blob-sweep']) {
    const row = await db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
    if (row)
      await db.insertInto('scheduler_leases').values({ name, until: row.until, owner: row.owner }).execute();
  }
  await db.schema.dropTable('leases').execute();
};
