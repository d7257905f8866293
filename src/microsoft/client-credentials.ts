import type { Db } from '../db/database.ts';
import type { OutboundFetch } from '../net/outbound-fetch.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { readClientCredential } from './credentials/credential-store.ts';
import { IdentityError } from './identity-error.ts';
import { authorityOf, type MicrosoftSettings } from './settings.ts';
import { requestToken, type TokenResponse } from './token-client.ts';

/**
 * A client-credentials token for `{resource}/.default` in `tenant` (ms-identity-spec.md §6.4): the one place
 * application access authenticates Mailroom to the token endpoint (the client secret or the certificate's
 * assertion, as the settings choose). No refresh token comes back: a new token is asked for when this one ends.
 */
export const clientCredentialsToken = async (
  deps: { readonly db: Db; readonly secrets: SecretBox; readonly fetch: OutboundFetch },
  settings: MicrosoftSettings,
  tokenEndpoint: string,
  scope: string,
): Promise<TokenResponse> => {
  const authority = authorityOf(settings);
  const credential = authority ? await readClientCredential(deps.db, deps.secrets, authority) : null;
  if (!settings.clientId || !credential)
    throw new IdentityError('microsoft.not_configured', 'the Microsoft 365 settings are incomplete');
  return requestToken(
    deps.fetch,
    tokenEndpoint,
    { clientId: settings.clientId, credential },
    { grant_type: 'client_credentials', scope },
  );
};
