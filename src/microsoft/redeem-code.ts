import type { AppDeps } from '../http/context.ts';
import type { ClientCredential } from './credentials/client-assertion.ts';
import { type IdTokenClaims, verifyIdToken } from './id-token.ts';
import type { OidcMetadata } from './metadata.ts';
import { requestToken, type TokenResponse } from './token-client.ts';

export interface Redemption {
  readonly metadata: OidcMetadata;
  readonly tokens: TokenResponse;
  /** The validated ID token, or `null` when the answer carried none. */
  readonly claims: IdTokenClaims | null;
}

/**
 * Redeems an authorization code (PKCE verifier, the flow's redirect URI, one resource's scopes) and
 * validates the ID token against the flow's nonce: the part Microsoft sign-in and mailbox connection
 * share. Throws IdentityError; what a missing token means is the caller's to say.
 */
export const redeemAuthorizationCode = async (
  deps: Pick<AppDeps, 'fetch' | 'microsoft'>,
  client: { authority: string; tenant: string; clientId: string; credential: ClientCredential },
  grant: { code: string; redirectUri: string; verifier: string; nonce: string; scopes: readonly string[] },
): Promise<Redemption> => {
  const metadata = await deps.microsoft.metadata(client.authority, client.tenant);
  const tokens = await requestToken(deps.fetch, metadata.token_endpoint, client, {
    grant_type: 'authorization_code',
    code: grant.code,
    redirect_uri: grant.redirectUri,
    code_verifier: grant.verifier,
    scope: grant.scopes.join(' '),
  });
  const claims = tokens.id_token
    ? await verifyIdToken(deps.microsoft.jwks, metadata, tokens.id_token, {
        clientId: client.clientId,
        nonce: grant.nonce,
      })
    : null;
  return { metadata, tokens, claims };
};
