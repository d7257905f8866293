import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Listing at wire speed, reading in parallel (issue 12, item 3). A message is listed as soon as its FETCH
 * batch commits, from its header alone; its body, attachments and search text are read later by worker
 * threads (messages/parse-queue.ts).
 *
 * - `messages.parse_state`: `pending` (listed, its raw source waiting in `message_sources`), `parsed`, or
 *   `failed` (`parse_error` says why; the envelope stays listed). Existing rows were parsed when stored.
 * - `message_sources`: the raw source of each pending message, in the row (`source`) or, for a large
 *   message streamed to the blob store, by its blob name (`blob_sha256`); deleted once parsed. The state is
 *   in the database, so pending parses survive a restart.
 * - A partial index finds the pending messages of a mailbox without scanning the parsed ones.
 * - SQLite's full-text index was filled by an insert trigger only; the body arrives by an update now, so
 *   an update trigger indexes a row once read, and the insert trigger skips a row listed pending
 *   (PostgreSQL's generated column follows by itself).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was, not as Database types it.
type AnyDb = Kysely<any>;

export const up = async (db: AnyDb): Promise<void> => {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .alterTable('messages')
    .addColumn('parse_state', 'text', (c) => c.notNull().defaultTo('parsed'))
    .execute();
  await db.schema.alterTable('messages').addColumn('parse_error', 'text').execute();
  await sql`create index messages_parse_pending on messages (mailbox_id, created_at, id) where parse_state = 'pending'`.execute(
    db,
  );
  await db.schema
    .createTable('message_sources')
    .addColumn('message_id', 'text', (c) => c.primaryKey().references('messages.id').onDelete('cascade'))
    .addColumn('source', postgres ? 'bytea' : 'blob')
    .addColumn('blob_sha256', 'text')
    .execute();
  if (postgres) return;
  // A listed message is indexed once read, with its body: indexing its subject and people at the listing
  // would cost the listing path as much again, for a row the parse rewrites within seconds.
  await sql`drop trigger messages_fts_insert`.execute(db);
  await sql`
    create trigger messages_fts_insert after insert on messages when new.parse_state != 'pending' begin
      insert into message_search (message_id) values (new.id);
      insert into messages_fts (rowid, subject, people, body) values (last_insert_rowid(), ${document('new')});
    end`.execute(db);
  await sql`
    create trigger messages_fts_update after update of subject, from_name, from_address, to_json, cc_json, body_text on messages
    when new.parse_state != 'pending' begin
      insert or ignore into message_search (message_id) values (new.id);
      delete from messages_fts where rowid = (select rowid from message_search where message_id = old.id);
      insert into messages_fts (rowid, subject, people, body) values (
        (select rowid from message_search where message_id = new.id), ${document('new')});
    end`.execute(db);
};

/** The columns of a message that the index holds, as migration 0006 wrote them. */
const document = (row: 'new' | 'messages') =>
  sql.raw(`
    ${row}.subject,
    coalesce(${row}.from_name, '') || ' ' || coalesce(${row}.from_address, '') || ' ' || ${row}.to_json || ' ' || ${row}.cc_json,
    coalesce(${row}.body_text, '')`);

export const down = async (db: AnyDb): Promise<void> => {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    await sql`drop trigger messages_fts_update`.execute(db);
    await sql`drop trigger messages_fts_insert`.execute(db);
    // Messages still waiting for their parse are indexed as they are (envelope only), as 0006 would have.
    await sql`insert or ignore into message_search (message_id) select id from messages where parse_state = 'pending'`.execute(
      db,
    );
    await sql`
      insert into messages_fts (rowid, subject, people, body)
      select s.rowid, ${document('messages')} from messages join message_search s on s.message_id = messages.id
      where messages.parse_state = 'pending'`.execute(db);
    await sql`
      create trigger messages_fts_insert after insert on messages begin
        insert into message_search (message_id) values (new.id);
        insert into messages_fts (rowid, subject, people, body) values (last_insert_rowid(), ${document('new')});
      end`.execute(db);
  }
  await db.schema.dropTable('message_sources').execute();
  await sql`drop index messages_parse_pending`.execute(db);
  await db.schema.alterTable('messages').dropColumn('parse_error').execute();
  await db.schema.alterTable('messages').dropColumn('parse_state').execute();
};
