import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { now } from '../../state/directory.ts';
import type { User } from '../../state/model.ts';
import type { IdentityDeps } from '../deps.ts';
import type { BrowserSession } from './session-store.ts';

export const SESSION_COOKIE = 'ESTSAUTH';

/** The signed-in session of this browser, if still valid: user exists, is enabled, signed in after a revocation. */
export const currentSession = (
  deps: IdentityDeps,
  c: Context,
): { session: BrowserSession; user: User } | undefined => {
  const session = deps.sessions.get(getCookie(c, SESSION_COOKIE));
  if (!session) return undefined;
  const user = deps.ctx.dir.users.get(session.userOid);
  // revokeSignInSessions also ends browser sessions (ms-identity-spec.md §6.3).
  if (!user || user.disabled || session.authTime < user.tokensValidFrom) return undefined;
  return { session, user };
};

/** Replaces this browser's session by a fresh one (a new id at every sign-in). */
export const startSession = (deps: IdentityDeps, c: Context, user: User): BrowserSession => {
  deps.sessions.delete(getCookie(c, SESSION_COOKIE));
  const { cookieValue, session } = deps.sessions.create(user.oid, now(deps.ctx.dir));
  setCookie(c, SESSION_COOKIE, cookieValue, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: new URL(c.req.url).protocol === 'https:',
  });
  return session;
};

export const endSession = (deps: IdentityDeps, c: Context): void => {
  deps.sessions.delete(getCookie(c, SESSION_COOKIE));
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
};
