import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { IdentityError } from './identity-error.ts';
import { checkIssuer, keyIssuerFits } from './issuer.ts';
import type { JwksCache } from './jwks-cache.ts';
import type { OidcMetadata } from './metadata.ts';

/** The claims Mailroom uses from a v2 ID token (ms-identity-spec.md §11.1). */
export interface IdTokenClaims {
  readonly iss: string;
  readonly tid: string;
  readonly oid: string;
  readonly sub: string;
  readonly name: string | null;
  /** A hint, never a key: an administrator of the account's directory may set it to any address. */
  readonly email: string | null;
  /** The optional claim `xms_edov`: the directory has verified the domain of `email`. */
  readonly emailDomainVerified: boolean;
  readonly preferredUsername: string | null;
  /** Set when the account comes from another identity provider than the issuer (a guest, §11.1). */
  readonly idp: string | null;
}

const CLOCK_SKEW_SECONDS = 300;

/**
 * Validates an ID token as ms-identity-spec.md §11.1 and §4 ask: RS256 signature by a key of the
 * tenant's JWKS (refetched once on an unknown `kid`), the key's own issuer, `aud` = client id,
 * `exp`/`nbf`/`iat` with a small skew, `nonce`, and the issuer rule for the configured authority.
 */
export const verifyIdToken = async (
  jwks: JwksCache,
  metadata: OidcMetadata,
  token: string,
  expected: { clientId: string; nonce: string; now?: Date },
): Promise<IdTokenClaims> => {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (error) {
    throw new IdentityError('id_token.malformed', 'the ID token is not a JWT', undefined, { cause: error });
  }
  if (!kid) throw new IdentityError('id_token.malformed', 'the ID token names no signing key');
  const published = await jwks(metadata.jwks_uri, kid);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, published.key, {
      algorithms: ['RS256'],
      audience: expected.clientId,
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: expected.now ?? new Date(),
    }));
  } catch (error) {
    throw classifyJoseError(error);
  }
  const now = Math.floor((expected.now ?? new Date()).getTime() / 1000);
  if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_SKEW_SECONDS) {
    throw new IdentityError('id_token.issued_in_future', 'the ID token was issued in the future');
  }
  if (payload.nonce !== expected.nonce)
    throw new IdentityError('id_token.nonce_mismatch', 'the ID token nonce is not the one this sign-in sent');
  const issuer = checkIssuer(metadata.issuer, payload);
  if (!issuer.ok) {
    throw new IdentityError(
      issuer.reason === 'tid_not_guid' ? 'id_token.tid_not_guid' : 'id_token.issuer_mismatch',
      `ID token issuer ${String(payload.iss)} does not fit tenant ${String(payload.tid)}`,
    );
  }
  if (!keyIssuerFits(published.jwk.issuer, payload)) {
    throw new IdentityError(
      'id_token.key_issuer_mismatch',
      `signing key ${kid} belongs to issuer ${published.jwk.issuer}`,
    );
  }
  const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
  const oid = str(payload.oid);
  if (!oid || typeof payload.sub !== 'string')
    throw new IdentityError('id_token.malformed', 'the ID token has no oid (was the profile scope granted?)');
  return {
    iss: String(payload.iss),
    tid: String(payload.tid),
    oid,
    sub: payload.sub,
    name: str(payload.name),
    email: str(payload.email),
    emailDomainVerified: payload.xms_edov === true,
    preferredUsername: str(payload.preferred_username),
    idp: str(payload.idp),
  };
};

const classifyJoseError = (error: unknown): IdentityError => {
  if (error instanceof joseErrors.JWTExpired)
    return new IdentityError('id_token.expired', 'the ID token has expired', undefined, { cause: error });
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return new IdentityError(
        'id_token.wrong_audience',
        'the ID token is for another application',
        undefined,
        { cause: error },
      );
    if (error.claim === 'nbf')
      return new IdentityError('id_token.not_yet_valid', 'the ID token is not valid yet', undefined, {
        cause: error,
      });
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new IdentityError('id_token.bad_signature', 'the ID token signature does not verify', undefined, {
      cause: error,
    });
  }
  return new IdentityError(
    'id_token.malformed',
    `the ID token is not valid: ${(error as Error).message}`,
    undefined,
    { cause: error },
  );
};
