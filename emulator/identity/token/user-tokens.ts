import type { EmulatorContext } from '../../context.ts';
import { consentedScopes, now } from '../../state/directory.ts';
import { opaqueToken } from '../../state/ids.ts';
import type { App, IssuedToken, RefreshTokenRecord, User } from '../../state/model.ts';
import { aadsts } from '../errors/aadsts.ts';
import { audienceFor, GRAPH } from '../resources.ts';
import { prefixed, type ResourceScopes, splitScopes } from '../scopes.ts';
import { accessTokenLifetime, mintAccessToken, mintIdToken } from '../tokens.ts';

export interface UserGrant {
  readonly app: App;
  readonly user: User;
  /** Authority base URL, for the ID token issuer. */
  readonly authority: string;
  /** The scopes this token request asks for: one resource plus OIDC scopes. */
  readonly requested: readonly string[];
  /** Everything the grant may be used for, kept on the new refresh token. */
  readonly grantScopes: readonly string[];
  readonly nonce: string | null;
  /** The sign-in behind the grant, carried from the code to every refresh token that follows it. */
  readonly signIn: Pick<RefreshTokenRecord, 'authTime' | 'mfaDone'>;
  readonly grantType: IssuedToken['grantType'];
  /** MSAL's `client_info=1`. */
  readonly clientInfo: boolean;
}

/** A checked grant, ready to mint: the one resource, its consented scopes and the OIDC scopes. */
export interface TokenPlan {
  readonly grant: UserGrant;
  readonly target: ResourceScopes;
  readonly oidc: readonly string[];
  /** `scp`: every scope consented for the resource (§12.1), never `offline_access`. */
  readonly scp: readonly string[];
}

/** Without an explicit `scope`, a token is for the first resource the grant names (§6.3 "first resource"). */
export const firstResource = (scopes: readonly string[]): string[] => {
  const split = splitScopes(scopes);
  return [...split.oidc, ...(split.resources[0]?.raw ?? [])];
};

/**
 * One resource per token (AADSTS28000, §6.5) and consent for every requested scope (AADSTS65001 with
 * `suberror: consent_required`, §6.2). Synchronous so a caller can check before consuming a code.
 */
export const planUserTokens = (ctx: EmulatorContext, grant: UserGrant): TokenPlan => {
  const { dir } = ctx;
  const { app, user } = grant;
  const split = splitScopes(grant.requested);
  if (split.resources.length > 1) throw aadsts.twoResources(grant.requested.join(' '));
  const target = split.resources[0] ?? { resource: GRAPH, values: [], raw: [] };
  const granted = consentedScopes(dir, user.tenantId, app.appId, user.oid, target.resource);
  const graph = consentedScopes(dir, user.tenantId, app.appId, user.oid, GRAPH);
  const missing =
    target.values.some((v) => (v === '.default' ? granted.size === 0 : !granted.has(v))) ||
    split.oidc.some((s) => !graph.has(s));
  if (missing) throw aadsts.consentMissing(app.appId, app.displayName, { suberror: 'consent_required' });
  const scp = [...granted].filter((s) => s !== 'offline_access');
  return { grant, target, oidc: split.oidc, scp };
};

const createRefreshToken = (ctx: EmulatorContext, grant: UserGrant): string => {
  const at = now(ctx.dir);
  const record: RefreshTokenRecord = {
    token: opaqueToken('1.A', 192),
    appId: grant.app.appId,
    tenantId: grant.user.tenantId,
    userOid: grant.user.oid,
    scopes: grant.grantScopes,
    issuedAt: at,
    authTime: grant.signIn.authTime,
    mfaDone: grant.signIn.mfaDone,
    lastUsedAt: at,
    revoked: false,
  };
  ctx.dir.refreshTokens.set(record.token, record);
  return record.token;
};

/**
 * The §6.2 response: `token_type`, `scope` (OIDC scopes, then the resource's scopes with prefix), `expires_in`,
 * `ext_expires_in`, `access_token`, then `refresh_token` (only with offline_access, always on refresh) and
 * `id_token` (only with openid).
 */
export const mintUserTokens = async (
  ctx: EmulatorContext,
  plan: TokenPlan,
): Promise<Record<string, unknown>> => {
  const { grant, target } = plan;
  const lifetimeSec = accessTokenLifetime(ctx);
  const accessToken = await mintAccessToken(ctx, {
    app: grant.app,
    tenantId: grant.user.tenantId,
    user: grant.user,
    audience: audienceFor(target.raw),
    scopes: plan.scp,
    lifetimeSec,
    grantType: grant.grantType,
  });
  const scope = [
    ...new Set([...[...plan.oidc].sort(), ...plan.scp.map((s) => prefixed(target.resource, s))]),
  ];
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: scope.join(' '),
    expires_in: lifetimeSec,
    ext_expires_in: lifetimeSec,
    access_token: accessToken,
  };
  if (plan.oidc.includes('offline_access') || grant.grantType === 'refresh_token') {
    body.refresh_token = createRefreshToken(ctx, grant);
  }
  if (plan.oidc.includes('openid')) {
    body.id_token = await mintIdToken(ctx, {
      authority: grant.authority,
      app: grant.app,
      user: grant.user,
      scopes: plan.oidc,
      nonce: grant.nonce,
      authTime: grant.signIn.authTime,
      lifetimeSec,
      grantType: grant.grantType,
    });
  }
  if (grant.clientInfo) {
    body.client_info = Buffer.from(
      JSON.stringify({ uid: grant.user.oid, utid: grant.user.tenantId }),
    ).toString('base64url');
  }
  return body;
};
