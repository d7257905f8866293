import type { Kysely } from 'kysely';

export const up = async (db: Kysely<unknown>): Promise<void> => {
  // Where a custom authority's mail lives (the emulator's IMAP and SMTP); the named clouds have fixed hosts.
  for (const column of ['custom_imap_server', 'custom_smtp_server']) {
    await db.schema.alterTable('microsoft_settings').addColumn(column, 'text').execute();
  }
  await db.schema
    .createTable('mailboxes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.unique())
    .addColumn('address', 'text', (c) => c.notNull().unique())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('ms_tid', 'text')
    .addColumn('ms_oid', 'text')
    .addColumn('ms_upn', 'text')
    .addColumn('connected_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('not_connected'))
    .addColumn('state_code', 'text')
    .addColumn('state_message', 'text')
    .addColumn('state_at', 'text')
    .addColumn('next_attempt_at', 'text')
    .addColumn('access_token_encrypted', 'text')
    .addColumn('access_token_expires_at', 'text')
    .addColumn('refresh_token_encrypted', 'text')
    .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('refresh_lease_until', 'text')
    .addColumn('refresh_lease_owner', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mailboxes_owner').on('mailboxes').column('owner_user_id').execute();

  await db.schema
    .createTable('mailbox_folders')
    .addColumn('mailbox_id', 'text', (c) => c.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('delimiter', 'text')
    .addColumn('parent_path', 'text')
    .addColumn('special_use', 'text')
    .addColumn('selected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mailbox_folders_pk', ['mailbox_id', 'path'])
    .execute();

  await db.schema
    .createTable('system_mailbox_access')
    .addColumn('mailbox_id', 'text', (c) => c.notNull().references('mailboxes.id').onDelete('cascade'))
    /** `user:<id>` or `role:staff` / `role:administrator` */
    .addColumn('principal', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('system_mailbox_access_pk', ['mailbox_id', 'principal'])
    .execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  for (const table of ['system_mailbox_access', 'mailbox_folders', 'mailboxes'])
    await db.schema.dropTable(table).execute();
};
