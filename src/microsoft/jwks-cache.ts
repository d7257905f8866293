import { importJWK, type JWK } from 'jose';
import type { OutboundFetch } from '../net/outbound-fetch.ts';
import { IdentityError } from './identity-error.ts';

export interface PublishedKey {
  readonly jwk: JWK & { kid?: string; issuer?: string };
  readonly key: Awaited<ReturnType<typeof importJWK>>;
}

const TTL_MS = 24 * 3_600_000;
/** An unknown `kid` triggers at most one refetch per this interval: a forged `kid` cannot make us hammer Microsoft. */
const REFETCH_MIN_MS = 60_000;

/**
 * Signing keys per JWKS URL, kept a day and refetched once when a token names a key we have not seen
 * (Entra rotates keys: ms-identity-spec.md §3). Keys keep their `issuer` for the §4 key-issuer check.
 */
export const createJwksCache = (fetch: OutboundFetch) => {
  const cache = new Map<string, { keys: PublishedKey[]; at: number }>();

  const load = async (uri: string): Promise<PublishedKey[]> => {
    let body: { keys?: unknown };
    try {
      body = (await (await fetch(uri)).json()) as { keys?: unknown };
    } catch (error) {
      throw new IdentityError(
        'microsoft.unreachable',
        `could not load signing keys from ${new URL(uri).host}`,
        undefined,
        { cause: error },
      );
    }
    const jwks = Array.isArray(body.keys) ? (body.keys as PublishedKey['jwk'][]) : [];
    const keys: PublishedKey[] = [];
    for (const jwk of jwks) {
      if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string') continue;
      keys.push({ jwk, key: await importJWK({ kty: jwk.kty, n: jwk.n, e: jwk.e }, 'RS256') });
    }
    cache.set(uri, { keys, at: Date.now() });
    return keys;
  };

  const refetchedFor = new Map<string, number>();
  const lastRefetch = new Map<string, number>();

  return async (uri: string, kid: string): Promise<PublishedKey> => {
    const entry = cache.get(uri);
    let keys = entry && Date.now() - entry.at < TTL_MS ? entry.keys : await load(uri);
    let found = keys.find((k) => k.jwk.kid === kid);
    const now = Date.now();
    // One refetch per unknown kid (a rollover), and at most one a second per key set (forged kids).
    if (
      !found &&
      now - (refetchedFor.get(`${uri} ${kid}`) ?? 0) > REFETCH_MIN_MS &&
      now - (lastRefetch.get(uri) ?? 0) > 1000
    ) {
      refetchedFor.set(`${uri} ${kid}`, now);
      lastRefetch.set(uri, now);
      keys = await load(uri);
      found = keys.find((k) => k.jwk.kid === kid);
    }
    if (!found)
      throw new IdentityError('id_token.unknown_key', `no signing key ${kid} at ${new URL(uri).host}`);
    return found;
  };
};

export type JwksCache = ReturnType<typeof createJwksCache>;
