import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { tokenPurpose } from '../../src/mailboxes/mailboxes.table.ts';
import { CLOUDS } from '../../src/microsoft/cloud.ts';
import { readClientSecret } from '../../src/microsoft/settings.ts';
import { parseKeyring } from '../../src/secrets/keyring-file.ts';
import { type LoadedSecrets, loadSecrets } from '../../src/secrets/load-key.ts';
import { resealValue, rotateSecrets } from '../../src/secrets/rotate.ts';
import { SEALED_COLUMNS, type SealedColumn, sealedValues } from '../../src/secrets/sealed-columns.ts';
import { createSecretBox, generateSecretKey, parseSecretKey } from '../../src/secrets/secret-box.ts';
import { rotateCommand, statusCommand } from '../../src/secrets/secrets-command.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { DATABASES } from '../support/databases.ts';

/** The secret is saved for the global cloud (the default) and is read for that authority only. */
const GLOBAL = CLOUDS.global.authority;

const CLIENT_ID = '5a1f0c2e-8d4b-4c3a-9e7f-0b6d2c1a3e4f';
const run = promisify(execFile);

const column = (name: 'client_secret_encrypted' | 'access_token_encrypted' | 'refresh_token_encrypted') =>
  SEALED_COLUMNS.find((c) => c.column === name)!;

/** Every sealed value in the database, with the key id it names. */
const sealedKeyIds = async (db: Db): Promise<string[]> => {
  const ids: string[] = [];
  for (const c of SEALED_COLUMNS)
    for await (const v of sealedValues(db, c)) ids.push(v.sealed.split('.')[1]!);
  return ids;
};

/** Every row of every table, as text: where a plaintext secret must not appear. */
const everyRow = async (db: Db): Promise<string> => {
  const tables = await db.introspection.getTables();
  const dump: unknown[] = [];
  for (const t of tables)
    dump.push(
      await db
        .selectFrom(t.name as 'users')
        .selectAll()
        .execute(),
    );
  return JSON.stringify(dump);
};

