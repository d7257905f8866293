import type { Context } from 'hono';
import { authorityOf } from '../../context.ts';
import type { IdentityDeps } from '../deps.ts';
import { metadataHeaders } from './metadata-headers.ts';

const PUBLIC_CLOUD_ALIASES = [
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoft.com',
  'sts.windows.net',
];

/**
 * `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…` (ms-identity-spec.md §2.4), which MSAL
 * calls for an authority it does not know. The metadata names the host the client asked about (and the
 * emulator's own host), so MSAL accepts an emulator authority as an Entra cloud.
 */
export const instanceDiscoveryHandler = (deps: IdentityDeps) => (c: Context) => {
  const own = new URL(authorityOf(deps.ctx, c.req.url));
  let asked = own;
  try {
    asked = new URL(c.req.query('authorization_endpoint') ?? own.href);
  } catch {
    // An unparsable authorization_endpoint is answered for the emulator's own host.
  }
  const tenant = asked.pathname.split('/')[1] || 'common';
  const hosts = [...new Set([asked.host, own.host])];
  const metadata = [
    {
      preferred_network: 'login.microsoftonline.com',
      preferred_cache: 'login.windows.net',
      aliases: PUBLIC_CLOUD_ALIASES,
    },
    ...hosts
      .filter((h) => !PUBLIC_CLOUD_ALIASES.includes(h))
      .map((h) => ({ preferred_network: h, preferred_cache: h, aliases: [h] })),
  ];
  const body = {
    tenant_discovery_endpoint: `${asked.origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': c.req.query('api-version') ?? '1.1',
    metadata,
  };
  return new Response(JSON.stringify(body), { status: 200, headers: metadataHeaders() });
};
