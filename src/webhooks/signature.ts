import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"): the secret is
 * `whsec_` + base64 of random bytes, and its decoded bytes are the HMAC-SHA256 key; the signed content is
 * `<webhook-id>.<webhook-timestamp>.<body>`; the header is `v1,<base64 signature>`, several separated by
 * spaces (we send one).
 */
const PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes (the specification asks for 24 to 64). */
export const generateSecret = (): string => `${PREFIX}${randomBytes(32).toString('base64')}`;

const keyOf = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(PREFIX) ? secret.slice(6) : secret, 'base64');

/** `v1,<base64 HMAC-SHA256 of id.timestamp.body>`; `timestamp` in whole seconds since the epoch. */
export const sign = (secret: string, id: string, timestamp: number, body: string): string =>
  `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;

/** How far a timestamp may be from the receiver's clock: the specification's suggested tolerance. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export type VerifyFailure = 'signature.missing' | 'signature.timestamp' | 'signature.mismatch';

/**
 * The receiver's side, as the README documents it (and the tests use it as a receiver would): the
 * timestamp within the tolerance (replay), then any `v1` signature equal, compared in constant time.
 */
export const verify = (
  secret: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  body: string,
  now = new Date(),
): VerifyFailure | null => {
  if (!headers.id || !headers.timestamp || !headers.signature) return 'signature.missing';
  const timestamp = Number(headers.timestamp);
  if (!/^\d{1,12}$/.test(headers.timestamp)) return 'signature.timestamp';
  if (Math.abs(now.getTime() / 1000 - timestamp) > TIMESTAMP_TOLERANCE_SECONDS) return 'signature.timestamp';
  const expected = Buffer.from(sign(secret, headers.id, timestamp, body));
  const match = headers.signature
    .split(' ')
    .map((s) => Buffer.from(s))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
  return match ? null : 'signature.mismatch';
};
