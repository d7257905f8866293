import { decodeJwt, errors, type JWTPayload } from 'jose';

/** The claims of an access token that Diagnose shows (display only: the token is not verified here). */
export interface TokenClaims {
  readonly aud: string | null;
  /** `scp`, split on spaces (delegated tokens). */
  readonly scp: readonly string[];
  /** `roles` (application permissions of app-only tokens). */
  readonly roles: readonly string[];
  /** `exp` as an ISO date. */
  readonly expiresAt: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Reads a JWT's payload without checking its signature (jose's `decodeJwt`, as app-token.ts's `rolesOf`):
 * the token was just issued to Mailroom by the authority over TLS, and the claims are only shown. Null
 * when the token is not a JWT (Microsoft may issue opaque tokens; then nothing can be shown).
 */
export const decodeTokenClaims = (token: string): TokenClaims | null => {
  let p: JWTPayload;
  try {
    p = decodeJwt(token);
  } catch (error) {
    if (error instanceof errors.JWTInvalid) return null;
    throw error;
  }
  const aud = Array.isArray(p.aud) ? str(p.aud[0]) : str(p.aud);
  const scp = str(p.scp)?.split(' ').filter(Boolean) ?? [];
  const roles = Array.isArray(p.roles) ? p.roles.filter((r): r is string => typeof r === 'string') : [];
  const expiresAt = typeof p.exp === 'number' ? new Date(p.exp * 1000).toISOString() : null;
  return { aud, scp, roles, expiresAt };
};

/** Exchange Online's identifiers: a token for any of them is accepted by IMAP and SMTP (ms-identity-spec.md §13). */
const OUTLOOK_AUDIENCES = [
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://ps.outlook.com',
  '00000002-0000-0ff1-ce00-000000000000',
];
const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];

const trimSlash = (s: string) => s.toLowerCase().replace(/\/+$/, '');

/** Whether `aud` names the resource (Outlook or Graph, any of their identifiers; national clouds by host). */
export const audienceFits = (aud: string | null, resource: 'outlook' | 'graph'): boolean => {
  if (!aud) return false;
  const a = trimSlash(aud);
  const known = resource === 'outlook' ? OUTLOOK_AUDIENCES : GRAPH_AUDIENCES;
  if (known.includes(a)) return true;
  // National clouds: outlook.office365.us, graph.microsoft.us, microsoftgraph.chinacloudapi.cn, …
  return resource === 'outlook' ? /^https:\/\/outlook\./.test(a) : /graph\./.test(a);
};

/**
 * Which needed permissions the token lacks. A delegated scope is satisfied by its `.Shared` or
 * `ReadWrite` superset where Microsoft's permission model makes it so (Mail.ReadWrite covers Mail.Read).
 */
export const missingPermissions = (
  claims: TokenClaims,
  needed: { readonly scopes: readonly string[]; readonly roles: readonly string[] },
): string[] => {
  const has = (granted: readonly string[], want: string) =>
    granted.some((g) => g.toLowerCase() === want.toLowerCase()) ||
    (want.startsWith('Mail.Read') &&
      granted.some((g) => g.toLowerCase() === want.replace('Read', 'ReadWrite').toLowerCase()));
  return [
    ...needed.scopes.filter((s) => !has(claims.scp, s)),
    ...needed.roles.filter((r) => !has(claims.roles, r)),
  ];
};
