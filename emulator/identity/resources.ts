// Resource identifiers and scope strings (ms-identity-spec.md §1, §12.1).

export const GRAPH = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const OUTLOOK = 'https://outlook.office.com';
export const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';

/** Every identifier of the Exchange Online service principal; a token for any of them is accepted by IMAP and SMTP. */
export const EXCHANGE_AUDIENCES: readonly string[] = [
  OUTLOOK,
  'https://outlook.office365.com',
  'https://ps.outlook.com',
  EXCHANGE_APP_ID,
];

export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

export const IMAP_SCOPE = 'IMAP.AccessAsUser.All';
export const SMTP_SCOPE = 'SMTP.Send';
export const IMAP_APP_ROLE = 'IMAP.AccessAsApp';
export const SMTP_APP_ROLE = 'SMTP.SendAsApp';

export interface ParsedScope {
  /** `null` for OIDC scopes. */
  readonly resource: string | null;
  /** Scope name without the resource prefix (`User.Read`, `IMAP.AccessAsUser.All`, `.default`, `openid`). */
  readonly value: string;
}

/**
 * Splits a scope string into resource and value. A scope without a resource prefix is Graph's
 * (`User.Read` == `https://graph.microsoft.com/User.Read`, ms-identity-spec.md §5.1).
 */
export const parseScope = (scope: string): ParsedScope => {
  if (OIDC_SCOPES.has(scope)) return { resource: null, value: scope };
  const match = /^(https?:\/\/[^/]+|[0-9a-f-]{36}|api:\/\/[^/]+)\/(.+)$/i.exec(scope);
  if (match) return { resource: canonicalResource(match[1]!), value: match[2]! };
  return { resource: GRAPH, value: scope };
};

/** The resource's name used for consent and audience bookkeeping. */
export const canonicalResource = (resource: string): string => {
  const r = resource.toLowerCase().replace(/\/$/, '');
  if (r === GRAPH || r === GRAPH_APP_ID) return GRAPH;
  if (
    r === EXCHANGE_APP_ID ||
    r === 'https://outlook.office365.com' ||
    r === 'https://ps.outlook.com' ||
    r === OUTLOOK
  )
    return OUTLOOK;
  return r;
};

/** The `aud` of an access token follows the identifier used in the scope (ms-identity-spec.md §11.2). */
export const audienceFor = (scopes: readonly string[]): string => {
  for (const s of scopes) {
    const m = /^(https?:\/\/[^/]+)\//i.exec(s);
    if (m) {
      const host = m[1]!.toLowerCase();
      if (host === GRAPH) return GRAPH_APP_ID;
      return host;
    }
    if (!OIDC_SCOPES.has(s)) return GRAPH_APP_ID;
  }
  return GRAPH_APP_ID;
};
