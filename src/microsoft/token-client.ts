import { z } from 'zod';
import type { OutboundFetch } from '../net/outbound-fetch.ts';
import { type ConfidentialClient, clientAuthentication } from './credentials/client-assertion.ts';
import { IdentityError } from './identity-error.ts';
import { parseTokenError } from './token-endpoint-error.ts';

/** A token response, each field checked before use (ms-identity-spec.md §6.2). */
const tokenResponseSchema = z.object({
  token_type: z.string().regex(/^bearer$/i),
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive(),
  scope: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
});

export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/**
 * POSTs a grant to the token endpoint, authenticated by `clientAuthentication` (the secret or a certificate
 * assertion), and returns the checked answer or a typed error.
 */
export const requestToken = async (
  fetch: OutboundFetch,
  tokenEndpoint: string,
  client: ConfidentialClient,
  grant: Record<string, string>,
): Promise<TokenResponse> => {
  const authentication = await clientAuthentication(client, tokenEndpoint);
  let response: Response;
  try {
    response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...grant, ...authentication }).toString(),
    });
  } catch (error) {
    throw new IdentityError(
      'microsoft.unreachable',
      `could not reach ${new URL(tokenEndpoint).host}`,
      undefined,
      { cause: error },
    );
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = parseTokenError(response.status, body, response.headers.get('retry-after'));
    if (error)
      throw new IdentityError(
        'microsoft.token_error',
        `token endpoint refused: ${error.error}${error.aadsts ? ` AADSTS${error.aadsts}` : ''}`,
        error,
      );
    throw new IdentityError(
      'microsoft.token_response_invalid',
      `token endpoint answered HTTP ${response.status} without an error envelope`,
    );
  }
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success)
    throw new IdentityError('microsoft.token_response_invalid', 'the token response lacks required fields');
  return parsed.data;
};
