import type { Context } from 'hono';
import type { EmulatorContext } from '../../context.ts';
import { now } from '../../state/directory.ts';
import { type AccessTokenClaims, isGraphAudience, verifyAccessToken } from '../tokens.ts';

/** Graph's error body: `{"error":{"code","message","innerError":{date,request-id,client-request-id}}}`. */
export const graphError = (
  ctx: EmulatorContext,
  c: Context,
  status: 400 | 401 | 404,
  code: string,
  message: string,
) => {
  const requestId = crypto.randomUUID();
  const innerError = {
    date: new Date(now(ctx.dir)).toISOString().slice(0, 19),
    'request-id': requestId,
    'client-request-id': c.req.header('client-request-id') ?? requestId,
  };
  return c.json({ error: { code, message, innerError } }, status, { 'request-id': requestId });
};

/**
 * Checks a Graph bearer token as Graph does: signature and lifetime, then the audience — an Outlook token is
 * "Access token validation failure. Invalid audience." (ms-identity-spec.md §6.5).
 */
export const graphCaller = async (
  ctx: EmulatorContext,
  c: Context,
): Promise<{ ok: true; claims: AccessTokenClaims } | { ok: false; response: Response }> => {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  const fail = (message: string) => ({
    ok: false as const,
    response: graphError(ctx, c, 401, 'InvalidAuthenticationToken', message),
  });
  if (!match) return fail('Access token is empty.');
  const check = await verifyAccessToken(ctx, match[1]!);
  if (!check.ok) {
    if (check.reason === 'expired') return fail('Lifetime validation failed, the token is expired.');
    if (check.reason === 'not_yet_valid')
      return fail('Lifetime validation failed, the token is not yet valid.');
    return fail('Access token validation failure.');
  }
  if (!isGraphAudience(check.claims.aud)) return fail('Access token validation failure. Invalid audience.');
  return { ok: true, claims: check.claims };
};
