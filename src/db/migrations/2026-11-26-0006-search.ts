import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Full-text search over subject, people and text, replacing a LIKE scan of every row. Words are what
 * stands between punctuation, so `zoe@fabrikam.test` is found by `zoe`, `fabrikam` or `zoe@fab`.
 * SQLite: an FTS5 index that keeps no copy of the text (contentless, with deletes), filled by triggers
 * so every way a message is stored is indexed; `message_search` names its rows. PostgreSQL: a generated tsvector column with a GIN index
 * ('simple' configuration: no stemming, no stop words; the first 100,000 characters of the text, since
 * a tsvector holds at most 1 MB).
 */
export const up = async (db: Kysely<unknown>): Promise<void> => {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`
      alter table messages add column search tsvector generated always as (
        to_tsvector('simple'::regconfig, regexp_replace(lower(
          coalesce(subject, '') || ' ' || coalesce(from_name, '') || ' ' || coalesce(from_address, '') || ' ' ||
          to_json || ' ' || cc_json || ' ' || left(coalesce(body_text, ''), 100000)
        ), '[^[:alnum:]]+', ' ', 'g'))
      ) stored`.execute(db);
    await sql`create index messages_search on messages using gin (search)`.execute(db);
    return;
  }
  // FTS5 rows are named by integers; messages by text ids, and an implicit rowid may change on VACUUM.
  // A table of its own gives each message a stable integer.
  await sql`
    create table message_search (rowid integer primary key, message_id text not null unique)`.execute(db);
  await sql`
    create virtual table messages_fts using fts5(
      subject, people, body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
    )`.execute(db);
  const document = (row: 'new' | 'messages') =>
    sql.raw(`
    ${row}.subject,
    coalesce(${row}.from_name, '') || ' ' || coalesce(${row}.from_address, '') || ' ' || ${row}.to_json || ' ' || ${row}.cc_json,
    coalesce(${row}.body_text, '')`);
  await sql`insert into message_search (message_id) select id from messages`.execute(db);
  await sql`
    insert into messages_fts (rowid, subject, people, body)
    select s.rowid, ${document('messages')} from messages join message_search s on s.message_id = messages.id`.execute(
    db,
  );
  await sql`
    create trigger messages_fts_insert after insert on messages begin
      insert into message_search (message_id) values (new.id);
      insert into messages_fts (rowid, subject, people, body) values (last_insert_rowid(), ${document('new')});
    end`.execute(db);
  await sql`
    create trigger messages_fts_delete after delete on messages begin
      delete from messages_fts where rowid = (select rowid from message_search where message_id = old.id);
      delete from message_search where message_id = old.id;
    end`.execute(db);
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop index messages_search`.execute(db);
    await sql`alter table messages drop column search`.execute(db);
    return;
  }
  await sql`drop trigger messages_fts_delete`.execute(db);
  await sql`drop trigger messages_fts_insert`.execute(db);
  await sql`drop table messages_fts`.execute(db);
  await sql`drop table message_search`.execute(db);
};
