import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config.ts';

const problems = (env: Record<string, string>): string[] => {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
};

describe('configuration is parsed once and explains what is wrong', () => {
  test('defaults give a working development setup on SQLite', () => {
    const config = parseConfig({});
    assert.equal(config.database.kind, 'sqlite');
    assert.equal(config.publicUrl, 'http://localhost:3000');
    assert.ok(Object.isFrozen(config));
  });

  test('production requires a secret key and a public URL, naming each variable', () => {
    const found = problems({ MAILROOM_ENV: 'production' });
    assert.ok(found.some((p) => p.startsWith('MAILROOM_SECRET_KEY:')));
    assert.ok(found.some((p) => p.startsWith('MAILROOM_PUBLIC_URL:')));
  });

  test('bad values name the variable and what it expects', () => {
    assert.match(problems({ PORT: 'eighty' })[0] ?? '', /^PORT:/);
    assert.match(
      problems({ DATABASE_URL: 'mysql://x' })[0] ?? '',
      /^DATABASE_URL: expected a postgres:\/\/ URL/,
    );
    assert.match(
      problems({ MAILROOM_SECRET_KEY: 'short' })[0] ?? '',
      /^MAILROOM_SECRET_KEY: expected "<key id>:<32 bytes in base64>"/,
    );
    assert.match(problems({ MAILROOM_PUBLIC_URL: 'ftp://x' })[0] ?? '', /^MAILROOM_PUBLIC_URL:/);
  });

  test('webhooks reach internal addresses only when the operator says so', () => {
    assert.equal(parseConfig({}).webhooks.allowPrivate, false);
    assert.equal(parseConfig({ MAILROOM_WEBHOOKS_ALLOW_PRIVATE: 'true' }).webhooks.allowPrivate, true);
    assert.match(
      problems({ MAILROOM_WEBHOOKS_ALLOW_PRIVATE: 'yes' })[0] ?? '',
      /^MAILROOM_WEBHOOKS_ALLOW_PRIVATE:/,
    );
  });

  test('DATABASE_URL switches to PostgreSQL', () => {
    assert.deepEqual(parseConfig({ DATABASE_URL: 'postgres://u@h/db' }).database, {
      kind: 'postgres',
      url: 'postgres://u@h/db',
      pool: 10,
    });
    assert.deepEqual(
      parseConfig({ DATABASE_URL: 'postgres://u@h/db', MAILROOM_DATABASE_POOL: '40' }).database,
      {
        kind: 'postgres',
        url: 'postgres://u@h/db',
        pool: 40,
      },
    );
    assert.match(problems({ MAILROOM_DATABASE_POOL: '1' })[0] ?? '', /^MAILROOM_DATABASE_POOL:/);
  });
});
