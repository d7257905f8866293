import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { setSendVia } from '../../src/mailboxes/send-via.ts';
import { recordSendsThrough } from '../../src/transports/sends-through.ts';
import { DATABASES } from '../support/databases.ts';
import { eventsOf as eventsOfType, migrationDatabase } from '../support/migration-database.ts';

const BEFORE = '2026-12-02-0021-transport-locations';

for (const kind of DATABASES) {
  describe(`how a mailbox sends (migration 0030-send-via) on ${kind}`, () => {
    const database = migrationDatabase(kind);

    const sendingOf = (id: string) =>
      database()
        .selectFrom('mailboxes')
        .select(['send_via', 'sends_through', 'sends_through_reason', 'sends_through_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const eventsOf = (id: string) => eventsOfType(database(), id, 'mailbox.sends_through_changed');

    test('existing mailboxes are Automatic and send over SMTP; a change is recorded once, with an event; down and up again', async () => {
      const db = database();
      await migrateTo(db, BEFORE);
      const mailbox = await insertMailbox(db, {
        kind: 'user',
        ownerUserId: null,
        label: null,
        address: `send-via-${kind}@contoso.test`,
      });
      assert.ok((await migrateToLatest(db)).includes('2026-12-02-0030-send-via'));
      assert.deepEqual(await sendingOf(mailbox.id), {
        send_via: 'auto',
        sends_through: 'smtp',
        sends_through_reason: null,
        sends_through_at: null,
      });

      const change = {
        through: 'graph' as const,
        reason: 'SMTP AUTH is off.',
        reasonCode: 'smtp.auth_disabled',
      };
      assert.equal(await recordSendsThrough(db, mailbox.id, change), true);
      assert.equal(await recordSendsThrough(db, mailbox.id, change), false, 'already through Graph');
      const switched = await sendingOf(mailbox.id);
      assert.equal(switched.sends_through, 'graph');
      assert.equal(switched.sends_through_reason, 'SMTP AUTH is off.');
      assert.ok(switched.sends_through_at);
      assert.equal((await eventsOf(mailbox.id)).length, 1);

      await setSendVia(db, mailbox.id, 'smtp');
      assert.equal((await sendingOf(mailbox.id)).send_via, 'smtp');
      assert.equal((await sendingOf(mailbox.id)).sends_through, 'smtp');
      assert.equal((await eventsOf(mailbox.id)).length, 2);

      await db.deleteFrom('events').execute();
      await migrateTo(db, BEFORE);
      const columns = (await db.introspection.getTables()).find((t) => t.name === 'mailboxes')!.columns;
      const added = ['send_via', 'sends_through', 'sends_through_reason', 'sends_through_at'];
      assert.ok(!columns.some((c) => added.includes(c.name)), 'down drops the columns');
      await migrateToLatest(db);
      assert.equal((await sendingOf(mailbox.id)).send_via, 'auto');
    });
  });
}
