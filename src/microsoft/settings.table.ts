/** One row (id = 1): the app registration Mailroom uses in Microsoft Entra ID. */
export interface MicrosoftSettingsTable {
  id: number;
  client_id: string | null;
  /** Encrypted with the secret box; never sent back to any client. */
  client_secret_encrypted: string | null;
  client_secret_set_at: string | null;
  tenant: string | null;
  cloud: string;
  custom_authority_url: string | null;
  signin_enabled: number;
  sync_enabled: number;
  /** JSON array of lower-case domains; empty = any. */
  allowed_domains: string;
  updated_at: string | null;
  updated_by: string | null;
}
