import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { nextKeyId, openKeyringFile } from '../../src/secrets/keyring-file.ts';
import { loadSecrets } from '../../src/secrets/load-key.ts';
import {
  createSecretBox,
  generateSecretKey,
  parseSecretKey,
  SecretBoxError,
  type SecretKey,
  secretBoxOver,
} from '../../src/secrets/secret-box.ts';

const K1 = generateSecretKey('k1');
const K2 = generateSecretKey('k2');
const K3 = generateSecretKey('k3');

const problems = (env: Record<string, string>): string[] => {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
};

const codeOf = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof SecretBoxError, String(error));
    return error.code;
  }
};

const folders: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-keys-'));
  folders.push(dir);
  return dir;
};
after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('MAILROOM_SECRET_KEY holds one key or a list, the current key first', () => {
  const cases: [string, string | undefined, readonly string[]][] = [
    ['unset: the keyring file', undefined, []],
    ['one key', K1, [K1]],
    ['a list, current first', `${K2},${K1}`, [K2, K1]],
    ['spaces around commas', `${K3} , ${K2},  ${K1}`, [K3, K2, K1]],
  ];
  for (const [name, value, keys] of cases) {
    test(name, () => {
      const config = parseConfig(value === undefined ? {} : { MAILROOM_SECRET_KEY: value });
      assert.deepEqual(config.secretKeys, keys);
      assert.ok(Object.isFrozen(config.secretKeys));
    });
  }

  const invalid: [string, string, RegExp][] = [
    ['not a key', 'short', /^MAILROOM_SECRET_KEY: expected "<key id>:<32 bytes in base64>"/],
    ['a bad key in the list', `${K2},k1:tooshort`, /^MAILROOM_SECRET_KEY: expected .* comma-separated list/],
    ['an empty entry', `${K2},,${K1}`, /^MAILROOM_SECRET_KEY: expected/],
    ['a trailing comma', `${K2},`, /^MAILROOM_SECRET_KEY: expected/],
    ['a dot in a key id', K1.replace('k1:', 'k.1:'), /^MAILROOM_SECRET_KEY: expected/],
    ['one id twice', `${K1},${generateSecretKey('k1')}`, /^MAILROOM_SECRET_KEY: names the key id "k1" twice/],
  ];
  for (const [name, value, message] of invalid) {
    test(`${name} names the variable`, () => {
      const found = problems({ MAILROOM_SECRET_KEY: value });
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0]!, message);
    });
  }

  test('loadSecrets: the first key seals, every listed key opens', () => {
    const { box, keyring } = loadSecrets(parseConfig({ MAILROOM_SECRET_KEY: `${K2},${K1}` }));
    assert.equal(keyring, null);
    assert.deepEqual(box.keyIds, ['k2', 'k1']);
    const old = createSecretBox(parseSecretKey(K1)).seal('value', 'p');
    assert.equal(box.open(old, 'p'), 'value');
    assert.equal(box.keyIdOf(box.seal('value', 'p')), 'k2');
  });
});

describe('a secret box learns new keys while it runs', () => {
  /** Keys in memory that a test can change, counting how often the box read them. */
  const memorySource = (initial: string[]) => {
    let keys: SecretKey[] = initial.map(parseSecretKey);
    let version = 0;
    let seen = 0;
    const source = {
      loads: 0,
      load() {
        source.loads++;
        seen = version;
        return keys;
      },
      changed: () => version !== seen,
      set(next: string[]) {
        keys = next.map(parseSecretKey);
        version++;
      },
    };
    return source;
  };

  test('a value under a key it has not loaded yet makes it read the keys again', () => {
    const source = memorySource([K1]);
    const running = secretBoxOver(source);
    const sealed = createSecretBox(parseSecretKey(K2)).seal('token', 'p');
    // The keys changed, but nothing sealed since: opening finds k2 by reading them again.
    source.set([K2, K1]);
    assert.equal(running.open(sealed, 'p'), 'token');
    assert.equal(source.loads, 2);
  });

  test('after the keys change, it seals with the new current key without opening anything first', () => {
    const source = memorySource([K1]);
    const running = secretBoxOver(source);
    assert.equal(running.keyIdOf(running.seal('a', 'p')), 'k1');
    source.set([K2, K1]);
    const sealed = running.seal('b', 'p');
    assert.equal(running.keyIdOf(sealed), 'k2');
    assert.equal(running.currentKeyId, 'k2');
    assert.equal(running.open(sealed, 'p'), 'b');
  });

  test('an unknown key id is an error with its code; keys from the environment are read once', () => {
    const source = {
      loads: 0,
      load() {
        source.loads++;
        return [parseSecretKey(K1)];
      },
    };
    const fixed = secretBoxOver(source);
    const sealed = createSecretBox(parseSecretKey(K2)).seal('token', 'p');
    assert.equal(
      codeOf(() => fixed.open(sealed, 'p')),
      'secrets.unknown_key',
    );
    assert.equal(source.loads, 1);
    assert.equal(
      codeOf(() => fixed.open(fixed.seal('x', 'p'), 'other purpose')),
      'secrets.corrupt',
    );
  });

  test('no keys, or one id twice, is refused', () => {
    assert.equal(
      codeOf(() => secretBoxOver({ load: () => [] })),
      'secrets.keyring_invalid',
    );
    assert.equal(
      codeOf(() => createSecretBox(parseSecretKey(K1), [parseSecretKey(generateSecretKey('k1'))])),
      'secrets.keyring_invalid',
    );
  });
});

