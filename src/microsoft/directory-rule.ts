import type { IdTokenClaims } from './id-token.ts';
import type { OidcMetadata } from './metadata.ts';
import type { MicrosoftSettings } from './settings.ts';

/**
 * Whose Microsoft accounts Mailroom trusts (DESIGN.md "Trust boundaries"): a Microsoft identity is
 * (tid, oid), and only the installation's own directory, or one the administrator listed, may sign in
 * or connect a mailbox. Sign-in and mailbox connection apply the same rule.
 */
export type DirectoryVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /**
       * - `no_allowed_directories`: `organizations`/`common` without a list (settings saved before the
       *   list was required): no directory is trusted;
       * - `directory_not_listed`: multi-tenant, and this directory is not on the list;
       * - `other_directory`: a single-tenant setting, and the account is of another directory.
       */
      readonly reason: 'no_allowed_directories' | 'directory_not_listed' | 'other_directory';
    };

const TEMPLATE = '{tenantid}';

/**
 * The installation's own directory: the GUID a tenant-specific metadata issuer names
 * (`https://<host>/<tid>/v2.0`, for a GUID tenant and for a verified-domain tenant alike); `null` for
 * `organizations`/`common`, whose issuer is a template (ms-identity-spec.md §2.2).
 */
export const ownDirectoryOf = (metadata: Pick<OidcMetadata, 'issuer'>): string | null =>
  metadata.issuer.includes(TEMPLATE)
    ? null
    : (new URL(metadata.issuer).pathname.split('/')[1]?.toLowerCase() ?? null);

export const checkDirectory = (
  settings: Pick<MicrosoftSettings, 'allowedTenantIds'>,
  metadata: Pick<OidcMetadata, 'issuer'>,
  tid: string,
): DirectoryVerdict => {
  const directory = tid.toLowerCase();
  const own = ownDirectoryOf(metadata);
  if (own === directory || settings.allowedTenantIds.includes(directory)) return { ok: true };
  if (own !== null) return { ok: false, reason: 'other_directory' };
  return {
    ok: false,
    reason: settings.allowedTenantIds.length === 0 ? 'no_allowed_directories' : 'directory_not_listed',
  };
};

/** RFC 5321's limit on a path; anything longer is no address Mailroom matches. */
const MAX_ADDRESS = 254;
const ADDRESS = /^[^@\s]+@[^@\s]+$/;

const address = (value: string | null): string | null => {
  const v = value?.trim().toLowerCase() ?? '';
  return v.length <= MAX_ADDRESS && ADDRESS.test(v) ? v : null;
};

/** A member of the token's directory, not a guest: no `idp`, or the issuer itself (§11.1). */
export const isMember = (claims: Pick<IdTokenClaims, 'idp' | 'iss'>): boolean =>
  claims.idp === null || claims.idp === claims.iss;

/**
 * The UPN Exchange logs in with: `preferred_username` of a member of the directory. Entra accepts a
 * member's UPN only in a verified domain of its directory, so the directory vouches for it; a guest's
 * `preferred_username` is its home directory's name for it, and is not used.
 */
export const memberUpn = (claims: Pick<IdTokenClaims, 'idp' | 'iss' | 'preferredUsername'>): string | null =>
  isMember(claims) ? address(claims.preferredUsername) : null;

/**
 * The addresses Microsoft vouches for: the member's UPN, and the `email` claim only when the optional
 * claim `xms_edov` says its domain is verified by the directory. A bare `email` claim is an attribute an
 * administrator of any directory may set to anyone's address ("nOAuth"), so it never counts alone.
 */
export const verifiedAddresses = (
  claims: Pick<IdTokenClaims, 'idp' | 'iss' | 'preferredUsername' | 'email' | 'emailDomainVerified'>,
): string[] => {
  const upn = memberUpn(claims);
  const email = claims.emailDomainVerified ? address(claims.email) : null;
  return [...new Set([upn, email].filter((a): a is string => a !== null))];
};
