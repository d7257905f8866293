import { X509Certificate } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import type { SecretBox } from '../../secrets/secret-box.ts';
import { readClientSecret } from '../settings.ts';
import { type CertificateInfo, certificateInfo } from './certificate.ts';
import type { AssertionAlgorithm, ClientCredential } from './client-assertion.ts';

/** The sealed private key's purpose: bound to this column, so it cannot be swapped for another sealed value. */
export const CERTIFICATE_KEY_PURPOSE = 'microsoft.certificate_key';

/**
 * The credential the token requests use, opened for the one request that needs it: the secret (only for
 * the authority it was entered for, see `readClientSecret`) or the certificate's private key with its
 * thumbprints. `null` when the chosen credential is not there.
 */
export const readClientCredential = async (
  db: Db,
  secrets: SecretBox,
  authority: string,
): Promise<ClientCredential | null> => {
  const row = await db
    .selectFrom('microsoft_settings')
    .select(['credential_kind', 'certificate_pem', 'certificate_key_encrypted', 'assertion_algorithm'])
    .where('id', '=', 1)
    .executeTakeFirst();
  if (row?.credential_kind !== 'certificate') {
    const secret = await readClientSecret(db, secrets, authority);
    return secret ? { kind: 'secret', secret } : null;
  }
  if (!row.certificate_pem || !row.certificate_key_encrypted) return null;
  const info = certificateInfo(new X509Certificate(row.certificate_pem));
  return {
    kind: 'certificate',
    privateKeyPem: secrets.open(row.certificate_key_encrypted, CERTIFICATE_KEY_PURPOSE),
    x5t: info.x5t,
    x5tS256: info.x5tS256,
    algorithm: (row.assertion_algorithm === 'PS256' ? 'PS256' : 'RS256') satisfies AssertionAlgorithm,
  };
};

/**
 * Stores a certificate and its private key (sealed), replacing any earlier one. Whether the token requests
 * use it is the credential choice of the settings, saved apart. Resets the expiry warnings, which were
 * about the previous credential.
 */
export const storeCertificate = async (
  db: Db,
  secrets: SecretBox,
  cert: { info: CertificateInfo; privateKeyPem: string; source: 'generated' | 'uploaded' },
  actorEmail: string,
): Promise<void> => {
  const now = new Date().toISOString();
  const row = {
    certificate_pem: cert.info.pem,
    certificate_key_encrypted: secrets.seal(cert.privateKeyPem, CERTIFICATE_KEY_PURPOSE),
    certificate_set_at: now,
    certificate_source: cert.source,
    updated_at: now,
    updated_by: actorEmail,
  };
  await db
    .insertInto('microsoft_settings')
    .values({
      id: 1,
      cloud: 'global',
      signin_enabled: 0,
      sync_enabled: 0,
      allowed_domains: '[]',
      allowed_tenant_ids: '[]',
      password_disabled_domains: '[]',
      auto_provision: 0,
      sign_out_of_microsoft: 0,
      credential_kind: 'secret',
      assertion_algorithm: 'RS256',
      ...row,
    })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
};
