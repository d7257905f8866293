import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config.ts';
import { type SecretBox, SecretBoxError } from '../secrets/secret-box.ts';

/**
 * CSRF for forms a browser sees before it has a session (sign-in, first run), without storing anything:
 * a signed double-submit value (OWASP's "signed double-submit cookie"). The cookie holds a random value;
 * the form carries an HMAC of it under a key derived from the secret keyring, which every process shares.
 * A cross-site page can make the browser send the cookie but can neither read it nor compute the HMAC.
 */
const PURPOSE = 'csrf.anonymous';
const VALUE = /^[A-Za-z0-9_-]{43}$/;

export const anonymousCsrfCookieName = (config: Config): string =>
  config.publicUrl.startsWith('https://') ? '__Host-mailroom_csrf' : 'mailroom_csrf';

const sign = (key: Buffer, value: string): string =>
  createHmac('sha256', key).update(`${PURPOSE}:${value}`).digest('base64url');

/** The token this browser's anonymous forms carry; sets the cookie it is bound to when there is none. */
export const anonymousCsrfToken = (
  deps: { readonly config: Config; readonly secrets: SecretBox },
  c: Context,
): string => {
  const cookie = anonymousCsrfCookieName(deps.config);
  let value = getCookie(c, cookie);
  if (!value || !VALUE.test(value)) {
    value = randomBytes(32).toString('base64url');
    setCookie(c, cookie, value, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: deps.config.publicUrl.startsWith('https://'),
      path: '/',
      maxAge: deps.config.session.maxHours * 3600,
    });
  }
  const [current] = deps.secrets.macKeys(PURPOSE);
  if (!current) throw new SecretBoxError('secrets.keyring_invalid', 'no secret key is configured');
  return sign(current, value);
};

/** Whether `sent` is the token of this browser's cookie (under any key of the keyring), compared in constant time. */
export const isAnonymousCsrfToken = (
  deps: { readonly config: Config; readonly secrets: SecretBox },
  c: Context,
  sent: string,
): boolean => {
  const value = getCookie(c, anonymousCsrfCookieName(deps.config));
  if (!value || !VALUE.test(value)) return false;
  const given = Buffer.from(sent);
  return deps.secrets.macKeys(PURPOSE).some((key) => {
    const expected = Buffer.from(sign(key, value));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
};
