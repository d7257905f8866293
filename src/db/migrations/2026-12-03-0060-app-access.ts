import type { Kysely } from 'kysely';

// Application access for system mailboxes (issue 14 §1):
// - mailboxes.access_mode: 'person' (a delegate's refresh token, as before) or 'application' (client
//   credentials for the installation's tenant; no refresh token, no person);
// - app_access_tokens: one client-credentials access token per tenant and resource, shared by every
//   mailbox with application access; sealed like the mailboxes' tokens, keyed `<tenant>/<resource>`;
// - app_access_settings: what the setup needs that Microsoft cannot tell Mailroom (the Enterprise
//   application's object id, entered by the administrator), one row.

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .alterTable('mailboxes')
    .addColumn('access_mode', 'text', (c) => c.notNull().defaultTo('person'))
    .execute();
  await db.schema
    .createTable('app_access_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_origin', 'text', (c) => c.notNull())
    .addColumn('access_token_encrypted', 'text', (c) => c.notNull())
    .addColumn('access_token_expires_at', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('app_access_settings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('enterprise_object_id', 'text')
    .addColumn('scope_name', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable('app_access_settings').execute();
  await db.schema.dropTable('app_access_tokens').execute();
  await db.schema.alterTable('mailboxes').dropColumn('access_mode').execute();
};
