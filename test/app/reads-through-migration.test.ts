import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { setSendVia } from '../../src/mailboxes/send-via.ts';
import { recordReadsThrough } from '../../src/transports/reads-through.ts';
import { DATABASES } from '../support/databases.ts';
import { eventsOf as eventsOfType, migrationDatabase } from '../support/migration-database.ts';

const BEFORE = '2026-12-02-0030-send-via';
const THIS = '2026-12-03-0040-reads-through';

for (const kind of DATABASES) {
  describe(`how a mailbox reads (migration 0040-reads-through) on ${kind}`, () => {
    const database = migrationDatabase(kind);

    const readingOf = (id: string) =>
      database()
        .selectFrom('mailboxes')
        .select(['reads_through', 'reads_through_reason', 'reads_through_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const eventsOf = (id: string) => eventsOfType(database(), id, 'mailbox.reads_through_changed');

    test('existing mailboxes read over IMAP; a change is recorded once, with an event; down and up again', async () => {
      const db = database();
      await migrateTo(db, BEFORE);
      const mailbox = await insertMailbox(db, {
        kind: 'user',
        ownerUserId: null,
        label: null,
        address: `reads-through-${kind}@contoso.test`,
      });
      assert.ok((await migrateToLatest(db)).includes(THIS));
      assert.deepEqual(await readingOf(mailbox.id), {
        reads_through: 'imap',
        reads_through_reason: null,
        reads_through_at: null,
      });
      const change = { through: 'graph' as const, reason: 'IMAP is off.', reasonCode: 'imap.not_connected' };
      assert.equal(await recordReadsThrough(db, mailbox.id, change), true);
      assert.equal(await recordReadsThrough(db, mailbox.id, change), false, 'already through Graph');
      const switched = await readingOf(mailbox.id);
      assert.equal(switched.reads_through, 'graph');
      assert.equal(switched.reads_through_reason, 'IMAP is off.');
      assert.ok(switched.reads_through_at);
      assert.equal((await eventsOf(mailbox.id)).length, 1);

      await setSendVia(db, mailbox.id, 'smtp');
      assert.equal((await readingOf(mailbox.id)).reads_through, 'imap', 'IMAP and SMTP only reads over IMAP');
      assert.equal((await eventsOf(mailbox.id)).length, 2);
      await setSendVia(db, mailbox.id, 'graph');
      assert.equal((await readingOf(mailbox.id)).reads_through, 'graph');

      await db.deleteFrom('events').execute();
      await migrateTo(db, BEFORE);
      const columns = (await db.introspection.getTables()).find((t) => t.name === 'mailboxes')!.columns;
      assert.ok(!columns.some((c) => c.name.startsWith('reads_through')), 'down drops the columns');
      await migrateToLatest(db);
      assert.equal((await readingOf(mailbox.id)).reads_through, 'imap');
    });
  });
}
