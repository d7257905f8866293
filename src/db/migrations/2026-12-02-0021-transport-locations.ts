import { type Kysely, sql } from 'kysely';

// Locations and cursors a second transport can use (issue 13 §1), beside IMAP's, keeping every row:
// - message_locations: `transport` and `remote_id` (Graph's immutable message id). A Graph copy takes
//   UIDVALIDITY 0, which no IMAP folder has (RFC 3501 §9: nz-number), and a UID its folder hands out in
//   order (folder_sync_state.uid_next), so the primary key and the IMAP code path stay as they are;
//   `remote_id` is unique per mailbox where it is set.
// - folder_sync_state: `transport`, `folder_id` (Graph's folder id) and `cursor` (Graph's delta link, opaque).
// - mailbox_folders: `remote_id` (Graph's folder id; IMAP names a folder by its path).
// Existing rows are IMAP's: `transport` defaults to `imap_smtp`, the new ids and cursor stay null.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .alterTable('message_locations')
    .addColumn('transport', 'text', (c) => c.notNull().defaultTo('imap_smtp'))
    .execute();
  await db.schema.alterTable('message_locations').addColumn('remote_id', 'text').execute();
  await db.schema
    .createIndex('message_locations_remote_id')
    .on('message_locations')
    .columns(['mailbox_id', 'remote_id'])
    .unique()
    .where(sql.ref('remote_id'), 'is not', null)
    .execute();

  await db.schema
    .alterTable('folder_sync_state')
    .addColumn('transport', 'text', (c) => c.notNull().defaultTo('imap_smtp'))
    .execute();
  await db.schema.alterTable('folder_sync_state').addColumn('folder_id', 'text').execute();
  await db.schema.alterTable('folder_sync_state').addColumn('cursor', 'text').execute();

  await db.schema.alterTable('mailbox_folders').addColumn('remote_id', 'text').execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable('mailbox_folders').dropColumn('remote_id').execute();
  await db.schema.alterTable('folder_sync_state').dropColumn('cursor').execute();
  await db.schema.alterTable('folder_sync_state').dropColumn('folder_id').execute();
  await db.schema.alterTable('folder_sync_state').dropColumn('transport').execute();
  await db.schema.dropIndex('message_locations_remote_id').execute();
  await db.schema.alterTable('message_locations').dropColumn('remote_id').execute();
  await db.schema.alterTable('message_locations').dropColumn('transport').execute();
};
