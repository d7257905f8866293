import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { lookupKey } from '../../src/messages/lookup-keys.ts';
import { threadOf } from '../../src/messages/queries.ts';
import { readHeader } from '../../src/messages/read-header.ts';
import { storeListed } from '../../src/messages/store-listed.ts';
import { DATABASES } from '../support/databases.ts';
import { migrationDatabase } from '../support/migration-database.ts';

const BEFORE = '2026-12-04-0300-listing-writes';
const THIS = '2026-12-04-2300-lookup-keys';

// Threads and Message-IDs are looked up by compact integer keys (messages/lookup-keys.ts): messages stored
// before the migration get theirs, and a reply listed after it joins the thread of its parent stored before.
for (const kind of DATABASES) {
  describe(`thread and Message-ID look-ups by key (migration ${THIS}) on ${kind}`, () => {
    const database = migrationDatabase(kind);

    test('messages stored before get their keys; a reply listed after joins their thread; down and up again', async () => {
      const db = database();
      await migrateTo(db, BEFORE);
      const mailbox = await insertMailbox(db, {
        kind: 'system',
        ownerUserId: null,
        label: null,
        address: `keys-${kind}@contoso.test`,
      });
      const other = await insertMailbox(db, {
        kind: 'system',
        ownerUserId: null,
        label: null,
        address: `keys-other-${kind}@contoso.test`,
      });
      // biome-ignore lint/suspicious/noExplicitAny: the schema as it was before the migration.
      const before = db as unknown as Kysely<any>;
      const oldRow = (id: string, mailboxId: string, messageId: string | null, threadId: string) => ({
        id,
        mailbox_id: mailboxId,
        dedupe_key: `key-${id}`,
        message_id: messageId,
        thread_id: threadId,
        references: '[]',
        subject: 'Before',
        to_json: '[]',
        cc_json: '[]',
        received_at: '2026-12-01T08:00:00.000Z',
        size: 1,
        snippet: '',
        has_attachments: 0,
        parse_warnings: '[]',
        created_at: '2026-12-01T08:00:00.000Z',
      });
      await before
        .insertInto('messages')
        .values([
          oldRow('root', mailbox.id, 'root@contoso.test', 'thread-of-root'),
          oldRow('no-id', mailbox.id, null, 'thread-of-no-id'),
          // The same Message-ID in another mailbox: threads never cross mailboxes.
          oldRow('elsewhere', other.id, 'root@contoso.test', 'thread-élsewhere-日本'),
        ])
        .execute();
      await before
        .insertInto('message_locations')
        .values({ mailbox_id: mailbox.id, path: 'INBOX', uidvalidity: 1, uid: 7, message_id: 'root' })
        .execute();

      assert.ok((await migrateToLatest(db)).includes(THIS));
      const keys = await db
        .selectFrom('messages')
        .select(['id', 'thread_key', 'message_key'])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        keys.map((r) => [r.id, Number(r.thread_key), r.message_key === null ? null : Number(r.message_key)]),
        [
          [
            'elsewhere',
            lookupKey(other.id, 'thread-élsewhere-日本'),
            lookupKey(other.id, 'root@contoso.test'),
          ],
          ['no-id', lookupKey(mailbox.id, 'thread-of-no-id'), null],
          ['root', lookupKey(mailbox.id, 'thread-of-root'), lookupKey(mailbox.id, 'root@contoso.test')],
        ],
      );

      const source = Buffer.from(
        'From: Ada <ada@contoso.test>\r\nSubject: Re: Before\r\nMessage-ID: <reply@contoso.test>\r\n' +
          'In-Reply-To: <root@contoso.test>\r\nReferences: <root@contoso.test>\r\n\r\nx\r\n',
      );
      const [stored] = await storeListed(db, [
        {
          input: {
            mailboxId: mailbox.id,
            path: 'INBOX',
            uidValidity: 1,
            uid: 1,
            flags: [],
            internalDate: null,
            size: source.length,
          },
          header: readHeader(source),
          source,
          blobSha256: null,
        },
      ]);
      const reply = await db
        .selectFrom('messages')
        .select(['thread_id', 'thread_key', 'message_key'])
        .where('id', '=', stored!.messageId)
        .executeTakeFirstOrThrow();
      assert.equal(
        reply.thread_id,
        'thread-of-root',
        'the reply joins its parent stored before the migration',
      );
      assert.equal(Number(reply.thread_key), lookupKey(mailbox.id, 'thread-of-root'));
      assert.equal(Number(reply.message_key), lookupKey(mailbox.id, 'reply@contoso.test'));
      assert.deepEqual(
        (await threadOf(db, mailbox.id, 'thread-of-root')).map((m) => m.id).sort(),
        ['root', stored!.messageId].sort(),
      );
      assert.deepEqual(
        await threadOf(db, mailbox.id, 'thread-élsewhere-日本'),
        [],
        "another mailbox's thread",
      );

      // A batch of 150 (PostgreSQL writes it by COPY, the single reply above by a JSON statement).
      const replies = Array.from({ length: 150 }, (_, i) => {
        const raw = Buffer.from(
          `From: Ada <ada@contoso.test>\r\nSubject: Re: Before\r\nMessage-ID: <reply-${i}@contoso.test>\r\n` +
            'In-Reply-To: <root@contoso.test>\r\n\r\nx\r\n',
        );
        return {
          input: {
            mailboxId: mailbox.id,
            path: 'INBOX',
            uidValidity: 1,
            uid: i + 2,
            flags: [],
            internalDate: null,
            size: raw.length,
          },
          header: readHeader(raw),
          source: raw,
          blobSha256: null,
        };
      });
      const batch = await storeListed(db, replies);
      const batchRows = await db
        .selectFrom('messages')
        .select(['thread_id', 'thread_key', 'message_id', 'message_key'])
        .where(
          'id',
          'in',
          batch.map((b) => b.messageId),
        )
        .execute();
      assert.equal(batchRows.length, 150);
      for (const r of batchRows) {
        assert.equal(r.thread_id, 'thread-of-root');
        assert.equal(Number(r.thread_key), lookupKey(mailbox.id, 'thread-of-root'));
        assert.equal(Number(r.message_key), lookupKey(mailbox.id, r.message_id!));
      }

      await db.deleteFrom('message_locations').execute();
      await db.deleteFrom('message_sources').execute();
      await db.deleteFrom('events').execute();
      await db.deleteFrom('messages').where('id', 'not in', ['root', 'no-id', 'elsewhere']).execute();
      await migrateTo(db, BEFORE);
      const columns = (await db.introspection.getTables()).find((t) => t.name === 'messages')!.columns;
      assert.ok(
        !columns.some((c) => c.name === 'thread_key' || c.name === 'message_key'),
        'down drops the keys',
      );
      await migrateToLatest(db);
      assert.equal(
        Number(
          (
            await db
              .selectFrom('messages')
              .select('thread_key')
              .where('id', '=', 'root')
              .executeTakeFirstOrThrow()
          ).thread_key,
        ),
        lookupKey(mailbox.id, 'thread-of-root'),
      );
    });
  });
}
