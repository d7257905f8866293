import type { MiddlewareHandler } from 'hono';
import type { AppContext } from '../http/context.ts';

/**
 * Responses that must not carry the page policy of security-headers.ts: the reading frame (framed by
 * Mailroom's own page, with its own CSP) and attachment downloads. Keyed by the request, so nothing
 * leaks from one response to another.
 */
const policies = new WeakMap<Request, { csp: string; frameable: boolean }>();

/** Declares this response's own CSP; `frameable` lets Mailroom's pages (only them) frame it. */
export const useOwnPolicy = (c: AppContext, csp: string, options: { frameable: boolean }): void => {
  policies.set(c.req.raw, { csp, frameable: options.frameable });
};

/**
 * Registered before securityHeaders, so it runs after it on the way out and has the last word for the
 * responses that declared a policy of their own.
 */
export const ownPolicies: MiddlewareHandler = async (c, next) => {
  await next();
  const own = policies.get(c.req.raw);
  if (!own) return;
  c.header('Content-Security-Policy', own.csp);
  c.header('X-Frame-Options', own.frameable ? 'SAMEORIGIN' : 'DENY');
  c.header('X-Content-Type-Options', 'nosniff');
};
