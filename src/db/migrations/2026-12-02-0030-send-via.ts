import type { Kysely } from 'kysely';

// How a mailbox sends (issue 13 §3):
// - send_via: what was chosen — 'auto' (the default: SMTP until Exchange answers `535 5.7.139`, then
//   Graph), 'smtp' or 'graph';
// - sends_through: the way it actually sends now ('smtp' or 'graph'), with why and since when.
// Existing mailboxes are 'auto' and send through SMTP, as they did.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .alterTable('mailboxes')
    .addColumn('send_via', 'text', (c) => c.notNull().defaultTo('auto'))
    .execute();
  await db.schema
    .alterTable('mailboxes')
    .addColumn('sends_through', 'text', (c) => c.notNull().defaultTo('smtp'))
    .execute();
  await db.schema.alterTable('mailboxes').addColumn('sends_through_reason', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('sends_through_at', 'text').execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable('mailboxes').dropColumn('sends_through_at').execute();
  await db.schema.alterTable('mailboxes').dropColumn('sends_through_reason').execute();
  await db.schema.alterTable('mailboxes').dropColumn('sends_through').execute();
  await db.schema.alterTable('mailboxes').dropColumn('send_via').execute();
};
