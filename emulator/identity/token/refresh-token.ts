import { now } from '../../state/directory.ts';
import { aadsts } from '../errors/aadsts.ts';
import { audienceFor } from '../resources.ts';
import { scopeList } from '../scopes.ts';
import type { TokenRequest } from './token-request.ts';
import { firstResource, mintUserTokens, planUserTokens } from './user-tokens.ts';

/**
 * `grant_type=refresh_token` (ms-identity-spec.md §6.3, §7): always answers with a new refresh token; the old
 * one stays valid. Refused when idle too long (700082), revoked by tokensValidFrom (50173), for a disabled
 * user (50057), when MFA became required after the grant (50076 `basic_action`) or consent is gone (65001).
 */
export const redeemRefreshToken = async (req: TokenRequest): Promise<Record<string, unknown>> => {
  const { ctx, form, client } = req;
  const { dir } = ctx;
  if (!form.refresh_token) throw aadsts.missingParameter('refresh_token');
  const record = dir.refreshTokens.get(form.refresh_token);
  if (!record || record.appId !== client.app.appId) throw aadsts.refreshTokenInvalid();
  const user = dir.users.get(record.userOid);
  if (!user) throw aadsts.userNotFound();
  if (record.revoked)
    throw aadsts.grantRevoked(record.authTime, Math.max(user.tokensValidFrom, record.issuedAt));
  const idleSec = dir.knobs.refreshTokenIdleSec;
  if (now(dir) - record.lastUsedAt > idleSec * 1000) throw aadsts.refreshTokenIdle(record.issuedAt, idleSec);
  if (user.disabled) throw aadsts.userDisabled();
  if (record.authTime < user.tokensValidFrom)
    throw aadsts.grantRevoked(record.authTime, user.tokensValidFrom);
  const explicit = scopeList(form.scope);
  const plan = planUserTokens(ctx, {
    app: client.app,
    user,
    authority: req.authority,
    requested: explicit.length > 0 ? explicit : firstResource(record.scopes),
    grantScopes: [...new Set([...record.scopes, ...explicit])],
    nonce: null,
    signIn: { authTime: record.authTime, mfaDone: record.mfaDone },
    grantType: 'refresh_token',
    clientInfo: form.client_info === '1',
  });
  if (user.mfaRequired && !record.mfaDone) {
    throw aadsts.mfaRequired(audienceFor(plan.target.raw), { suberror: 'basic_action' });
  }
  record.lastUsedAt = now(dir);
  return mintUserTokens(ctx, plan);
};
