import type { Context } from 'hono';
import { authorityOf } from '../../context.ts';
import type { IdentityDeps } from '../deps.ts';
import { aadsts } from '../errors/aadsts.ts';
import { jsonError } from '../errors/json-error.ts';
import { canonicalSegment, resolveTenantPath, type TenantPath } from '../tenant-segment.ts';
import { v2Issuer } from '../tokens.ts';
import { metadataHeaders } from './metadata-headers.ts';

/** `common` and `organizations` publish a templated issuer that clients complete with the token's `tid` (§2.2, §4). */
export const TENANT_ID_TEMPLATE = '{tenantid}';

export const issuerOf = (authority: string, path: TenantPath): string =>
  v2Issuer(authority, path.kind === 'tenant' ? path.tenant.id : TENANT_ID_TEMPLATE);

/** The document of ms-identity-spec.md §2.1, field order as recorded. */
export const openIdConfiguration = (authority: string, path: TenantPath): Record<string, unknown> => {
  const base = `${authority}/${canonicalSegment(path)}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: issuerOf(authority, path),
    request_uri_parameter_supported: false,
    // Real documents point at https://graph.microsoft.com/oidc/userinfo; the emulator serves Graph itself.
    userinfo_endpoint: `${authority}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: path.kind === 'tenant' ? path.tenant.region : null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
};

/** `GET /{tenant}/v2.0/.well-known/openid-configuration` */
export const discoveryHandler = (deps: IdentityDeps) => (c: Context) => {
  const segment = c.req.param('tenant') ?? '';
  const path = resolveTenantPath(deps.ctx.dir, segment);
  if (!path) return jsonError(deps, c, aadsts.tenantNotFound(segment));
  const doc = openIdConfiguration(authorityOf(deps.ctx, c.req.url), path);
  return new Response(JSON.stringify(doc), { status: 200, headers: metadataHeaders() });
};
