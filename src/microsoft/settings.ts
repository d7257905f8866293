import type { Db } from '../db/database.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { authorityBase, type Cloud } from './cloud.ts';

/** What Mailroom knows of its app registration. The client secret is never part of it: see `readClientSecret`. */
export interface MicrosoftSettings {
  readonly clientId: string | null;
  readonly tenant: string | null;
  readonly cloud: Cloud;
  readonly customAuthorityUrl: string | null;
  /** When the client secret was last set; `null` while none is. */
  readonly clientSecretSetAt: string | null;
  readonly signinEnabled: boolean;
  readonly syncEnabled: boolean;
  readonly allowedDomains: readonly string[];
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export const SECRET_PURPOSE = 'microsoft.client_secret';

export const EMPTY_SETTINGS: MicrosoftSettings = {
  clientId: null,
  tenant: null,
  cloud: 'global',
  customAuthorityUrl: null,
  clientSecretSetAt: null,
  signinEnabled: false,
  syncEnabled: false,
  allowedDomains: [],
  updatedAt: null,
  updatedBy: null,
};

export const loadMicrosoftSettings = async (db: Db): Promise<MicrosoftSettings> => {
  const row = await db.selectFrom('microsoft_settings').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) return EMPTY_SETTINGS;
  return {
    clientId: row.client_id,
    tenant: row.tenant,
    cloud: row.cloud as Cloud,
    customAuthorityUrl: row.custom_authority_url,
    clientSecretSetAt: row.client_secret_encrypted ? row.client_secret_set_at : null,
    signinEnabled: row.signin_enabled === 1,
    syncEnabled: row.sync_enabled === 1,
    allowedDomains: JSON.parse(row.allowed_domains) as string[],
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
};

/** The decrypted client secret, for the one place that sends it: the token endpoint. */
export const readClientSecret = async (db: Db, secrets: SecretBox): Promise<string | null> => {
  const row = await db
    .selectFrom('microsoft_settings')
    .select('client_secret_encrypted')
    .where('id', '=', 1)
    .executeTakeFirst();
  return row?.client_secret_encrypted ? secrets.open(row.client_secret_encrypted, SECRET_PURPOSE) : null;
};

/** Client id, tenant, an authority and a secret: what every Microsoft flow needs. */
export const credentialsComplete = (s: MicrosoftSettings): boolean =>
  Boolean(s.clientId && s.tenant && s.clientSecretSetAt && authorityBase(s.cloud, s.customAuthorityUrl));

export const authorityOf = (s: MicrosoftSettings): string | null =>
  authorityBase(s.cloud, s.customAuthorityUrl);
