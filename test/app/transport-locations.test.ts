import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { saveProgress } from '../../src/transports/imap-smtp/folder-state.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';
import { selectInbox } from '../support/token-mailbox.ts';

const BEFORE = '2026-12-02-0020-resource-tokens';

for (const kind of DATABASES) {
  describe(`transport-neutral locations and cursors on ${kind}`, () => {
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

    test('IMAP rows are kept as they were, and a Graph copy fits beside them', async () => {
      await migrateTo(db, BEFORE);
      const mailbox = await insertMailbox(db, {
        kind: 'user',
        ownerUserId: null,
        label: null,
        address: `locations-${kind}@contoso.test`,
      });
      // A message as it was stored then (the code of today writes columns that schema does not have).
      // biome-ignore lint/suspicious/noExplicitAny: the schema as it was before the migration.
      const then = db as unknown as Kysely<any>;
      const messageId = 'kept';
      await then
        .insertInto('messages')
        .values({
          id: messageId,
          mailbox_id: mailbox.id,
          dedupe_key: 'mid:kept@contoso.test',
          message_id: 'kept@contoso.test',
          thread_id: 'thread-kept',
          subject: 'Kept',
          received_at: '2026-12-01T08:31:00.000Z',
          created_at: '2026-12-01T08:31:00.000Z',
        })
        .execute();
      await then
        .insertInto('message_locations')
        .values({
          mailbox_id: mailbox.id,
          path: 'INBOX',
          uidvalidity: 7,
          uid: 42,
          message_id: messageId,
          seen: 1,
        })
        .execute();
      await saveProgress(db, mailbox.id, 'INBOX', { uidValidity: 7, uidNext: 43, storedMessages: 1 });
      await selectInbox(db, mailbox.id);

      // Later migrations (0030-send-via, …) run too; this one must be among them.
      assert.ok((await migrateToLatest(db)).includes('2026-12-02-0021-transport-locations'));
      const location = await db
        .selectFrom('message_locations')
        .selectAll()
        .where('mailbox_id', '=', mailbox.id)
        .executeTakeFirstOrThrow();
      assert.equal(location.transport, 'imap_smtp');
      assert.equal(location.remote_id, null);
      assert.equal(Number(location.uidvalidity), 7);
      assert.equal(Number(location.uid), 42);
      assert.equal(location.seen, 1);
      const state = await db
        .selectFrom('folder_sync_state')
        .selectAll()
        .where('mailbox_id', '=', mailbox.id)
        .executeTakeFirstOrThrow();
      assert.equal(state.transport, 'imap_smtp');
      assert.equal(state.uid_next, 43);
      assert.equal(state.cursor, null);
      const folder = await db
        .selectFrom('mailbox_folders')
        .selectAll()
        .where('mailbox_id', '=', mailbox.id)
        .executeTakeFirstOrThrow();
      assert.equal(folder.remote_id, null);

      // A Graph copy: UIDVALIDITY 0 (no IMAP folder has it), its folder's next UID, the immutable id.
      const graphCopy = {
        mailbox_id: mailbox.id,
        path: 'INBOX',
        uidvalidity: 0,
        uid: 1,
        message_id: messageId,
        seen: 0,
        flagged: 0,
        answered: 0,
        draft: 0,
        transport: 'graph',
        remote_id: 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AB',
      };
      await db.insertInto('message_locations').values(graphCopy).execute();
      await assert.rejects(
        db
          .insertInto('message_locations')
          .values({ ...graphCopy, uid: 2 })
          .execute(),
        'a remote id names one copy per mailbox',
      );
      await db
        .updateTable('folder_sync_state')
        .set({
          transport: 'graph',
          folder_id: 'AQMkADYAAAIBDAAAAA==',
          cursor: 'https://graph/delta?$deltatoken=x',
        })
        .where('mailbox_id', '=', mailbox.id)
        .execute();

      await db.deleteFrom('message_locations').where('transport', '=', 'graph').execute();
      await migrateTo(db, BEFORE);
      const kept = await db
        .selectFrom('message_locations')
        .select(['uid'])
        .where('mailbox_id', '=', mailbox.id)
        .execute();
      assert.deepEqual(
        kept.map((r) => Number(r.uid)),
        [42],
        'down keeps the IMAP rows',
      );
      await migrateToLatest(db);
    });
  });
}
