import type { Config } from '../config.ts';
import type { AppContext } from './context.ts';

/** Far longer than any path and query of Mailroom's; a longer target is not followed. */
export const MAX_LOCAL_TARGET = 2048;

// C0 controls, DEL, C1 controls and the backslash. The WHATWG URL parser (Firefox, Safari, Node's `new URL`)
// drops tabs and new lines and reads `\` as `/`, so `/\t/evil.example` and `/\evil.example` are both
// `//evil.example` to a browser; a new line in a header value makes Node throw.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\\]/;

/**
 * The path and query of Mailroom that `target` (a `next` parameter, a path a flow remembered) names, or
 * `null` when it names anything else: it is resolved against the public URL as a browser would, must keep
 * Mailroom's origin, and only its path and query are kept, so what is emitted is what was checked.
 */
export const localTarget = (publicUrl: string, target: string | null | undefined): string | null => {
  if (!target || target.length > MAX_LOCAL_TARGET || UNSAFE.test(target)) return null;
  if (!URL.canParse(target, publicUrl)) return null;
  const url = new URL(target, publicUrl);
  if (url.origin !== new URL(publicUrl).origin) return null;
  // `/.//evil.example` resolves to the path `//evil.example`, which alone in a Location is another host.
  if (!url.pathname.startsWith('/') || url.pathname.startsWith('//')) return null;
  return `${url.pathname}${url.search}`;
};

/**
 * The one way Mailroom redirects to a place input chose: to that place when it is Mailroom's own
 * (`localTarget`), else to `fallback`.
 */
export const redirectLocal = (
  c: AppContext,
  config: Config,
  target: string | null | undefined,
  fallback = '/',
) => c.redirect(localTarget(config.publicUrl, target) ?? fallback);

/** The sign-in page, returning to `next` afterwards when that is a place of Mailroom's. */
export const signinLocation = (config: Config, next: string | null | undefined): string => {
  const local = localTarget(config.publicUrl, next);
  return local && local !== '/' ? `/signin?${new URLSearchParams({ next: local })}` : '/signin';
};
