import { z } from 'zod';
import type { OutboundFetch } from '../net/outbound-fetch.ts';
import { IdentityError } from './identity-error.ts';

/** The fields of an OpenID discovery document Mailroom reads, each checked before use (STYLE.md 8). */
const metadataSchema = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  end_session_endpoint: z.string().url().optional(),
});

export type OidcMetadata = z.infer<typeof metadataSchema>;

const TTL_MS = 24 * 3_600_000;

/** Fetches `/{tenant}/v2.0/.well-known/openid-configuration` (spec §2), cached for a day per URL. */
export const createMetadataCache = (fetch: OutboundFetch) => {
  const cache = new Map<string, { metadata: OidcMetadata; at: number }>();
  return async (authority: string, tenant: string): Promise<OidcMetadata> => {
    const url = `${authority}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
    const hit = cache.get(url);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.metadata;
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new IdentityError('microsoft.unreachable', `could not reach ${new URL(url).host}`, undefined, {
        cause: error,
      });
    }
    const body = await response.json().catch(() => null);
    const parsed = metadataSchema.safeParse(body);
    if (!response.ok || !parsed.success) {
      throw new IdentityError(
        'microsoft.discovery_invalid',
        `discovery at ${url} answered HTTP ${response.status} without valid metadata`,
      );
    }
    // The client secret and refresh tokens go to the token endpoint: only the authority's own host may
    // receive them, whatever its discovery document says (Entra's is always on the authority's host, §2.1).
    if (new URL(parsed.data.token_endpoint).origin !== new URL(authority).origin) {
      throw new IdentityError(
        'microsoft.discovery_invalid',
        `discovery at ${url} names a token endpoint on another host than the authority`,
      );
    }
    cache.set(url, { metadata: parsed.data, at: Date.now() });
    return parsed.data;
  };
};

export type MetadataCache = ReturnType<typeof createMetadataCache>;
