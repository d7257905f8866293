import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openSqliteThread } from '../../src/db/sqlite-thread.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// A large listing on SQLite writes through a second connection in a thread of its own (sqlite-thread.ts):
// what it commits is the process's own connection's to read, SQLite's failures keep their codes, blobs come
// back as Buffers, and a transaction that fails leaves nothing.

describe('a SQLite connection in a thread of its own', () => {
  let testDb: TestDatabase;
  let db: Db;
  let thread: Db;

  before(async () => {
    testDb = await createTestDatabase('sqlite');
    db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
    await migrateToLatest(db);
    thread = (await openSqliteThread(db))!;
    assert.ok(thread, 'a file database has a thread');
  });
  after(async () => {
    await thread?.destroy();
    await db.destroy();
    await testDb.drop();
  });

  const mailboxCount = async (on: Db) =>
    Number((await on.selectFrom('mailboxes').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  test("a transaction committed by the thread is read on the process's own connection", async () => {
    const before = await mailboxCount(db);
    await thread.transaction().execute(async (trx) => {
      for (let i = 0; i < 3; i++)
        await insertMailbox(trx, {
          kind: 'system',
          ownerUserId: null,
          label: `Thread ${i}`,
          address: `thread${i}@contoso.test`,
        });
    });
    assert.equal(await mailboxCount(db), before + 3);
    assert.equal(await mailboxCount(thread), before + 3);
  });

  test('a failed transaction leaves nothing, and the failure is SQLite’s own, with its code', async () => {
    const before = await mailboxCount(db);
    const failure = await thread
      .transaction()
      .execute(async (trx) => {
        await insertMailbox(trx, { kind: 'system', ownerUserId: null, label: 'Once', address: 'once@contoso.test' });
        await insertMailbox(trx, { kind: 'system', ownerUserId: null, label: 'Twice', address: 'once@contoso.test' });
      })
      .then(
        () => null,
        (e: unknown) => e as Error & { code?: string },
      );
    assert.ok(failure, 'the second insert of one address fails');
    assert.match(failure.code ?? '', /^SQLITE_CONSTRAINT/);
    assert.equal(await mailboxCount(db), before, 'the first insert rolled back');
  });

  test('a blob comes back as a Buffer', async () => {
    const { rows } = await sql<{ b: unknown }>`select ${Buffer.from([1, 2, 3])} as b`.execute(thread);
    assert.ok(Buffer.isBuffer(rows[0]!.b));
    assert.deepEqual([...(rows[0]!.b as Buffer)], [1, 2, 3]);
  });

  test('an in-memory database has no thread (no file for a second connection to open)', async () => {
    const memory = openDatabase({ kind: 'sqlite', file: ':memory:' });
    assert.equal(await openSqliteThread(memory), null);
    await memory.destroy();
  });
});
