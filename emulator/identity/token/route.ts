import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { authorityOf } from '../../context.ts';
import type { IdentityDeps } from '../deps.ts';
import { AadError } from '../errors/aad-error.ts';
import { aadsts } from '../errors/aadsts.ts';
import { jsonError, tokenHeaders } from '../errors/json-error.ts';
import { readForm } from '../form.ts';
import { resolveTenantPath } from '../tenant-segment.ts';
import { redeemAuthorizationCode } from './authorization-code.ts';
import { authenticateClient } from './client-auth.ts';
import { clientCredentials } from './client-credentials.ts';
import { takeFault } from './fault.ts';
import { redeemRefreshToken } from './refresh-token.ts';
import type { TokenRequest } from './token-request.ts';

const GRANTS: Record<string, (req: TokenRequest) => Promise<Record<string, unknown>>> = {
  authorization_code: redeemAuthorizationCode,
  refresh_token: redeemRefreshToken,
  client_credentials: clientCredentials,
};

const serve = async (deps: IdentityDeps, c: Context): Promise<Record<string, unknown>> => {
  const segment = c.req.param('tenant') ?? '';
  const path = resolveTenantPath(deps.ctx.dir, segment);
  if (!path) throw aadsts.tenantNotFound(segment);
  // Unknown body parameters (MSAL's x-client-* telemetry, client-request-id, …) are ignored (§6.1).
  const form = await readForm(c);
  if (!form.grant_type) throw aadsts.missingParameter('grant_type');
  const grant = GRANTS[form.grant_type];
  if (!grant) throw aadsts.unsupportedGrantType(form.grant_type);
  const authority = authorityOf(deps.ctx, c.req.url);
  const client = await authenticateClient(deps.ctx.dir, path, c.req.header('authorization'), form, authority);
  return grant({ ctx: deps.ctx, path, client, form, authority });
};

/** `POST /{tenant}/oauth2/v2.0/token` (ms-identity-spec.md §6); GET is AADSTS900561. */
export const tokenHandler = (deps: IdentityDeps) => async (c: Context) => {
  if (c.req.method !== 'POST') return jsonError(deps, c, aadsts.getNotAllowed());
  const fault = takeFault(deps.ctx.dir);
  if (fault) {
    const retryAfter: Record<string, string> =
      fault.retryAfterSeconds === null ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
    return jsonError(deps, c, fault.err, retryAfter);
  }
  try {
    const body = await serve(deps, c);
    return new Response(JSON.stringify(body), { status: 200, headers: tokenHeaders(randomUUID(), 0) });
  } catch (error) {
    if (error instanceof AadError) return jsonError(deps, c, error);
    throw error;
  }
};
