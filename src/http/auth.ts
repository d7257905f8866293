import type { MiddlewareHandler } from 'hono';
import { userForApiToken } from '../users/api-tokens.ts';
import { findUserById } from '../users/users.repository.ts';
import type { User } from '../users/users.table.ts';
import { isAnonymousCsrfToken } from './anonymous-csrf.ts';
import type { AppContext, AppDeps, AppEnv } from './context.ts';
import { AppError } from './errors.ts';
import { sameToken } from './session.ts';

/** Who is asking: `Authorization: Bearer <API token>`, else the session cookie. */
export const authenticate =
  (deps: AppDeps): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    c.set('user', null);
    c.set('auth', null);
    const header = c.req.header('authorization');
    if (header?.toLowerCase().startsWith('bearer ')) {
      const user = await userForApiToken(deps.db, header.slice(7).trim());
      if (!user)
        throw new AppError('auth.required', 'The API token is unknown, revoked, or its user is disabled.');
      c.set('user', user);
      c.set('auth', 'token');
      return next();
    }
    const session = await deps.sessions.load(c);
    if (session?.userId) {
      const user = await findUserById(deps.db, session.userId);
      if (user && !user.disabled) {
        c.set('user', user);
        c.set('auth', 'session');
      }
    }
    return next();
  };

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF protection for everything a cookie authenticates: a signed-in session's token must come back in
 * the `_csrf` form field or the `X-CSRF-Token` header; a browser not signed in sends the signed
 * double-submit token of its anonymous forms (anonymous-csrf.ts), so showing it a form stores nothing.
 * API-token requests carry no cookie and are exempt; an API request without a token or a signed-in session
 * is answered 401 `auth.required`.
 */
export const csrfProtection =
  (deps: AppDeps): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (!UNSAFE.has(c.req.method) || c.get('auth') === 'token') return next();
    const session = await deps.sessions.load(c);
    // An API call with no credentials at all is told to sign in, not that a form expired.
    if (!session?.userId && c.req.path.startsWith('/api/'))
      throw new AppError('auth.required', 'Sign in or send an API token (Authorization: Bearer).');
    let sent = c.req.header('x-csrf-token');
    if (!sent) {
      const type = c.req.header('content-type') ?? '';
      if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
        const body = await c.req.parseBody();
        sent = typeof body._csrf === 'string' ? body._csrf : undefined;
      }
    }
    const valid =
      sent !== undefined &&
      sent.length <= 256 &&
      ((session !== null && sameToken(sent, session.csrfToken)) ||
        (!session?.userId && isAnonymousCsrfToken(deps, c, sent)));
    if (!valid) {
      throw new AppError(
        'csrf.invalid',
        'This form has expired or did not come from Mailroom. Reload the page and try again.',
      );
    }
    return next();
  };

export const requireUser = (c: AppContext): User => {
  const user = c.get('user');
  if (!user) throw new AppError('auth.required', 'Sign in to continue.');
  return user;
};

export const requireAdmin = (c: AppContext): User => {
  const user = requireUser(c);
  if (user.role !== 'administrator') throw new AppError('auth.forbidden', 'Only administrators may do this.');
  return user;
};

/** requireUser as a middleware: before a route's input is validated, so a stranger learns nothing of it. */
export const signedIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  requireUser(c);
  await next();
};

/** requireAdmin as a middleware, for the same reason. */
export const adminOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  requireAdmin(c);
  await next();
};
