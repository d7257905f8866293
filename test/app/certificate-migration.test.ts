import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.ts';
import { loadMicrosoftSettings } from '../../src/microsoft/settings.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';

const BEFORE = '2026-12-02-0030-send-via';
const MIGRATION = '2026-12-03-0070-certificate-credentials';
const ADDED = [
  'credential_kind',
  'client_secret_expires_at',
  'certificate_pem',
  'certificate_key_encrypted',
  'certificate_set_at',
  'certificate_source',
  'assertion_algorithm',
  'expiry_warned_for',
  'expiry_warned_days',
];

for (const kind of DATABASES) {
  describe(`certificate credentials (migration 0070) on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
    });
    after(async () => {
      await db?.destroy();
      await testDb?.drop();
    });

    const columns = async () =>
      (await db.introspection.getTables())
        .find((t) => t.name === 'microsoft_settings')!
        .columns.map((c) => c.name);

    test('existing settings keep their secret, with no expiry and no certificate; down and up again', async () => {
      await migrateTo(db, BEFORE);
      await sql`insert into microsoft_settings (id, client_id, tenant, cloud) values (1, ${'00000000-0000-0000-0000-000000000001'}, ${'contoso.example'}, ${'global'})`.execute(
        db,
      );
      assert.ok((await migrateToLatest(db)).includes(MIGRATION));
      const settings = await loadMicrosoftSettings(db);
      assert.equal(settings.clientId, '00000000-0000-0000-0000-000000000001');
      assert.equal(settings.credentialKind, 'secret');
      assert.equal(settings.assertionAlgorithm, 'RS256');
      assert.equal(settings.certificate, null);
      assert.equal(settings.clientSecretExpiresAt, null);
      assert.equal(settings.expiryWarnedDays, null);

      await migrateTo(db, BEFORE);
      const down = await columns();
      assert.ok(!down.some((c) => ADDED.includes(c)), 'down drops the columns');
      assert.ok(down.includes('client_id'));
      await migrateToLatest(db);
      const again = await columns();
      assert.ok(ADDED.every((c) => again.includes(c)));
      assert.equal((await loadMicrosoftSettings(db)).tenant, 'contoso.example');
    });
  });
}
