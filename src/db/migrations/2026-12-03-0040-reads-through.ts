import type { Kysely } from 'kysely';

// How a mailbox reads (issue 13 §3); the choice itself is `send_via` (migration 0030), which now covers
// reading and sending: 'auto', 'smtp' (IMAP and SMTP), 'graph'.
// - mailboxes.reads_through: the way it reads now ('imap' or 'graph'), with why and since when;
// - microsoft_settings.default_mail_via: the installation's choice for mailboxes connected from now on;
// - folder_sync_state.resync_below: during a Graph round started from nothing (the first, or after 410
//   SyncStateNotFound), the folder's locations with a UID below it were not seen yet in this round; at its
//   end the ones still below are gone from the folder. Null outside such a round.
// Existing mailboxes read over IMAP, as they did; the default is Automatic.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .alterTable('mailboxes')
    .addColumn('reads_through', 'text', (c) => c.notNull().defaultTo('imap'))
    .execute();
  await db.schema.alterTable('mailboxes').addColumn('reads_through_reason', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('reads_through_at', 'text').execute();
  await db.schema
    .alterTable('microsoft_settings')
    .addColumn('default_mail_via', 'text', (c) => c.notNull().defaultTo('auto'))
    .execute();
  await db.schema.alterTable('folder_sync_state').addColumn('resync_below', 'integer').execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable('folder_sync_state').dropColumn('resync_below').execute();
  await db.schema.alterTable('microsoft_settings').dropColumn('default_mail_via').execute();
  await db.schema.alterTable('mailboxes').dropColumn('reads_through_at').execute();
  await db.schema.alterTable('mailboxes').dropColumn('reads_through_reason').execute();
  await db.schema.alterTable('mailboxes').dropColumn('reads_through').execute();
};
