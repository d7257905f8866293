import { recordAudit } from '../audit/record.ts';
import type { Db } from '../db/database.ts';
import { dropAppTokensOfOtherOrigins } from '../mailboxes/app-access/app-token.ts';
import { dropTokensOfOtherOrigins } from '../mailboxes/token-store.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { User } from '../users/users.table.ts';
import { authorityBase } from './cloud.ts';
import { loadMicrosoftSettings, type MicrosoftSettings, SECRET_PURPOSE } from './settings.ts';
import type { ValidSettings } from './settings-input.ts';
import { tokenOriginOf } from './token-origin.ts';

/**
 * Stores validated settings (the secret sealed with the secret box, with the authority it is for) and
 * audits which fields changed. When the authority or the mail hosts change, the tokens issued for the old
 * ones are dropped in the same transaction (their mailboxes ask to reconnect), so no reader ever sees the
 * new hosts with the old tokens.
 */
export const saveMicrosoftSettings = (
  db: Db,
  secrets: SecretBox,
  actor: User,
  value: ValidSettings,
): Promise<MicrosoftSettings> => db.transaction().execute((trx) => save(trx, secrets, actor, value));

const save = async (
  db: Db,
  secrets: SecretBox,
  actor: User,
  value: ValidSettings,
): Promise<MicrosoftSettings> => {
  const before = await loadMicrosoftSettings(db);
  const now = new Date().toISOString();
  const row = {
    client_id: value.clientId,
    tenant: value.tenant,
    cloud: value.cloud,
    custom_authority_url: value.customAuthorityUrl,
    signin_enabled: value.signinEnabled ? 1 : 0,
    sync_enabled: value.syncEnabled ? 1 : 0,
    allowed_domains: JSON.stringify(value.allowedDomains),
    allowed_tenant_ids: JSON.stringify(value.allowedTenantIds),
    password_disabled_domains: JSON.stringify(value.passwordDisabledDomains),
    auto_provision: value.autoProvision ? 1 : 0,
    sign_out_of_microsoft: value.signOutOfMicrosoft ? 1 : 0,
    custom_imap_server: value.customImapServer,
    custom_smtp_server: value.customSmtpServer,
    updated_at: now,
    updated_by: actor.email,
    credential_kind: value.credentialKind,
    assertion_algorithm: value.assertionAlgorithm,
    ...(value.clientSecretExpiresAt !== undefined
      ? { client_secret_expires_at: value.clientSecretExpiresAt }
      : {}),
    ...(value.newClientSecret
      ? {
          client_secret_encrypted: secrets.seal(value.newClientSecret, SECRET_PURPOSE),
          client_secret_set_at: now,
          client_secret_authority: authorityBase(value.cloud, value.customAuthorityUrl),
        }
      : {}),
  };
  await db
    .insertInto('microsoft_settings')
    .values({ id: 1, ...row })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
  const after = await loadMicrosoftSettings(db);
  const origin = tokenOriginOf(after);
  const dropped = origin === tokenOriginOf(before) ? 0 : await dropTokensOfOtherOrigins(db, origin);
  if (origin !== tokenOriginOf(before)) await dropAppTokensOfOtherOrigins(db, origin);

  const changed: Record<string, unknown> = {};
  for (const key of [
    'clientId',
    'tenant',
    'cloud',
    'customAuthorityUrl',
    'signinEnabled',
    'syncEnabled',
    'allowedDomains',
    'allowedTenantIds',
    'passwordDisabledDomains',
    'autoProvision',
    'signOutOfMicrosoft',
    'customImapServer',
    'customSmtpServer',
    'credentialKind',
    'assertionAlgorithm',
    'clientSecretExpiresAt',
  ] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changed[key] = { from: before[key], to: after[key] };
  }
  // Never the secret's value: only that it was replaced.
  if (value.newClientSecret) changed.clientSecret = before.clientSecretSetAt ? 'replaced' : 'set';
  if (dropped > 0)
    changed.tokensDropped = {
      mailboxes: dropped,
      reason: 'the authority or the mail servers changed: the mailboxes must reconnect',
    };
  if (Object.keys(changed).length > 0) await recordAudit(db, actor, 'settings.microsoft.updated', changed);
  return after;
};
