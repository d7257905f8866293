import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { privateKeyOf } from './certificate.ts';

/** RS256 with `x5t` (the form most clients use) or PS256 with `x5t#S256` (Microsoft's current page). */
export type AssertionAlgorithm = 'RS256' | 'PS256';

/** How Mailroom proves to Microsoft that it is its app registration. */
export type ClientCredential =
  | { readonly kind: 'secret'; readonly secret: string }
  | {
      readonly kind: 'certificate';
      /** PKCS #8 PEM, opened from its sealed column for this request only. */
      readonly privateKeyPem: string;
      readonly x5t: string;
      readonly x5tS256: string;
      readonly algorithm: AssertionAlgorithm;
    };

export interface ConfidentialClient {
  readonly clientId: string;
  readonly credential: ClientCredential;
}

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Lifetime of an assertion: Microsoft asks for 5–10 minutes at most (app-only-spec.md §3). */
const ASSERTION_SECONDS = 300;

/**
 * The form fields that authenticate Mailroom at `tokenEndpoint`, for every token request (code redemption,
 * refresh, client credentials, Check configuration): `client_id` and either `client_secret`
 * (client_secret_post) or a `private_key_jwt` client assertion (RFC 7523 §2.2; app-only-spec.md §3):
 * `aud` = the token endpoint itself, `iss` = `sub` = the client id, a fresh `jti`, `nbf`/`iat` now and
 * `exp` five minutes on, and the certificate's thumbprint in the header, since Entra finds the key by
 * it (a `kid` alone fails, AADSTS700027).
 */
export const clientAuthentication = async (
  client: ConfidentialClient,
  tokenEndpoint: string,
  now: Date = new Date(),
): Promise<Record<string, string>> => {
  const c = client.credential;
  if (c.kind === 'secret') return { client_id: client.clientId, client_secret: c.secret };
  const iat = Math.floor(now.getTime() / 1000);
  const thumbprint = c.algorithm === 'PS256' ? { 'x5t#S256': c.x5tS256 } : { x5t: c.x5t };
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: c.algorithm, typ: 'JWT', ...thumbprint })
    .setAudience(tokenEndpoint)
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ASSERTION_SECONDS)
    .sign(privateKeyOf(c.privateKeyPem));
  return {
    client_id: client.clientId,
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: assertion,
  };
};
