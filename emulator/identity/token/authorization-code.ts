import { createHash, timingSafeEqual } from 'node:crypto';
import { now } from '../../state/directory.ts';
import type { AuthCode } from '../../state/model.ts';
import { aadsts } from '../errors/aadsts.ts';
import { scopeList } from '../scopes.ts';
import type { TokenRequest } from './token-request.ts';
import { firstResource, mintUserTokens, planUserTokens } from './user-tokens.ts';

const equal = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** RFC 7636 §4.6: S256 compares BASE64URL(SHA256(verifier)), plain the verifier itself. */
const pkceMatches = (code: AuthCode, verifier: string | undefined): boolean => {
  if (code.codeChallenge === null) return true;
  if (!verifier) return false;
  const computed =
    code.codeChallengeMethod === 'S256'
      ? createHash('sha256').update(verifier).digest('base64url')
      : verifier;
  return equal(computed, code.codeChallenge);
};

/**
 * `grant_type=authorization_code` (ms-identity-spec.md §6.2): the code must be this client's, unused (54005),
 * younger than the code lifetime (70008), redeemed at its tenant (700005), with the same redirect URI and a
 * matching PKCE verifier (501481). The code is consumed only once the token request itself is valid.
 */
export const redeemAuthorizationCode = async (req: TokenRequest): Promise<Record<string, unknown>> => {
  const { ctx, form, path, client } = req;
  const { dir } = ctx;
  if (!form.code) throw aadsts.missingParameter('code');
  const code = dir.authCodes.get(form.code);
  if (!code || code.appId !== client.app.appId) throw aadsts.codeInvalid();
  if (code.redeemed) throw aadsts.codeRedeemed();
  if (now(dir) - code.issuedAt > dir.knobs.authCodeLifetimeSec * 1000) throw aadsts.codeExpired();
  if (path.kind === 'tenant' && path.tenant.id !== code.tenantId) throw aadsts.codeOtherTenant();
  if ((form.redirect_uri ?? '') !== code.redirectUri)
    throw aadsts.codeRedirectMismatch(form.redirect_uri ?? '', code.redirectUri);
  if (!pkceMatches(code, form.code_verifier)) throw aadsts.pkceMismatch();
  const user = dir.users.get(code.userOid);
  if (!user) throw aadsts.userNotFound();
  if (user.disabled) throw aadsts.userDisabled();
  const explicit = scopeList(form.scope);
  const plan = planUserTokens(ctx, {
    app: client.app,
    user,
    authority: req.authority,
    requested: explicit.length > 0 ? explicit : firstResource(code.scopes),
    grantScopes: [...new Set([...code.scopes, ...explicit])],
    nonce: code.nonce,
    signIn: { authTime: code.authTime, mfaDone: code.mfaDone },
    grantType: 'authorization_code',
    clientInfo: form.client_info === '1',
  });
  code.redeemed = true;
  return mintUserTokens(ctx, plan);
};
