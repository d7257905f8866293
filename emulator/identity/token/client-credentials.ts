import type { Directory } from '../../state/directory.ts';
import type { App } from '../../state/model.ts';
import { grantedAppRoles, hasAppRoleGrants } from '../app-role-grants.ts';
import { aadsts } from '../errors/aadsts.ts';
import { audienceFor } from '../resources.ts';
import { KNOWN_RESOURCES, scopeList, splitScopes } from '../scopes.ts';
import { accessTokenLifetime, mintAccessToken } from '../tokens.ts';
import type { TokenRequest } from './token-request.ts';

/** The app has a service principal in the tenant: its home tenant, or any consent given there. */
const appInTenant = (dir: Directory, app: App, tenantId: string): boolean =>
  app.homeTenantId === tenantId ||
  dir.consents.some((c) => c.tenantId === tenantId && c.appId === app.appId) ||
  hasAppRoleGrants(dir, tenantId, app.appId);

/**
 * `grant_type=client_credentials` (ms-identity-spec.md §6.4): tenant-specific authorities only (9001023),
 * a secret, exactly one `{resource}/.default` (70011, 1002012). The token carries the app roles granted by
 * admin consent as `roles` (absent when none); the response has no scope, refresh or ID token.
 */
export const clientCredentials = async (req: TokenRequest): Promise<Record<string, unknown>> => {
  const { ctx, form, path, client } = req;
  if (path.kind !== 'tenant') throw aadsts.grantTypeNotOnCommon();
  if (!client.confidential) throw aadsts.credentialMissing();
  const scopes = scopeList(form.scope);
  if (scopes.length === 0) throw aadsts.missingParameter('scope');
  const split = splitScopes(scopes);
  const target = split.resources[0];
  if (!target || split.resources.length > 1 || split.oidc.length > 0)
    throw aadsts.clientCredentialsScope(scopes.join(' '));
  if (target.values.length !== 1 || target.values[0] !== '.default')
    throw aadsts.clientCredentialsNotDefault(scopes.join(' '));
  const tenant = path.tenant;
  if (!KNOWN_RESOURCES.has(target.resource))
    throw aadsts.unknownResource(target.resource, tenant.displayName);
  if (!appInTenant(ctx.dir, client.app, tenant.id)) throw aadsts.appNotFound(client.app.appId, tenant.id);
  const lifetimeSec = accessTokenLifetime(ctx);
  const accessToken = await mintAccessToken(ctx, {
    app: client.app,
    tenantId: tenant.id,
    user: null,
    audience: audienceFor(target.raw),
    scopes: grantedAppRoles(ctx.dir, tenant.id, client.app.appId, target.resource),
    lifetimeSec,
    grantType: 'client_credentials',
    clientAuth: client.method === 'certificate' ? 'certificate' : 'secret',
  });
  return {
    token_type: 'Bearer',
    expires_in: lifetimeSec,
    ext_expires_in: lifetimeSec,
    access_token: accessToken,
  };
};
