import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest (client secret, OAuth tokens). Each value records the id of the key
 * that sealed it, so keys can rotate: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts). The
 * purpose (e.g. `microsoft.client_secret`) is bound as additional data, so a ciphertext copied into
 * another column does not decrypt.
 */
export interface SecretKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface SecretBox {
  readonly currentKeyId: string;
  seal(plaintext: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
  /** The key id a sealed value was made with. */
  keyIdOf(sealed: string): string;
}

export class SecretBoxError extends Error {
  constructor(
    readonly code: 'secrets.unknown_key' | 'secrets.corrupt',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretBoxError';
  }
}

export const parseSecretKey = (text: string): SecretKey => {
  const [id, base64] = text.trim().split(':');
  const key = Buffer.from(base64 ?? '', 'base64');
  if (!id || key.length !== 32)
    throw new SecretBoxError('secrets.corrupt', 'a secret key is "<id>:<32 bytes in base64>"');
  return { id, key };
};

export const generateSecretKey = (
  id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`,
): string => `${id}:${randomBytes(32).toString('base64')}`;

export const createSecretBox = (current: SecretKey, older: readonly SecretKey[] = []): SecretBox => {
  const keys = new Map([...older, current].map((k) => [k.id, k.key]));
  const split = (sealed: string) => {
    const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || !keyId || !iv || !tag || ciphertext === undefined) {
      throw new SecretBoxError('secrets.corrupt', 'not a sealed secret');
    }
    return { keyId, iv, tag, ciphertext };
  };
  return {
    currentKeyId: current.id,
    seal(plaintext, purpose) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
      return ['v1', current.id, ...parts].join('.');
    },
    open(sealed, purpose) {
      const { keyId, iv, tag, ciphertext } = split(sealed);
      const key = keys.get(keyId);
      if (!key)
        throw new SecretBoxError('secrets.unknown_key', `no secret key with id ${keyId} is configured`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch (error) {
        throw new SecretBoxError('secrets.corrupt', 'a sealed secret failed to decrypt', { cause: error });
      }
    },
    keyIdOf: (sealed) => split(sealed).keyId,
  };
};
