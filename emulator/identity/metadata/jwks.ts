import type { Context } from 'hono';
import { authorityOf } from '../../context.ts';
import type { IdentityDeps } from '../deps.ts';
import { aadsts } from '../errors/aadsts.ts';
import { jsonError } from '../errors/json-error.ts';
import { jwkOf } from '../signing-keys.ts';
import { resolveTenantPath } from '../tenant-segment.ts';
import { issuerOf } from './discovery.ts';
import { metadataHeaders } from './metadata-headers.ts';

/**
 * `GET /{tenant}/discovery/v2.0/keys`. Every key carries `issuer`: the `{tenantid}` template in the
 * common/organizations documents, the concrete tenant issuer in a tenant's own document (ms-identity-spec.md §3).
 * Microsoft-account keys (issuer = consumer tenant) are not emulated.
 */
export const jwksHandler = (deps: IdentityDeps) => (c: Context) => {
  const segment = c.req.param('tenant') ?? '';
  const path = resolveTenantPath(deps.ctx.dir, segment);
  if (!path) return jsonError(deps, c, aadsts.tenantNotFound(segment));
  const issuer = issuerOf(authorityOf(deps.ctx, c.req.url), path);
  const keys = deps.ctx.keys.published.map((key) => jwkOf(key, issuer));
  return new Response(JSON.stringify({ keys }), { status: 200, headers: metadataHeaders() });
};
