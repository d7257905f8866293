import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { startWalCheckpointer } from '../../src/db/wal-checkpointer.ts';
import { createLogger } from '../../src/log/logger.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';
import { waitFor } from '../support/wait-for.ts';

// A large listing on SQLite checkpoints the WAL in a thread of its own (its fsync off the main thread):
// the connection's automatic checkpoints are off while it runs and back after; on PostgreSQL, nothing.

const autocheckpoint = async (db: Db) =>
  (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows[0]
    ?.wal_autocheckpoint;

for (const kind of DATABASES) {
  describe(`WAL checkpoints off the main thread, on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    const log = createLogger('silent');

    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
      await migrateToLatest(db);
    });
    after(async () => {
      await db.destroy();
      await testDb.drop();
    });

    test('committed pages reach the database file by the thread; automatic checkpoints come back at stop', async () => {
      const checkpoints = await startWalCheckpointer(db, log);
      if (kind === 'postgres') {
        checkpoints.committed();
        await checkpoints.stop();
        return;
      }
      const file = join(testDb.dataDir, 'mailroom.db');
      assert.equal(await autocheckpoint(db), 0, 'the connection does not checkpoint meanwhile');
      const before = statSync(file).size;
      // 2 MB of rows, committed: in the WAL only until a checkpoint copies them into the file.
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < 32; i++)
          await insertMailbox(trx, {
            kind: 'system',
            ownerUserId: null,
            label: `Checkpoint ${i} ${'x'.repeat(64 * 1024)}`,
            address: `checkpoint${i}@contoso.test`,
          });
      });
      assert.ok(statSync(file).size < before + 1024 * 1024, 'no checkpoint at the commit');
      checkpoints.committed();
      await waitFor(
        async () => statSync(file).size >= before + 2 * 1024 * 1024,
        5000,
        'the pages checkpointed',
      );
      await checkpoints.stop();
      assert.equal(await autocheckpoint(db), 1000);
    });
  });
}
