import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { readHeader } from '../../src/messages/read-header.ts';
import { type ListedMessage, storeListed } from '../../src/messages/store-listed.ts';
import { createThreadCarry, newThreadId } from '../../src/messages/threading.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';
import { storeCounts } from '../support/store-counts.ts';

// A listing batch as the sync stores it (issue 12): on PostgreSQL each table's new rows go by one COPY from
// a hundred rows (db/copy-in.ts), fewer in one statement, the sources as one binary parameter cut by
// offsets (db/json-insert.ts); the 1,500-message batch below takes the first way, the others the second.

const HEADER = readHeader(
  Buffer.from(
    'From: Ada <ada@contoso.test>\r\nSubject: Listed\r\nMessage-ID: <listed@contoso.test>\r\n\r\nx\r\n',
  ),
);

for (const kind of DATABASES) {
  describe(`a listed batch stored on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let label = 0;
    const freshMailbox = async () => {
      label++;
      return (
        await insertMailbox(db, {
          kind: 'system',
          ownerUserId: null,
          label: `Listed ${label}`,
          address: `listed${label}@contoso.test`,
        })
      ).id;
    };
    const listed = (
      mailboxId: string,
      uid: number,
      source: Buffer | null,
      flags: string[] = [],
    ): ListedMessage => ({
      input: { mailboxId, path: 'Archive', uidValidity: 9, uid, flags, internalDate: null, size: 10 },
      header: HEADER,
      source,
      blobSha256: source ? null : `${uid}`.padStart(64, '0'),
    });
    // Every message of these batches has one Message-ID: the rows are counted, not the ids.
    const counts = async (mailboxId: string) => {
      const { messages, locations } = await storeCounts(db, mailboxId);
      return { messages, locations };
    };
    const sourcesOf = async (ids: readonly string[]) => {
      const rows = await db
        .selectFrom('message_sources')
        .select(['message_id', 'source', 'blob_sha256'])
        .where('message_id', 'in', ids)
        .execute();
      return new Map(rows.map((r) => [r.message_id, r]));
    };

    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
      await migrateToLatest(db);
    });
    after(async () => {
      await db?.destroy();
      await testDb?.drop();
    });

    test('each source is stored byte for byte, beside sources kept as blobs and empty ones', async () => {
      const mailboxId = await freshMailbox();
      const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const sources = [
        every,
        null,
        Buffer.alloc(0),
        Buffer.alloc(70_000, 0xff),
        null,
        Buffer.from(every).reverse(),
      ];
      const stored = await storeListed(
        db,
        sources.map((source, i) => listed(mailboxId, i + 1, source)),
      );
      const rows = await sourcesOf(stored.map((s) => s.messageId));
      for (const [i, source] of sources.entries()) {
        const row = rows.get(stored[i]!.messageId)!;
        assert.deepEqual(row.source === null ? null : Buffer.from(row.source), source, `source ${i}`);
        assert.equal(row.blob_sha256, source ? null : `${i + 1}`.padStart(64, '0'));
      }
    });

    test('a batch of 1,500 with UIDs stored already: those are the stored messages; again, nothing new', async () => {
      const mailboxId = await freshMailbox();
      const first = await storeListed(
        db,
        Array.from({ length: 10 }, (_, i) => listed(mailboxId, i + 1, Buffer.from(`first ${i}`))),
      );
      const batch = Array.from({ length: 1500 }, (_, i) =>
        listed(mailboxId, i + 1, Buffer.from(`message ${i}`), i === 4 ? ['\\Seen'] : []),
      );
      const stored = await storeListed(db, batch);
      assert.deepEqual(
        stored.slice(0, 10).map((s) => s.messageId),
        first.map((s) => s.messageId),
      );
      assert.equal(stored.filter((s) => s.created).length, 1490);
      assert.deepEqual(await counts(mailboxId), { messages: 1500, locations: 1500 });
      const seen = await db
        .selectFrom('message_locations')
        .select('seen')
        .where('mailbox_id', '=', mailboxId)
        .where('uid', '=', 5)
        .executeTakeFirstOrThrow();
      assert.equal(seen.seen, 1, "a stored copy's flags are the batch's");
      const last = (await sourcesOf([stored[1499]!.messageId])).get(stored[1499]!.messageId)!;
      assert.equal(Buffer.from(last.source!).toString(), 'message 1499');

      const again = await storeListed(db, batch);
      assert.deepEqual(
        again.map((s) => s.messageId),
        stored.map((s) => s.messageId),
      );
      assert.equal(again.filter((s) => s.created).length, 0);
      assert.deepEqual(await counts(mailboxId), { messages: 1500, locations: 1500 });
    });

    test('UIDs far apart, and a run holding stored UIDs it does not ask for: each found by its own place', async () => {
      const mailboxId = await freshMailbox();
      const [far] = await storeListed(db, [listed(mailboxId, 100_000, Buffer.from('far'))]);
      const [near] = await storeListed(db, [listed(mailboxId, 7, Buffer.from('near'))]);
      // Sparse: asked one by one.
      const sparse = await storeListed(
        db,
        [1, 7, 100_000].map((uid) => listed(mailboxId, uid, Buffer.from('x'))),
      );
      assert.deepEqual(
        sparse.map((s) => [s.messageId === far!.messageId, s.messageId === near!.messageId, s.created]),
        [
          [false, false, true],
          [false, true, false],
          [true, false, false],
        ],
      );
      // A run of 5..9 without 7 in it: 7 is in its range, stored, and not this batch's.
      const run = await storeListed(
        db,
        [5, 6, 8, 9].map((uid) => listed(mailboxId, uid, Buffer.from('r'))),
      );
      assert.ok(run.every((s) => s.created && s.messageId !== near!.messageId));
      assert.deepEqual(await counts(mailboxId), { messages: 7, locations: 7 });
    });

    test('two batches of one listing at once share their threads: a reply joins its parent still uncommitted', {
      skip: kind === 'sqlite' && 'SQLite has one writer: its batches commit one after the other',
    }, async () => {
      const mailboxId = await freshMailbox();
      const withHeader = (uid: number, messageId: string, references: string[]): ListedMessage => ({
        ...listed(mailboxId, uid, Buffer.from('x')),
        // The parent's thread is named after an older message: found only by the look-up, the reply would
        // start a thread of its own.
        header: { ...HEADER, messageId, inReplyTo: references.at(-1) ?? null, references },
      });
      const carry = createThreadCarry();
      let secondWritten: () => void = () => undefined;
      const second = new Promise<void>((resolve) => {
        secondWritten = resolve;
      });
      // The first batch commits once the second has written its rows (and resolved its threads).
      const first = storeListed(
        db,
        [withHeader(1, 'parent@contoso.test', ['ancient@contoso.test'])],
        () => second,
        carry,
      );
      const [reply] = await storeListed(
        db,
        [withHeader(2, 'reply@contoso.test', ['parent@contoso.test'])],
        async () => {
          secondWritten();
          await first;
        },
        carry,
      );
      const [parent] = await first;
      const rows = await db
        .selectFrom('messages')
        .select(['id', 'thread_id'])
        .where('id', 'in', [parent!.messageId, reply!.messageId])
        .execute();
      assert.equal(rows.length, 2);
      assert.equal(rows[0]!.thread_id, rows[1]!.thread_id);
    });

    test('threads are named after their roots: a new message, its replies, a reply whose root came later', async () => {
      const mailboxId = await freshMailbox();
      const message = (uid: number, messageId: string | null, references: string[]): ListedMessage => ({
        ...listed(mailboxId, uid, Buffer.from('x')),
        header: { ...HEADER, messageId, inReplyTo: references.at(-1) ?? null, references },
      });
      const batch = [
        message(1, 'root@contoso.test', []),
        message(2, 'reply@contoso.test', ['root@contoso.test']),
        message(3, 'orphan@contoso.test', ['gone@contoso.test']),
        message(4, 'Other@Contoso.TEST', []),
        message(5, null, []),
        message(8, ' <> ', []),
      ];
      const stored = await storeListed(db, batch);
      const late = await storeListed(db, [
        message(6, 'gone@contoso.test', []),
        message(7, 'deep@contoso.test', ['root@contoso.test', 'reply@contoso.test']),
      ]);
      const threadOf = async (id: string) =>
        await db
          .selectFrom('messages')
          .select(['thread_id', 'dedupe_key'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
      const root = newThreadId(batch[0]!.header, 'unused');
      assert.equal((await threadOf(stored[0]!.messageId)).thread_id, root);
      assert.equal((await threadOf(stored[1]!.messageId)).thread_id, root, 'a reply joins its root');
      assert.equal((await threadOf(late[1]!.messageId)).thread_id, root, 'and a later reply too');
      const orphan = (await threadOf(stored[2]!.messageId)).thread_id;
      assert.equal(orphan, newThreadId(batch[2]!.header, 'unused'), 'named after the root it refers to');
      assert.equal((await threadOf(late[0]!.messageId)).thread_id, orphan, 'the root, come later, joins it');
      assert.equal(
        (await threadOf(stored[3]!.messageId)).thread_id,
        newThreadId({ messageId: 'other@contoso.test', inReplyTo: null, references: [] }, 'unused'),
        'Message-IDs compared without case',
      );
      const noId = await threadOf(stored[4]!.messageId);
      assert.equal(
        noId.thread_id,
        newThreadId(batch[4]!.header, noId.dedupe_key),
        'no Message-ID: its own key',
      );
      const empty = await threadOf(stored[5]!.messageId);
      assert.equal(
        empty.thread_id,
        newThreadId(batch[5]!.header, empty.dedupe_key),
        'an empty id: its own key',
      );
      assert.equal(new Set([root, orphan, noId.thread_id, empty.thread_id]).size, 4);
    });

    test('envelopes with quotes, backslashes, braces and characters beyond ASCII are stored as read', async () => {
      // On PostgreSQL the rows travel as JSON (db/json-insert.ts): what JSON escapes must come back as it was.
      const mailboxId = await freshMailbox();
      const subjects = [
        'Quote " and backslash \\ and {braces}, [brackets]',
        'Tab\tand line separator\u2028and emoji 😀 and “curly” — dash',
        'NULL',
        '',
      ];
      const stored = await storeListed(
        db,
        subjects.map((subject, i) => ({
          ...listed(mailboxId, i + 1, Buffer.from('x')),
          header: {
            ...HEADER,
            subject,
            from: { name: `O'Brien "Bob" ${i}`, address: `bob${i}@contoso.test` },
          },
        })),
      );
      const rows = await db
        .selectFrom('messages')
        .select(['id', 'subject', 'from_name', 'from_address', 'size'])
        .where(
          'id',
          'in',
          stored.map((s) => s.messageId),
        )
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const [i, subject] of subjects.entries()) {
        const row = byId.get(stored[i]!.messageId)!;
        assert.equal(row.subject, subject);
        assert.equal(row.from_name, `O'Brien "Bob" ${i}`);
        assert.equal(row.from_address, `bob${i}@contoso.test`);
        assert.equal(row.size, 10);
      }
    });
  });
}
