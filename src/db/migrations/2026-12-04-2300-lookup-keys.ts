import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { keyColumns, lookupKeySql } from '../../messages/lookup-keys.ts';

/**
 * Threads and Message-IDs are looked up by compact integer keys (messages/lookup-keys.ts) instead of the
 * text indexes `messages_thread (mailbox_id, thread_id)` and `messages_message_id (mailbox_id, message_id)`:
 * their values are random within a mailbox, so each listing batch rewrote most of their pages at its commit.
 * Existing rows get their keys here: on PostgreSQL in one statement, on SQLite in pages of ROWS.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was, not as Database types it.
type AnyDb = Kysely<any>;

const ROWS = 2000;

export const up = async (db: AnyDb): Promise<void> => {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const type = postgres ? 'bigint' : 'integer';
  await db.schema
    .alterTable('messages')
    .addColumn('thread_key', type, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('messages').addColumn('message_key', type).execute();
  if (postgres)
    await sql
      .raw(
        `update messages set thread_key = ${lookupKeySql('mailbox_id', 'thread_id')},
           message_key = case when message_id is null then null else ${lookupKeySql('mailbox_id', 'message_id')} end`,
      )
      .execute(db);
  else await keyRowByRow(db);
  await sql`drop index messages_thread`.execute(db);
  await sql`drop index messages_message_id`.execute(db);
  await sql`create index messages_thread_key on messages (thread_key)`.execute(db);
  await sql`create index messages_message_key on messages (message_key)`.execute(db);
};

/** SQLite has no SHA-256 of its own: the keys are computed here, a page of ROWS at a time. */
const keyRowByRow = async (db: AnyDb): Promise<void> => {
  for (let after = ''; ; ) {
    const rows: { id: string; mailbox_id: string; thread_id: string; message_id: string | null }[] = await db
      .selectFrom('messages')
      .select(['id', 'mailbox_id', 'thread_id', 'message_id'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(ROWS)
      .execute();
    if (rows.length === 0) return;
    // A page in one transaction: one commit, not one per row (SQLite's migrations run outside one).
    await db.transaction().execute(async (trx) => {
      for (const r of rows)
        await trx
          .updateTable('messages')
          .set(keyColumns(r.mailbox_id, r.thread_id, r.message_id))
          .where('id', '=', r.id)
          .execute();
    });
    after = rows.at(-1)!.id;
  }
};

export const down = async (db: AnyDb): Promise<void> => {
  await sql`drop index messages_thread_key`.execute(db);
  await sql`drop index messages_message_key`.execute(db);
  await sql`create index messages_thread on messages (mailbox_id, thread_id)`.execute(db);
  await sql`create index messages_message_id on messages (mailbox_id, message_id)`.execute(db);
  await db.schema.alterTable('messages').dropColumn('message_key').execute();
  await db.schema.alterTable('messages').dropColumn('thread_key').execute();
};
