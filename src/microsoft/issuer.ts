/**
 * The issuer rule of ms-identity-spec.md §4, for any authority host (the emulator's included):
 * - tenant-specific metadata: `iss` must equal the metadata issuer exactly;
 * - `common`/`organizations` metadata carries `https://<host>/{tenantid}/v2.0`: `tid` must be a GUID and
 *   `iss` must equal the template with `{tenantid}` replaced by `tid`.
 * A signing key that carries its own `issuer` must match the same way.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEMPLATE = '{tenantid}';

export type IssuerCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'tid_not_guid' | 'issuer_mismatch' };

export const expectedIssuer = (metadataIssuer: string, tid: string): string =>
  metadataIssuer.includes(TEMPLATE) ? metadataIssuer.replace(TEMPLATE, tid) : metadataIssuer;

export const checkIssuer = (
  metadataIssuer: string,
  claims: { iss?: unknown; tid?: unknown },
): IssuerCheck => {
  const tid = typeof claims.tid === 'string' ? claims.tid : '';
  if (!GUID.test(tid)) return { ok: false, reason: 'tid_not_guid' };
  if (claims.iss !== expectedIssuer(metadataIssuer, tid)) return { ok: false, reason: 'issuer_mismatch' };
  // The issuer's path must name the same tenant as `tid` (§4 pseudo-code, last line).
  const segment = new URL(String(claims.iss)).pathname.split('/')[1];
  if (segment?.toLowerCase() !== tid.toLowerCase()) return { ok: false, reason: 'issuer_mismatch' };
  return { ok: true };
};

/** A key's own `issuer` (Entra JWKS) must fit the token: template keys for template issuers, else exact. */
export const keyIssuerFits = (keyIssuer: unknown, claims: { iss?: unknown; tid?: unknown }): boolean => {
  if (typeof keyIssuer !== 'string') return true;
  return expectedIssuer(keyIssuer, String(claims.tid ?? '')) === claims.iss;
};
