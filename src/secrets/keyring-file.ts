import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  generateSecretKey,
  type KeySource,
  parseSecretKey,
  SecretBoxError,
  type SecretKey,
} from './secret-box.ts';

export const KEYRING_FILE = 'secret-keys';
/** The one generated key of earlier versions: it becomes the keyring's first line, and is left in place. */
const LEGACY_KEY_FILE = 'secret-key';

/**
 * The data folder's keys outside production: `secret-keys` (mode 600), one `<id>:<base64>` per line,
 * the current key first. Servers read it again when it changes, so `secrets rotate` can add a key to it
 * while they run.
 */
export interface KeyringFile extends KeySource {
  readonly path: string;
  /** Generates a key, writes it as the first (current) line and returns its id. */
  addKey(now?: Date): string;
}

export const openKeyringFile = (dataDir: string): KeyringFile => {
  const path = join(dataDir, KEYRING_FILE);
  createIfMissing(dataDir, path);
  let loadedStamp: string | null = null;
  return {
    path,
    load() {
      // Stamped before reading: a rotation in between leaves `changed()` true, so the keys are read again.
      loadedStamp = stampOf(path);
      return readKeyring(path);
    },
    changed: () => stampOf(path) !== loadedStamp,
    addKey(now = new Date()) {
      return withLock(path, () => {
        const keys = readKeyring(path);
        const id = nextKeyId(new Set(keys.map((k) => k.id)), now);
        const lines = [generateSecretKey(id), ...keys.map((k) => `${k.id}:${k.key.toString('base64')}`)];
        writeDurably(path, `${lines.join('\n')}\n`, 'replace');
        return id;
      });
    },
  };
};

/** `k<yyyymmdd>`, or `k<yyyymmdd>-2`, `-3`, … when the keyring already has that id. */
export const nextKeyId = (taken: ReadonlySet<string>, now: Date): string => {
  const base = `k${now.toISOString().slice(0, 10).replaceAll('-', '')}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
};

export const parseKeyring = (text: string, path: string): SecretKey[] => {
  const keys: SecretKey[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    try {
      keys.push(parseSecretKey(line));
    } catch (error) {
      throw invalid(`${path}, line ${index + 1}: expected "<key id>:<32 bytes in base64>"`, error);
    }
  }
  if (keys.length === 0) throw invalid(`${path} holds no key`);
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw invalid(`${path} has two keys with the same id`);
  return keys;
};

const invalid = (message: string, cause?: unknown) =>
  new SecretBoxError('secrets.keyring_invalid', message, { cause });

const readKeyring = (path: string): SecretKey[] => {
  try {
    return parseKeyring(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if (error instanceof SecretBoxError) throw error;
    throw invalid(`cannot read the keyring ${path}`, error);
  }
};

/** Changes when the file is replaced (a new inode) or edited in place. */
const stampOf = (path: string): string => {
  try {
    const s = statSync(path);
    return `${s.ino}/${s.size}/${s.mtimeMs}`;
  } catch (error) {
    // Sealing under a key that is on no disk would lose the value at the next start: refuse instead.
    throw invalid(`cannot read the keyring ${path}`, error);
  }
};

const createIfMissing = (dataDir: string, path: string): void => {
  if (existsSync(path)) return;
  mkdirSync(dataDir, { recursive: true });
  const legacy = join(dataDir, LEGACY_KEY_FILE);
  const first = existsSync(legacy) ? parseKeyring(readFileSync(legacy, 'utf8'), legacy)[0] : undefined;
  const line = first ? `${first.id}:${first.key.toString('base64')}` : generateSecretKey();
  writeDurably(path, `${line}\n`, 'create');
};

/**
 * Writes a temporary file, flushes it, then links it in (`create`: a process that got there first
 * wins and its key is kept) or renames it over the file (`replace`), and flushes the folder: values
 * are sealed under a new key right after this returns, so the key must survive a crash.
 */
const writeDurably = (path: string, content: string, mode: 'create' | 'replace'): void => {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (mode === 'replace') {
      keepOwner(path, temporary);
      renameSync(temporary, path);
    } else {
      linkIfAbsent(temporary, path);
    }
  } finally {
    rmSync(temporary, { force: true });
  }
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
};

const linkIfAbsent = (from: string, to: string): void => {
  try {
    linkSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
};

/** `sudo mailroom secrets rotate` must not leave a keyring the server's own user cannot read. */
const keepOwner = (path: string, replacement: string): void => {
  const { uid, gid } = statSync(path);
  if (uid !== process.getuid?.()) chownSync(replacement, uid, gid);
};

/** One writer at a time, so two rotations never drop each other's key. */
const withLock = <T>(path: string, work: () => T): T => {
  const lock = `${path}.lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new SecretBoxError(
      'secrets.keyring_locked',
      `${lock} exists: another \`mailroom secrets rotate\` is changing the keyring. If none is running, delete that file and try again.`,
      { cause: error },
    );
  }
  try {
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return work();
  } finally {
    rmSync(lock, { force: true });
  }
};