/** A connected mailbox of the administrator with the given sealed tokens. */
const insertMailbox = async (db: Db, id: string, sealed: { access: string | null; refresh: string }) => {
  const owner = await findUserByEmail(db, ADMIN.email);
  const now = new Date().toISOString();
  await db
    .insertInto('mailboxes')
    .values({
      id,
      kind: 'user',
      owner_user_id: owner!.id,
      label: null,
      address: `${id.slice(0, 8)}@contoso.example`,
      enabled: 1,
      ms_tid: null,
      ms_oid: null,
      ms_upn: null,
      connected_by_user_id: owner!.id,
      state: 'connected',
      state_code: null,
      state_message: null,
      state_at: now,
      next_attempt_at: null,
      access_token_encrypted: sealed.access,
      access_token_expires_at: sealed.access ? now : null,
      refresh_token_encrypted: sealed.refresh,
      token_version: 3,
      last_synced_at: null,
      sync_runs: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
};

for (const kind of DATABASES) {
  describe(`secrets rotate while the server runs, on ${kind}`, () => {
    let app: TestApp;
    let token: string;
    /** The `mailroom secrets rotate` process: its own database connection and its own box over the keyring. */
    let cliDb: Db;
    let cli: LoadedSecrets;
    const clientSecret = `Rt8Q~${randomBytes(18).toString('base64url')}`;
    const tokens = new Map<string, { access: string | null; refresh: string }>();
    const plaintexts = () => [
      clientSecret,
      ...[...tokens.values()].flatMap((t) => (t.access ? [t.access, t.refresh] : [t.refresh])),
    ];

    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${app.url}/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as { clientSecret?: { set: boolean } } };
    };
    const running = () => app.mailroom.deps.secrets;
    const db = () => app.mailroom.deps.db;
    const keyIdOf = async (c: SealedColumn, id: string | number) => {
      for await (const v of sealedValues(db(), c)) if (v.id === id) return running().keyIdOf(v.sealed);
      return undefined;
    };
    const tokenVersions = async () =>
      Object.fromEntries(
        (await db().selectFrom('mailboxes').select(['id', 'token_version']).execute()).map((r) => [
          r.id,
          r.token_version,
        ]),
      );

    /** A mailbox row with tokens sealed by the running server, as a connection would leave it. */
    const addMailbox = async (withAccessToken: boolean) => {
      const id = randomUUID();
      const access = withAccessToken ? `eyJ0eXAi.${randomBytes(24).toString('base64url')}` : null;
      const refresh = `1.AQ${randomBytes(32).toString('base64url')}`;
      await insertMailbox(db(), id, {
        access: access && running().seal(access, tokenPurpose('access_token_encrypted', id)),
        refresh: running().seal(refresh, tokenPurpose('refresh_token_encrypted', id)),
      });
      tokens.set(id, { access, refresh });
      return id;
    };

    before(async () => {
      app = await startTestApp(kind);
      const admin = await findUserByEmail(db(), ADMIN.email);
      token = await createApiToken(db(), admin!.id, 'test');
      const config = app.mailroom.deps.config;
      cliDb = openDatabase(config.database);
      cli = loadSecrets(config);
    });
    after(async () => {
      await cliDb?.destroy();
      await app?.stop();
    });

    test('the client secret and every token are re-sealed under a new key; the server keeps working', async () => {
      const saved = await api('PUT', '/settings/microsoft', {
        clientId: CLIENT_ID,
        tenant: 'contoso.example',
        clientSecret,
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.json));
      await addMailbox(true);
      await addMailbox(true);
      await addMailbox(false);
      const oldKeyId = running().currentKeyId;
      assert.deepEqual(new Set(await sealedKeyIds(db())), new Set([oldKeyId]));
      const versions = await tokenVersions();

      const result = await rotateSecrets(cliDb, cli.box, { addKey: () => cli.keyring!.addKey() });

      assert.notEqual(result.keyId, oldKeyId);
      assert.deepEqual(
        { ...result },
        {
          keyId: result.keyId,
          newKey: true,
          resealed: 6,
          skipped: 0,
          alreadyCurrent: 0,
          remaining: 0,
          unreadable: [],
        },
      );
      const keyIds = await sealedKeyIds(db());
      assert.equal(keyIds.length, 6);
      assert.ok(
        keyIds.every((id) => id === result.keyId),
        keyIds.join(),
      );
      assert.deepEqual(await tokenVersions(), versions, 'token_version is left alone');
      // The running server learns the new key from the keyring file.
      const settings = await api('GET', '/settings/microsoft');
      assert.equal(settings.status, 200);
      assert.equal(settings.json.clientSecret?.set, true);
      assert.equal(await readClientSecret(db(), running(), GLOBAL), clientSecret);
      for (const [id, t] of tokens) {
        const row = await db()
          .selectFrom('mailboxes')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.equal(
          row.access_token_encrypted &&
            running().open(row.access_token_encrypted, tokenPurpose('access_token_encrypted', id)),
          t.access,
        );
        assert.equal(
          running().open(row.refresh_token_encrypted!, tokenPurpose('refresh_token_encrypted', id)),
          t.refresh,
        );
      }
      assert.equal(running().keyIdOf(running().seal('x', 'test')), result.keyId);
      // A second run finds nothing to do.
      const again = await rotateSecrets(cliDb, cli.box);
      assert.equal(again.resealed, 0);
      assert.equal(again.alreadyCurrent, 6);
    });

    test('a server that has opened nothing since the rotation seals with the new key', async () => {
      const result = await rotateSecrets(cliDb, cli.box, { addKey: () => cli.keyring!.addKey() });
      assert.equal(result.resealed, 6);
      const saved = await api('PUT', '/settings/microsoft', {
        clientId: CLIENT_ID,
        tenant: 'contoso.example',
        clientSecret,
      });
      assert.equal(saved.status, 200);
      assert.equal(await keyIdOf(column('client_secret_encrypted'), 1), result.keyId);
      assert.equal(await readClientSecret(db(), running(), GLOBAL), clientSecret);
    });

    test('a token written between the rotation’s read and write is never overwritten', async () => {
      const id = await addMailbox(true);
      const access = column('access_token_encrypted');
      const purpose = access.purpose(id);
      const stale = async () => {
        for await (const v of sealedValues(cliDb, access)) if (v.id === id) return v;
        throw new Error('no such row');
      };
      const write = async (sealed: string) =>
        db()
          .updateTable('mailboxes')
          .set((eb) => ({ access_token_encrypted: sealed, token_version: eb('token_version', '+', 1) }))
          .where('id', '=', id)
          .execute();
      const version = async () =>
        (
          await db()
            .selectFrom('mailboxes')
            .select('token_version')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).token_version;

      // The rotation read the value; then the server refreshed the token, already under the new key.
      let seen = await stale();
      cli.keyring!.addKey();
      await write(running().seal('refreshed by the server', purpose));
      assert.equal(await resealValue(cliDb, cli.box, seen), 'skipped');
      assert.equal(await openAccessToken(db(), id), 'refreshed by the server');

      // The same, but the writer still sealed with an older key: its value is re-read and re-sealed.
      seen = await stale();
      const oldest = parseKeyring(readFileSync(cli.keyring!.path, 'utf8'), 'secret-keys').at(-1)!;
      cli.keyring!.addKey();
      const before = await version();
      await write(createSecretBox(oldest).seal('refreshed by an old process', purpose));
      assert.equal(await resealValue(cliDb, cli.box, seen), 'resealed');
      assert.equal(await openAccessToken(db(), id), 'refreshed by an old process');
      assert.equal(await keyIdOf(access, id), cli.box.currentKeyId);
      assert.equal(await version(), before + 1, 'only the writer bumped token_version');
      tokens.set(id, { access: 'refreshed by an old process', refresh: tokens.get(id)!.refresh });

      async function openAccessToken(on: Db, mailboxId: string) {
        const row = await on
          .selectFrom('mailboxes')
          .select('access_token_encrypted')
          .where('id', '=', mailboxId)
          .executeTakeFirstOrThrow();
        return running().open(row.access_token_encrypted!, purpose);
      }
    });

    test('`mailroom secrets rotate` as its own process, then `secrets status`', async () => {
      const env = { ...process.env, MAILROOM_ENV: 'test', MAILROOM_LOG_LEVEL: 'silent', ...app.db.env };
      const cliPath = join(import.meta.dirname, '../../src/cli.ts');
      const tsx = join(import.meta.dirname, '../../node_modules/.bin/tsx');
      const rotated = await run(tsx, [cliPath, 'secrets', 'rotate'], { env });
      const keyId = running().currentKeyId;
      assert.match(
        rotated.stdout,
        new RegExp(`^New key ${keyId} is now current \\(first line of .*secret-keys\\)`),
      );
      assert.match(
        rotated.stdout,
        new RegExp(`Re-sealed 8 values under ${keyId}; 0 already were; 0 changed`),
      );
      const status = await statusCommand(app.mailroom.deps.config, cliDb);
      assert.match(status.text, new RegExp(`^Current key: ${keyId} \\(.*secret-keys\\)`));
      assert.match(status.text, new RegExp(`mailboxes.refresh_token_encrypted: 4 under ${keyId}\\n`));
      assert.match(status.text, /Every sealed value is under the current key\./);
      assert.equal(await readClientSecret(db(), running(), GLOBAL), clientSecret);
    });

    test('no secret is stored or logged in clear text', async () => {
      const dump = await everyRow(db());
      assert.ok(dump.includes(`"v1.${running().currentKeyId}.`), 'the dump holds the sealed values');
      for (const plaintext of plaintexts()) {
        assert.ok(!dump.includes(plaintext), 'a secret is stored in clear text');
        assert.ok(!app.logs.some((line) => line.includes(plaintext)), 'a secret reached the logs');
      }
      if (kind === 'sqlite') {
        for (const file of ['mailroom.db', 'mailroom.db-wal'].map((f) => join(app.db.dataDir, f))) {
          const bytes = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
          for (const plaintext of plaintexts()) assert.equal(bytes.indexOf(plaintext), -1, file);
        }
      }
    });

    test('every *_encrypted column of the schema is in SEALED_COLUMNS', async () => {
      const registered = new Set(SEALED_COLUMNS.map((c) => `${c.table}.${c.column}`));
      for (const table of await db().introspection.getTables()) {
        for (const c of table.columns) {
          if (c.name.endsWith('_encrypted')) assert.ok(registered.has(`${table.name}.${c.name}`), c.name);
        }
      }
    });
  });

  describe(`secrets rotate with keys from MAILROOM_SECRET_KEY, on ${kind}`, () => {
    let app: TestApp;
    const k1 = generateSecretKey('k1');
    const k2 = generateSecretKey('k2');
    before(async () => {
      app = await startTestApp(kind, { MAILROOM_SECRET_KEY: k1 });
    });
    after(async () => {
      await app?.stop();
    });

    test('the first listed key is current; rotation re-seals under it and says what to do next', async () => {
      const admin = await findUserByEmail(app.mailroom.deps.db, ADMIN.email);
      const token = await createApiToken(app.mailroom.deps.db, admin!.id, 'test');
      const secret = `Ev8Q~${randomBytes(18).toString('base64url')}`;
      const saved = await fetch(`${app.url}/api/settings/microsoft`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: CLIENT_ID, tenant: 'contoso.example', clientSecret: secret }),
      });
      assert.equal(saved.status, 200);
      const config = parseConfig({ MAILROOM_ENV: 'test', ...app.db.env, MAILROOM_SECRET_KEY: `${k2},${k1}` });
      // A token sealed under a key nobody has any more: reported, and the rest is rotated all the same.
      const lost = randomUUID();
      const k0 = createSecretBox(parseSecretKey(generateSecretKey('k0')));
      await insertMailbox(app.mailroom.deps.db, lost, {
        access: null,
        refresh: k0.seal('lost', tokenPurpose('refresh_token_encrypted', lost)),
      });
      const cliDb = openDatabase(config.database);
      try {
        const rotated = await rotateCommand(config, cliDb);
        assert.equal(rotated.exitCode, 1);
        assert.match(rotated.text, /^The current key is k2, the first in MAILROOM_SECRET_KEY\.\n/);
        assert.match(rotated.text, /Re-sealed 1 value under k2; 0 already were/);
        assert.match(
          rotated.text,
          new RegExp(
            `Cannot open mailboxes.refresh_token_encrypted of row ${lost} \\(secrets.unknown_key\\)`,
          ),
        );
        assert.match(rotated.text, /1 value is still under another key/);
        assert.match(
          rotated.text,
          /once every process runs with the new key first, remove the old key from MAILROOM_SECRET_KEY/i,
        );
        assert.ok(
          !existsSync(join(app.db.dataDir, 'secret-keys')),
          'no keyring file with keys from the environment',
        );
        const status = await statusCommand(config, cliDb);
        assert.match(status.text, /microsoft_settings\.client_secret_encrypted: 1 under k2\n/);
        assert.match(
          status.text,
          /mailboxes\.refresh_token_encrypted: 1 under k0 \(no such key configured\)\n/,
        );
        const k2Only = createSecretBox(parseSecretKey(k2));
        assert.equal(await readClientSecret(cliDb, k2Only, GLOBAL), secret);
        // A process still on k1 alone cannot open it: hence "every process runs with the new key first".
        const onlyOld = await statusCommand(parseConfig({ ...app.db.env, MAILROOM_SECRET_KEY: k1 }), cliDb);
        assert.match(onlyOld.text, /1 under k2 \(no such key configured\)/);
      } finally {
        await cliDb.destroy();
      }
    });
  });
}
