import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

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

/** Where a box's keys come from, the current (sealing) key first. */
export interface KeySource {
  load(): readonly SecretKey[];
  /**
   * Whether `load()` would now return other keys: the keyring file `mailroom secrets rotate` rewrites
   * while servers run. Absent: the keys never change (MAILROOM_SECRET_KEY, read once at start).
   */
  changed?(): boolean;
}

export interface SecretBox {
  /** The key `seal` uses now: the first key as last loaded. */
  readonly currentKeyId: string;
  /** Every key the box can open with, the current one first. */
  readonly keyIds: readonly string[];
  seal(plaintext: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
  /** The key id a sealed value was made with. */
  keyIdOf(sealed: string): string;
  /**
   * MAC keys for one purpose (e.g. `csrf.anonymous`), derived from each key with HKDF-SHA256, the current
   * key's first: sign with the first, accept any, so a rotation does not void what was signed just before.
   * Every process with the same keys derives the same MAC keys.
   */
  macKeys(purpose: string): readonly Buffer[];
}

export type SecretsErrorCode =
  | 'secrets.unknown_key'
  | 'secrets.corrupt'
  | 'secrets.keyring_invalid'
  | 'secrets.keyring_locked';

export class SecretBoxError extends Error {
  constructor(
    readonly code: SecretsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretBoxError';
  }
}

/** `<key id>:<32 bytes in base64>`; the id never holds a dot, the separator of sealed values. */
const SECRET_KEY = '[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=';
const SECRET_KEY_PATTERN = new RegExp(`^${SECRET_KEY}$`);
/** MAILROOM_SECRET_KEY: one key, or a comma-separated list of them with the current key first. */
export const SECRET_KEY_LIST_PATTERN = new RegExp(`^${SECRET_KEY}(\\s*,\\s*${SECRET_KEY})*$`);

export const splitSecretKeyList = (list: string): string[] => list.split(',').map((k) => k.trim());

export const parseSecretKey = (text: string): SecretKey => {
  const trimmed = text.trim();
  const [id, base64] = trimmed.split(':');
  const key = Buffer.from(base64 ?? '', 'base64');
  if (!id || !SECRET_KEY_PATTERN.test(trimmed) || key.length !== 32)
    throw new SecretBoxError('secrets.corrupt', 'a secret key is "<id>:<32 bytes in base64>"');
  return { id, key };
};

export const generateSecretKey = (
  id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`,
): string => `${id}:${randomBytes(32).toString('base64')}`;

/** A box over fixed keys: `current` seals, all open. */
export const createSecretBox = (current: SecretKey, older: readonly SecretKey[] = []): SecretBox =>
  secretBoxOver({ load: () => [current, ...older] });

interface Ring {
  readonly current: SecretKey;
  readonly keys: ReadonlyMap<string, Buffer>;
}

const ringOf = (keys: readonly SecretKey[]): Ring => {
  const [current] = keys;
  if (!current) throw new SecretBoxError('secrets.keyring_invalid', 'no secret key is configured');
  const map = new Map(keys.map((k) => [k.id, k.key]));
  if (map.size !== keys.length)
    throw new SecretBoxError('secrets.keyring_invalid', 'two secret keys have the same id');
  return { current, keys: map };
};

const split = (sealed: string) => {
  const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
  if (version !== 'v1' || !keyId || !iv || !tag || ciphertext === undefined) {
    throw new SecretBoxError('secrets.corrupt', 'not a sealed secret');
  }
  return { keyId, iv, tag, ciphertext };
};

/**
 * A box over keys that may change while it runs. Before sealing it asks the source whether the keys
 * changed, so once `secrets rotate` has made a new key current every process seals with it; a value
 * under a key it has not loaded yet makes it load the keys again, once, before giving up.
 */
export const secretBoxOver = (source: KeySource): SecretBox => {
  let ring = ringOf(source.load());
  const reload = () => {
    ring = ringOf(source.load());
  };
  const fresh = (): Ring => {
    if (source.changed?.()) reload();
    return ring;
  };
  const derived = new Map<string, Buffer>();
  const macKey = (keyId: string, key: Buffer, purpose: string): Buffer => {
    const name = `${keyId}\n${purpose}`;
    let mac = derived.get(name);
    if (!mac) {
      mac = Buffer.from(hkdfSync('sha256', key, 'mailroom mac', purpose, 32));
      derived.set(name, mac);
    }
    return mac;
  };
  const keyFor = (keyId: string): Buffer => {
    if (!ring.keys.has(keyId) && source.changed) reload();
    return ring.keys.get(keyId) ?? unknownKey(keyId);
  };
  return {
    get currentKeyId() {
      return fresh().current.id;
    },
    get keyIds() {
      return [...fresh().keys.keys()];
    },
    seal(plaintext, purpose) {
      const { current } = fresh();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
      return ['v1', current.id, ...parts].join('.');
    },
    open(sealed, purpose) {
      const { keyId, iv, tag, ciphertext } = split(sealed);
      const key = keyFor(keyId);
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
    macKeys(purpose) {
      const { current, keys } = fresh();
      return [
        macKey(current.id, current.key, purpose),
        ...[...keys].filter(([id]) => id !== current.id).map(([id, key]) => macKey(id, key, purpose)),
      ];
    },
  };
};

const unknownKey = (keyId: string): never => {
  throw new SecretBoxError('secrets.unknown_key', `no secret key with id ${keyId} is configured`);
};
