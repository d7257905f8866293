import type { MiddlewareHandler } from 'hono';

/** Every page's CSP: no inline script or style, no framing, forms only to Mailroom itself. */
export const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * The page CSP for a page whose form is answered by a redirect to `origin` (a POST that starts an
 * authorization request at Microsoft): browsers apply `form-action` to the redirect as well.
 */
export const pageCspWithFormsTo = (origin: string): string =>
  PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${new URL(origin).origin}`);

/** A strict CSP (no inline script or style), no framing, no sniffing, no referrer leaks. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Content-Security-Policy', PAGE_CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
};