describe('the keyring file in the data folder', () => {
  test('is generated at first use: one key, mode 600', () => {
    const dir = dataDir();
    const keyring = openKeyringFile(dir);
    assert.equal(keyring.path, join(dir, 'secret-keys'));
    assert.equal(statSync(keyring.path).mode & 0o777, 0o600);
    assert.equal(keyring.load().length, 1);
    assert.deepEqual(readdirSync(dir).sort(), ['secret-keys']);
    // A second process opening it finds the same key.
    assert.deepEqual(openKeyringFile(dir).load(), keyring.load());
  });

  test('starts from the single key file of earlier versions', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'secret-key'), `${K1}\n`, { mode: 0o600 });
    const keys = openKeyringFile(dir).load();
    assert.deepEqual(keys, [parseSecretKey(K1)]);
    assert.equal(readFileSync(join(dir, 'secret-keys'), 'utf8'), `${K1}\n`);
    assert.ok(existsSync(join(dir, 'secret-key')), 'left in place');
    const old = createSecretBox(parseSecretKey(K1)).seal('sealed before', 'p');
    assert.equal(loadSecrets(parseConfig({ MAILROOM_DATA_DIR: dir })).box.open(old, 'p'), 'sealed before');
  });

  test('addKey puts a new key first; a server over the same file opens and seals with it', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'secret-keys'), `${K1}\n`, { mode: 0o600 });
    const server = secretBoxOver(openKeyringFile(dir));
    const cli = openKeyringFile(dir);
    const cliBox = secretBoxOver(cli);
    const day = new Date('2026-11-26T10:00:00Z');
    assert.equal(cli.addKey(day), 'k20261126');
    assert.equal(cli.addKey(day), 'k20261126-2');
    assert.deepEqual(
      readFileSync(cli.path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(':')[0]),
      ['k20261126-2', 'k20261126', 'k1'],
    );
    assert.equal(statSync(cli.path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['secret-keys'], 'no temporary or lock file left');
    assert.equal(server.keyIdOf(server.seal('new', 'p')), 'k20261126-2');
    assert.equal(server.open(cliBox.seal('from the cli', 'p'), 'p'), 'from the cli');
  });

  test('a second writer is refused while the lock is held', () => {
    const dir = dataDir();
    const keyring = openKeyringFile(dir);
    writeFileSync(`${keyring.path}.lock`, '12345\n');
    assert.equal(
      codeOf(() => keyring.addKey()),
      'secrets.keyring_locked',
    );
    assert.equal(keyring.load().length, 1);
  });

  test('a damaged or missing keyring is an error naming the file, never a fresh key', () => {
    const dir = dataDir();
    const keyring = openKeyringFile(dir);
    const box = secretBoxOver(keyring);
    writeFileSync(keyring.path, `${K2}\nnot a key\n`);
    assert.throws(
      () => box.seal('x', 'p'),
      (error: unknown) =>
        error instanceof SecretBoxError &&
        error.code === 'secrets.keyring_invalid' &&
        error.message.includes(`${keyring.path}, line 2`),
    );
    rmSync(keyring.path);
    assert.equal(
      codeOf(() => box.seal('x', 'p')),
      'secrets.keyring_invalid',
    );
  });

  test('key ids: one a day, numbered after the first', () => {
    const day = new Date('2027-01-05T23:59:59Z');
    const cases: [string[], string][] = [
      [[], 'k20270105'],
      [['k20270104'], 'k20270105'],
      [['k20270105'], 'k20270105-2'],
      [['k20270105', 'k20270105-2'], 'k20270105-3'],
    ];
    for (const [taken, id] of cases) assert.equal(nextKeyId(new Set(taken), day), id, taken.join());
  });
});
