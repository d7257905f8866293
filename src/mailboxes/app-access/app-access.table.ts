/** One client-credentials token per tenant and resource, shared by every mailbox with application access. */
export interface AppAccessTokensTable {
  /** `<tenant>/<resource>`; the sealed column's purpose names it. */
  id: string;
  /** The authority and mail hosts it was issued for (tokenOriginOf): used with no other. */
  token_origin: string;
  access_token_encrypted: string;
  access_token_expires_at: string;
  /** The decoded `roles` claim, JSON: shown and checked, never trusted for anything else. */
  roles: string;
  updated_at: string;
}

/** What the setup needs from the administrator: the Enterprise application's object id. One row, id 'default'. */
export interface AppAccessSettingsTable {
  id: string;
  enterprise_object_id: string | null;
  /** The RBAC management scope name used in the generated PowerShell; null = not scoped. */
  scope_name: string | null;
  updated_at: string;
}

export const appTokenPurpose = (id: string): string => `app_access.access_token:${id}`;
