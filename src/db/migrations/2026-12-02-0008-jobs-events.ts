import { type Kysely, PostgresAdapter, sql } from 'kysely';

// One background model (issue 12, item 1):
// - `events`: each state change, written in the transaction that makes it; `id` is the readers' cursor;
// - `jobs`: the job queue on SQLite, where a web process and a worker process share only the file;
// - `job_failures`: handler failures by job, counted across processes for /metrics;
// - the mailboxes' own sync and refresh lease columns go: those leases live in `leases` now.

export const up = async (db: Kysely<any>): Promise<void> => {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('events')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) =>
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('mailbox_id', 'text')
    .addColumn('subject_type', 'text')
    .addColumn('subject_id', 'text')
    .addColumn('payload_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('events_mailbox').on('events').columns(['mailbox_id', 'id']).execute();
  await db.schema.createIndex('events_at').on('events').column('at').execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text', (c) => c.notNull())
    .addColumn('singleton_key', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_after', 'text', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('owner', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['name', 'state', 'run_after']).execute();
  // One waiting job per key: a second `send` with the key is a no-op (what pg-boss's `stately` does).
  await sql`create unique index jobs_waiting_key on jobs (name, singleton_key) where state = 'waiting' and singleton_key is not null`.execute(
    db,
  );

  await db.schema
    .createTable('job_failures')
    .addColumn('job', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();

  for (const column of ['sync_lease_until', 'sync_lease_owner', 'refresh_lease_until', 'refresh_lease_owner'])
    await db.schema.alterTable('mailboxes').dropColumn(column).execute();
};

export const down = async (db: Kysely<any>): Promise<void> => {
  for (const column of ['sync_lease_until', 'sync_lease_owner', 'refresh_lease_until', 'refresh_lease_owner'])
    await db.schema.alterTable('mailboxes').addColumn(column, 'text').execute();
  await db.schema.dropTable('job_failures').execute();
  await db.schema.dropTable('jobs').execute();
  await db.schema.dropTable('events').execute();
};
