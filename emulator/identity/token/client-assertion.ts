import { createPublicKey } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, type JWTPayload } from 'jose';
import { type Directory, now } from '../../state/directory.ts';
import type { App, AppCertificate } from '../../state/model.ts';
import { aadsts } from '../errors/aadsts.ts';
import type { TenantPath } from '../tenant-segment.ts';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How far ahead of the emulator's clock an assertion's `nbf` may lie (clock skew). */
const SKEW_MS = 5 * 60_000;

const hexOf = (b64url: string | undefined): string =>
  b64url ? Buffer.from(b64url, 'base64url').toString('hex').toUpperCase() : '';

/** The audiences Entra accepts: this tenant's v2 token endpoint, by GUID or by verified domain. */
const audiencesOf = (path: TenantPath, authority: string): Set<string> => {
  const segments = path.kind === 'tenant' ? [path.tenant.id, ...path.tenant.domains] : [path.segment];
  return new Set(segments.map((s) => `${authority}/${s}/oauth2/v2.0/token`));
};

/** The uploaded certificate the header names: `x5t` (SHA-1) or `x5t#S256` (SHA-256); a `kid` alone names none. */
const findKey = (app: App, header: Record<string, unknown>): AppCertificate => {
  const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
  const s256 = typeof header['x5t#S256'] === 'string' ? (header['x5t#S256'] as string) : undefined;
  const key = app.certificates.find((c) => (x5t && c.x5t === x5t) || (s256 && c.x5tS256 === s256));
  if (!key) throw aadsts.assertionKeyNotFound(app.appId, hexOf(x5t ?? s256));
  return key;
};

/**
 * Verifies a `private_key_jwt` client assertion as Entra does (app-only-spec.md §3 "Emulator must"): the key
 * by thumbprint among the app's unexpired certificates (AADSTS700027), an RS256 or PS256 signature (700027),
 * `aud` one string equal to the tenant's token endpoint (700023; an array is 50027), `iss` = `sub` =
 * client id (50027), and `nbf` ≤ now + skew < … < `exp` on the emulator's clock (700024).
 */
export const verifyClientAssertion = async (
  dir: Directory,
  path: TenantPath,
  app: App,
  form: Record<string, string>,
  authority: string,
): Promise<void> => {
  if (form.client_assertion_type !== JWT_BEARER) throw aadsts.assertionTypeUnsupported();
  const assertion = form.client_assertion ?? '';
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(assertion) as Record<string, unknown>;
  } catch {
    throw aadsts.assertionMalformed();
  }
  const key = findKey(app, header);
  const nowMs = now(dir);
  if (key.expiresAt <= nowMs)
    throw aadsts.assertionKeyExpired(app.appId, key.thumbprintHex, key.startsAt, key.expiresAt);
  let payload: JWTPayload;
  try {
    const verified = await compactVerify(assertion, createPublicKey(key.pem), {
      algorithms: ['RS256', 'PS256'],
    });
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as JWTPayload;
  } catch {
    throw aadsts.assertionBadSignature();
  }
  if (Array.isArray(payload.aud)) throw aadsts.assertionMalformed();
  if (typeof payload.aud !== 'string' || !audiencesOf(path, authority).has(payload.aud))
    throw aadsts.assertionWrongAudience();
  if (payload.iss !== app.appId || payload.sub !== app.appId) throw aadsts.assertionWrongIssuer();
  const tooEarly = typeof payload.nbf === 'number' && payload.nbf * 1000 > nowMs + SKEW_MS;
  const expired = typeof payload.exp !== 'number' || payload.exp * 1000 <= nowMs;
  if (tooEarly || expired) throw aadsts.assertionNotInTime(nowMs, payload.nbf, payload.exp);
};
