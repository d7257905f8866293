import type { Kysely } from 'kysely';

export const up = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema
    .createTable('microsoft_identities')
    .addColumn('tid', 'text', (c) => c.notNull())
    .addColumn('oid', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('upn', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_signin_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('microsoft_identities_pk', ['tid', 'oid'])
    .execute();
  await db.schema
    .createIndex('microsoft_identities_user')
    .on('microsoft_identities')
    .column('user_id')
    .execute();
  for (const column of ['allowed_tenant_ids', 'password_disabled_domains']) {
    await db.schema
      .alterTable('microsoft_settings')
      .addColumn(column, 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
  }
  for (const column of ['auto_provision', 'sign_out_of_microsoft']) {
    await db.schema
      .alterTable('microsoft_settings')
      .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  }
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  for (const column of [
    'allowed_tenant_ids',
    'password_disabled_domains',
    'auto_provision',
    'sign_out_of_microsoft',
  ]) {
    await db.schema.alterTable('microsoft_settings').dropColumn(column).execute();
  }
  await db.schema.dropTable('microsoft_identities').execute();
};
