import type { Kysely } from 'kysely';

// The identity boundary (issue 11, items 1 and 4):
// - a Microsoft identity can wait for an administrator before it signs anyone in (`status = 'pending'`);
// - the client secret and each mailbox's tokens remember the authority and mail hosts they were issued
//   for, and are never sent anywhere else.
// The hosts below are a frozen copy of what src/microsoft/cloud.ts and src/mail-servers.ts said when this
// migration was written, so that existing secrets and tokens keep working after the upgrade.

const AUTHORITIES: Record<string, string> = {
  global: 'https://login.microsoftonline.com',
  usgov: 'https://login.microsoftonline.us',
  china: 'https://login.chinacloudapi.cn',
};
const MAIL_HOSTS: Record<string, { imap: string; smtp: string }> = {
  global: { imap: 'outlook.office365.com:993', smtp: 'smtp.office365.com:587' },
  usgov: { imap: 'outlook.office365.us:993', smtp: 'smtp.office365.us:587' },
  china: { imap: 'partner.outlook.cn:993', smtp: 'smtp.partner.outlook.cn:587' },
};

interface SettingsRow {
  id: number;
  cloud: string;
  custom_authority_url: string | null;
  custom_imap_server: string | null;
  custom_smtp_server: string | null;
  client_secret_encrypted: string | null;
  client_secret_authority: string | null;
}

/** The columns this migration reads and fills, as they are at this point of the schema's history. */
interface Tables {
  microsoft_settings: SettingsRow;
  mailboxes: { refresh_token_encrypted: string | null; token_origin: string | null };
}

const authorityOf = (row: SettingsRow): string | null =>
  row.cloud === 'custom'
    ? (row.custom_authority_url?.replace(/\/+$/, '') ?? null)
    : (AUTHORITIES[row.cloud] ?? null);

/** Same shape as `tokenOriginOf` in src/microsoft/token-origin.ts. */
const originOf = (row: SettingsRow): string | null => {
  const authority = authorityOf(row);
  const hosts =
    row.cloud === 'custom'
      ? row.custom_imap_server && row.custom_smtp_server
        ? { imap: row.custom_imap_server, smtp: row.custom_smtp_server }
        : null
      : (MAIL_HOSTS[row.cloud] ?? null);
  if (!authority || !hosts) return null;
  const hostPort = (v: string) => v.replace(/^\[(.*)\](:\d+)$/, '$1$2').toLowerCase();
  return `${authority} imap=${hostPort(hosts.imap)} smtp=${hostPort(hosts.smtp)}`;
};

export const up = async (schema: Kysely<unknown>): Promise<void> => {
  const db = schema as unknown as Kysely<Tables>;
  await db.schema
    .alterTable('microsoft_identities')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .execute();
  await db.schema.alterTable('microsoft_settings').addColumn('client_secret_authority', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('token_origin', 'text').execute();

  const row = await db.selectFrom('microsoft_settings').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) return;
  if (row.client_secret_encrypted) {
    await db
      .updateTable('microsoft_settings')
      .set({ client_secret_authority: authorityOf(row) })
      .where('id', '=', 1)
      .execute();
  }
  await db
    .updateTable('mailboxes')
    .set({ token_origin: originOf(row) })
    .where('refresh_token_encrypted', 'is not', null)
    .execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.alterTable('mailboxes').dropColumn('token_origin').execute();
  await db.schema.alterTable('microsoft_settings').dropColumn('client_secret_authority').execute();
  await db.schema.alterTable('microsoft_identities').dropColumn('status').execute();
};
