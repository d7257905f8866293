import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One RSA signing key as Entra publishes it: `kid` == `x5t` == SHA-1 thumbprint of a self-signed cert (ms-identity-spec.md §3). */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly certDer: Buffer;
  readonly createdAt: number;
}

export interface KeyRing {
  /** Keys published in the JWKS, newest last. */
  published: SigningKey[];
  /** The key new tokens are signed with. */
  current: SigningKey;
}

export const generateSigningKey = (): SigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // A self-signed certificate for `x5c`, like Entra's (CN accounts.accesscontrol.windows.net).
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-key-'));
  let certDer: Buffer;
  try {
    writeFileSync(join(dir, 'key.pem'), pem, { mode: 0o600 });
    certDer = execFileSync(
      'openssl',
      [
        'req',
        '-new',
        '-x509',
        '-key',
        join(dir, 'key.pem'),
        '-subj',
        '/CN=accounts.accesscontrol.windows.net',
        '-days',
        '3650',
        '-outform',
        'DER',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const kid = createHash('sha1').update(certDer).digest('base64url');
  return { kid, privateKey, publicKey, certDer, createdAt: Date.now() };
};

export const createKeyRing = (): KeyRing => {
  const first = generateSigningKey();
  const second = generateSigningKey();
  // Two keys published as Entra does; the first one signs.
  return { published: [first, second], current: first };
};

/**
 * Key rollover: a brand-new key is published and becomes the signing key, so a client holding a cached
 * JWKS meets an unknown `kid` (ms-identity-spec.md §16 scenario 10). Keys beyond `keep` are retired.
 */
export const rotateKeys = (ring: KeyRing, keep = 3): SigningKey => {
  const fresh = generateSigningKey();
  ring.published.push(fresh);
  ring.current = fresh;
  while (ring.published.length > keep) ring.published.shift();
  return fresh;
};

export const jwkOf = (key: SigningKey, issuer: string): Record<string, unknown> => {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return {
    kty: 'RSA',
    use: 'sig',
    kid: key.kid,
    x5t: key.kid,
    n: jwk.n,
    e: jwk.e,
    x5c: [key.certDer.toString('base64')],
    issuer,
  };
};
