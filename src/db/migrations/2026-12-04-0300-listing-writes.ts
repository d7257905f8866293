import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * What PostgreSQL does for each listed message (issue 12: a 20,000-message folder listed at half the rate of
 * a raw FETCH), done only where it is needed. SQLite is unchanged.
 *
 * - The `search` column (0006) was computed, and its GIN index written, when a message was listed, from
 *   its envelope alone; the parse rewrites the row with its body within seconds and computes it again. It is
 *   now null while the message is pending, as SQLite indexes a message once read (0010): a 1,000-message
 *   batch's insert took 54 ms of the server's CPU, 28 ms without it.
 * - `message_sources.source` is compressed with LZ4 rather than pglz where the server has it: a raw
 *   source waits there only until its parse; 1,000 sources of 4 KB took 45 ms to store, 17 ms with LZ4.
 *   A server built without LZ4 does not list it among `default_toast_compression`'s values.
 *
 * Re-adding the generated column rewrites the messages table once.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was, not as Database types it.
type AnyDb = Kysely<any>;

const document = `
  to_tsvector('simple'::regconfig, regexp_replace(lower(
    coalesce(subject, '') || ' ' || coalesce(from_name, '') || ' ' || coalesce(from_address, '') || ' ' ||
    to_json || ' ' || cc_json || ' ' || left(coalesce(body_text, ''), 100000)
  ), '[^[:alnum:]]+', ' ', 'g'))`;

const replaceSearch = async (db: AnyDb, expression: string): Promise<void> => {
  await sql`drop index messages_search`.execute(db);
  await sql`alter table messages drop column search`.execute(db);
  await sql`alter table messages add column search tsvector generated always as (${sql.raw(expression)}) stored`.execute(
    db,
  );
  await sql`create index messages_search on messages using gin (search)`.execute(db);
};

const hasLz4 = async (db: AnyDb): Promise<boolean> => {
  const { rows } = await sql<{ lz4: boolean }>`
    select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'`.execute(
    db,
  );
  return rows[0]?.lz4 === true;
};

export const up = async (db: AnyDb): Promise<void> => {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await replaceSearch(db, `case when parse_state = 'pending' then null else ${document} end`);
  if (await hasLz4(db))
    await sql`alter table message_sources alter column source set compression lz4`.execute(db);
};

export const down = async (db: AnyDb): Promise<void> => {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await replaceSearch(db, document);
  if (await hasLz4(db))
    await sql`alter table message_sources alter column source set compression default`.execute(db);
};
