import type { Context } from 'hono';
import type { EmulatorContext } from '../../context.ts';
import { pairwiseSub } from '../tokens.ts';
import { nameParts, tokenUser } from './me.ts';

/**
 * `GET|POST /oidc/userinfo` with a Graph token (ms-identity-spec.md §11.4); `sub` is the ID token's
 * (pairwise for the calling app).
 */
export const userinfoHandler = (ctx: EmulatorContext) => async (c: Context) => {
  const found = await tokenUser(ctx, c);
  if ('response' in found) return found.response;
  const { user, claims } = found;
  const { givenName, surname } = nameParts(user);
  const body: Record<string, unknown> = {
    sub: pairwiseSub(claims.appid, user.tenantId, user.oid),
    name: user.displayName,
    family_name: surname,
    given_name: givenName,
    picture: 'https://graph.microsoft.com/v1.0/me/photo/$value',
  };
  if (user.mail) body.email = user.mail;
  return c.json(body);
};
