import type { Context } from 'hono';
import type { EmulatorContext } from '../../context.ts';
import type { User } from '../../state/model.ts';
import type { AccessTokenClaims } from '../tokens.ts';
import { graphCaller, graphError } from './bearer.ts';

export const nameParts = (user: User) => {
  const [givenName, ...rest] = user.displayName.split(' ');
  return { givenName: givenName ?? null, surname: rest.length > 0 ? rest.join(' ') : null };
};

/** The user a delegated Graph token names; app-only tokens can't use `/me`. */
export const tokenUser = async (
  ctx: EmulatorContext,
  c: Context,
): Promise<{ user: User; claims: AccessTokenClaims } | { response: Response }> => {
  const caller = await graphCaller(ctx, c);
  if (!caller.ok) return { response: caller.response };
  if (caller.claims.idtyp !== 'user' || !caller.claims.oid) {
    return {
      response: graphError(
        ctx,
        c,
        400,
        'BadRequest',
        '/me request is only valid with delegated authentication flow.',
      ),
    };
  }
  const user = ctx.dir.users.get(caller.claims.oid);
  if (!user) {
    const message = `Resource '${caller.claims.oid}' does not exist or one of its queried reference-property objects are not present.`;
    return { response: graphError(ctx, c, 404, 'Request_ResourceNotFound', message) };
  }
  return { user, claims: caller.claims };
};

/** `GET /v1.0/me` in Graph's default shape. */
export const meHandler = (ctx: EmulatorContext) => async (c: Context) => {
  const found = await tokenUser(ctx, c);
  if ('response' in found) return found.response;
  const { user } = found;
  const { givenName, surname } = nameParts(user);
  return c.json({
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
    businessPhones: [],
    displayName: user.displayName,
    givenName,
    jobTitle: null,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname,
    userPrincipalName: user.upn,
    id: user.oid,
  });
};
