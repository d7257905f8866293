import type { Generated } from 'kysely';

/** One row (id = 1): the app registration Mailroom uses in Microsoft Entra ID. */
export interface MicrosoftSettingsTable {
  id: number;
  client_id: string | null;
  /** Encrypted with the secret box; never sent back to any client. */
  client_secret_encrypted: string | null;
  client_secret_set_at: string | null;
  /** The authority the secret was entered for: it is sent to no other (DESIGN.md "Trust boundaries"). */
  client_secret_authority: string | null;
  tenant: string | null;
  cloud: string;
  custom_authority_url: string | null;
  signin_enabled: number;
  sync_enabled: number;
  /** JSON array of lower-case domains; empty = any. */
  allowed_domains: string;
  /** JSON array of tenant GUIDs a multi-tenant (`organizations`/`common`) setting accepts; empty = none. */
  allowed_tenant_ids: string;
  /** JSON array of domains whose users must sign in with Microsoft 365, not a password. */
  password_disabled_domains: string;
  auto_provision: number;
  sign_out_of_microsoft: number;
  /** `host:port` of IMAP (implicit TLS) and SMTP (STARTTLS) for the custom cloud. */
  custom_imap_server: string | null;
  custom_smtp_server: string | null;
  /** How mailboxes connected from now on reach Microsoft 365: 'auto', 'smtp' (IMAP and SMTP) or 'graph'. */
  default_mail_via: Generated<'auto' | 'smtp' | 'graph'>;
  updated_at: string | null;
  updated_by: string | null;
  /** 'secret' or 'certificate': which credential the token requests use. */
  credential_kind: string;
  /** The secret's expiry as entered by the administrator (ISO date-time), if any. */
  client_secret_expires_at: string | null;
  /** The certificate in PEM: public, offered for download. */
  certificate_pem: string | null;
  /** Its private key (PKCS #8 PEM), sealed with the secret box; never sent to any client. */
  certificate_key_encrypted: string | null;
  certificate_set_at: string | null;
  /** 'generated' or 'uploaded'. */
  certificate_source: string | null;
  /** 'RS256' (header `x5t`) or 'PS256' (header `x5t#S256`). */
  assertion_algorithm: string;
  /** `<kind>:<expiresAt>` the last expiry warning was about, and its threshold in days (0 = expired). */
  expiry_warned_for: string | null;
  expiry_warned_days: number | null;
}
