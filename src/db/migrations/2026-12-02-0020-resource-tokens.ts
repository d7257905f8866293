import type { Kysely } from 'kysely';

// A mailbox's access tokens by resource (issue 13 §1): one refresh token on the mailbox row redeems an
// access token for each resource it was consented for, each stored and refreshed on its own. The Outlook
// resource's (IMAP and SMTP) stays in the mailbox row, where every existing row's token already is;
// every other resource's (Microsoft Graph) is a row here, keyed `<mailbox id>/<resource>`.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable('mailbox_access_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('mailbox_id', 'text', (c) => c.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('access_token_encrypted', 'text', (c) => c.notNull())
    .addColumn('access_token_expires_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('mailbox_access_tokens_mailbox')
    .on('mailbox_access_tokens')
    .columns(['mailbox_id', 'resource'])
    .unique()
    .execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable('mailbox_access_tokens').execute();
};
