import { X509Certificate } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { authorityBase, type Cloud } from './cloud.ts';
import { type CertificateInfo, certificateInfo } from './credentials/certificate.ts';
import type { AssertionAlgorithm } from './credentials/client-assertion.ts';

export type CredentialKind = 'secret' | 'certificate';

/** The stored certificate as anyone may see it: public parts only, never its private key. */
export interface StoredCertificate extends CertificateInfo {
  readonly setAt: string;
  readonly source: 'generated' | 'uploaded';
}

/** When the credential in use stops working, and what it is. */
export interface CredentialExpiry {
  readonly kind: CredentialKind;
  readonly expiresAt: string;
}

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
  /** For `organizations`/`common`: the tenants whose users may sign in; empty = any. */
  readonly allowedTenantIds: readonly string[];
  /** Users of these domains must use Microsoft 365 to sign in. */
  readonly passwordDisabledDomains: readonly string[];
  /** Create a staff user at the first Microsoft sign-in of someone unknown (off by default). */
  readonly autoProvision: boolean;
  /** Sign-out also ends the Microsoft session (front-channel logout). */
  readonly signOutOfMicrosoft: boolean;
  /** Custom cloud only: `host:port` of IMAP (implicit TLS) and of SMTP submission (STARTTLS). */
  readonly customImapServer: string | null;
  readonly customSmtpServer: string | null;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
  /** Which credential the token requests use. */
  readonly credentialKind: CredentialKind;
  /** The secret's expiry as the administrator entered it; `null` when not entered or no secret is set. */
  readonly clientSecretExpiresAt: string | null;
  readonly certificate: StoredCertificate | null;
  readonly assertionAlgorithm: AssertionAlgorithm;
  /** The last expiry warning given (see credentials/expiry.ts). */
  readonly expiryWarnedFor: string | null;
  readonly expiryWarnedDays: number | null;
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
  allowedTenantIds: [],
  passwordDisabledDomains: [],
  autoProvision: false,
  signOutOfMicrosoft: false,
  customImapServer: null,
  customSmtpServer: null,
  updatedAt: null,
  updatedBy: null,
  credentialKind: 'secret',
  clientSecretExpiresAt: null,
  certificate: null,
  assertionAlgorithm: 'RS256',
  expiryWarnedFor: null,
  expiryWarnedDays: null,
};

const storedCertificate = (
  pem: string | null,
  setAt: string | null,
  source: string | null,
): StoredCertificate | null => {
  if (!pem || !setAt) return null;
  return {
    ...certificateInfo(new X509Certificate(pem)),
    setAt,
    source: source === 'uploaded' ? 'uploaded' : 'generated',
  };
};

export const loadMicrosoftSettings = async (db: Db): Promise<MicrosoftSettings> => {
  const row = await db.selectFrom('microsoft_settings').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) return EMPTY_SETTINGS;
  const authority = authorityBase(row.cloud as Cloud, row.custom_authority_url);
  // A secret entered for another authority is no secret here: it is never sent to this one.
  const secretHere = row.client_secret_encrypted !== null && row.client_secret_authority === authority;
  return {
    clientId: row.client_id,
    tenant: row.tenant,
    cloud: row.cloud as Cloud,
    customAuthorityUrl: row.custom_authority_url,
    clientSecretSetAt: secretHere ? row.client_secret_set_at : null,
    signinEnabled: row.signin_enabled === 1,
    syncEnabled: row.sync_enabled === 1,
    allowedDomains: JSON.parse(row.allowed_domains) as string[],
    allowedTenantIds: JSON.parse(row.allowed_tenant_ids) as string[],
    passwordDisabledDomains: JSON.parse(row.password_disabled_domains) as string[],
    autoProvision: row.auto_provision === 1,
    signOutOfMicrosoft: row.sign_out_of_microsoft === 1,
    customImapServer: row.custom_imap_server,
    customSmtpServer: row.custom_smtp_server,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    credentialKind: row.credential_kind === 'certificate' ? 'certificate' : 'secret',
    clientSecretExpiresAt: secretHere ? row.client_secret_expires_at : null,
    certificate: storedCertificate(row.certificate_pem, row.certificate_set_at, row.certificate_source),
    assertionAlgorithm: row.assertion_algorithm === 'PS256' ? 'PS256' : 'RS256',
    expiryWarnedFor: row.expiry_warned_for,
    expiryWarnedDays: row.expiry_warned_days,
  };
};

/**
 * The decrypted client secret, for the one place that sends it: the token endpoint of `authority`.
 * `null` unless it was entered for that very authority (DESIGN.md "Trust boundaries").
 */
export const readClientSecret = async (
  db: Db,
  secrets: SecretBox,
  authority: string,
): Promise<string | null> => {
  const row = await db
    .selectFrom('microsoft_settings')
    .select(['client_secret_encrypted', 'client_secret_authority'])
    .where('id', '=', 1)
    .executeTakeFirst();
  if (!row?.client_secret_encrypted || row.client_secret_authority !== authority) return null;
  return secrets.open(row.client_secret_encrypted, SECRET_PURPOSE);
};

/** Client id, tenant, an authority and the chosen credential (secret or certificate): what every flow needs. */
export const credentialsComplete = (s: MicrosoftSettings): boolean =>
  Boolean(
    s.clientId &&
      s.tenant &&
      (s.credentialKind === 'certificate' ? s.certificate : s.clientSecretSetAt) &&
      authorityBase(s.cloud, s.customAuthorityUrl),
  );

/** The expiry of the credential in use: the certificate's `notAfter`, or the secret's entered date. */
export const credentialExpiryOf = (s: MicrosoftSettings): CredentialExpiry | null => {
  if (s.credentialKind === 'certificate')
    return s.certificate ? { kind: 'certificate', expiresAt: s.certificate.notAfter } : null;
  return s.clientSecretSetAt && s.clientSecretExpiresAt
    ? { kind: 'secret', expiresAt: s.clientSecretExpiresAt }
    : null;
};

export const authorityOf = (s: MicrosoftSettings): string | null =>
  authorityBase(s.cloud, s.customAuthorityUrl);
