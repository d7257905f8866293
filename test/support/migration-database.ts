import { after, before } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { EventType } from '../../src/events/record-event.ts';
import { createTestDatabase, type DbKind, type TestDatabase } from './databases.ts';

/**
 * A database of its own for the enclosing `describe`, unmigrated (a migration test walks it up and down):
 * created before its tests, dropped after. Call the returned function inside a test for the handle.
 */
export const migrationDatabase = (kind: DbKind): (() => Db) => {
  let testDb: TestDatabase | undefined;
  let db: Db | undefined;
  before(async () => {
    testDb = await createTestDatabase(kind);
    db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
  });
  after(async () => {
    await db?.destroy();
    await testDb?.drop();
  });
  return () => db!;
};

/** Like migrationDatabase, migrated to the latest schema before the tests. */
export const migratedDatabase = (kind: DbKind): (() => Db) => {
  const db = migrationDatabase(kind);
  before(async () => {
    await migrateToLatest(db());
  });
  return db;
};

/** The mailbox's events of one type, oldest first. */
export const eventsOf = (db: Db, mailboxId: string, type: EventType) =>
  db
    .selectFrom('events')
    .select('type')
    .where('mailbox_id', '=', mailboxId)
    .where('type', '=', type)
    .orderBy('id')
    .execute();
