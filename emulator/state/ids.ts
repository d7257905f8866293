import { randomBytes, randomUUID } from 'node:crypto';

export const newGuid = (): string => randomUUID();

/** An opaque token value in the style of Entra's (`0.A...`), url-safe. */
export const opaqueToken = (prefix: string, bytes = 48): string =>
  `${prefix}${randomBytes(bytes).toString('base64url')}`;

export const isGuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
