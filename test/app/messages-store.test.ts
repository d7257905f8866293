import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { type BlobStore, createFileBlobStore } from '../../src/messages/blob-store.ts';
import { keyColumns } from '../../src/messages/lookup-keys.ts';
import { getMessage, htmlOf, threadOf } from '../../src/messages/queries.ts';
import {
  prepareMessage,
  type StoreInput,
  storeMessage,
  storePrepared,
} from '../../src/messages/store-message.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';

/** An RFC 5322 message: header fields, a blank line, the body, CRLF line ends (§2.1). */
const rfc5322 = (headers: Record<string, string>, body: string): Buffer =>
  Buffer.from(
    `${Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`,
  );

const headersOf = (id: string | null, subject: string, extra: Record<string, string> = {}) => ({
  From: '"Ada Lovelace" <ada@contoso.test>',
  To: 'Support <support@contoso.test>, bob@contoso.test',
  Cc: 'carol@fabrikam.test',
  Subject: subject,
  Date: 'Tue, 01 Dec 2026 09:30:00 +0100',
  ...(id ? { 'Message-ID': `<${id}>` } : {}),
  'MIME-Version': '1.0',
  ...extra,
});

const plain = (
  id: string | null,
  subject: string,
  body = 'Hello,\n\nthe invoice is attached.\n',
  extra = {},
) => rfc5322({ ...headersOf(id, subject, extra), 'Content-Type': 'text/plain; charset=utf-8' }, body);

const base64Lines = (bytes: Buffer): string => bytes.toString('base64').replace(/.{76}/g, '$&\n');

for (const kind of DATABASES) {
  describe(`messages stored on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let blobs: BlobStore;
    let mailboxId: string;
    let nextUid = 1;
    const store = (source: Buffer, at: Partial<StoreInput> = {}) =>
      storeMessage(db, blobs, {
        mailboxId,
        path: 'INBOX',
        uidValidity: 7,
        uid: nextUid++,
        flags: [],
        internalDate: new Date('2026-12-01T08:31:00Z'),
        size: source.length,
        source,
        ...at,
      });
    const row = (id: string) =>
      db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
      await migrateToLatest(db);
      blobs = createFileBlobStore(join(testDb.dataDir, 'blobs'));
    });
    after(async () => {
      await db?.destroy();
      await testDb?.drop();
    });
    // Each test gets its own mailbox: dedupe and threads are per mailbox.
    const freshMailbox = async () => {
      const name = `support-${randomBytes(4).toString('hex')}`;
      const box = await insertMailbox(db, {
        kind: 'system',
        ownerUserId: null,
        label: name,
        address: `${name}@contoso.test`,
      });
      mailboxId = box.id;
    };

    test('a plain text message: headers, body, snippet, the copy and its flags', async () => {
      await freshMailbox();
      const { messageId, created } = await store(plain('plain-1@contoso.test', 'Invoice 42'), {
        flags: ['\\Seen', '\\Answered', '$Forwarded'],
      });
      assert.equal(created, true);
      const m = (await getMessage(db, mailboxId, messageId))!;
      assert.equal(m.messageId, 'plain-1@contoso.test');
      assert.equal(m.subject, 'Invoice 42');
      assert.deepEqual(m.from, { name: 'Ada Lovelace', address: 'ada@contoso.test' });
      assert.deepEqual(m.to, [
        { name: 'Support', address: 'support@contoso.test' },
        { name: '', address: 'bob@contoso.test' },
      ]);
      assert.deepEqual(m.cc, [{ name: '', address: 'carol@fabrikam.test' }]);
      assert.equal(m.sentAt, '2026-12-01T08:30:00.000Z');
      assert.equal(m.receivedAt, '2026-12-01T08:31:00.000Z');
      assert.equal(m.bodyText, 'Hello,\n\nthe invoice is attached.\n');
      assert.equal(m.htmlLength, null);
      assert.equal(await htmlOf(db, m.id), null);
      assert.equal(m.snippet, 'Hello, the invoice is attached.');
      assert.deepEqual(m.warnings, []);
      assert.equal(m.hasAttachments, false);
      assert.deepEqual(m.locations, [
        {
          path: 'INBOX',
          uidValidity: 7,
          uid: nextUid - 1,
          seen: true,
          flagged: false,
          answered: true,
          draft: false,
        },
      ]);
    });

    test('multipart/alternative: the text and the HTML body', async () => {
      await freshMailbox();
      const source = rfc5322(
        {
          ...headersOf('alt-1@contoso.test', 'Two bodies'),
          'Content-Type': 'multipart/alternative; boundary="alt"',
        },
        [
          '--alt',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'Plain words.',
          '--alt',
          'Content-Type: text/html; charset=utf-8',
          'Content-Transfer-Encoding: quoted-printable',
          '',
          '<p>Rich <b>words</b> =E2=80=94 caf=C3=A9.</p>',
          '--alt--',
          '',
        ].join('\n'),
      );
      const m = (await getMessage(db, mailboxId, (await store(source)).messageId))!;
      assert.equal(m.bodyText?.trim(), 'Plain words.');
      assert.equal((await htmlOf(db, m.id))?.trim(), '<p>Rich <b>words</b> — café.</p>');
      assert.equal(m.htmlLength, (await htmlOf(db, m.id))?.length);
      assert.deepEqual(m.attachments, []);
    });

    test('attachments: metadata rows, content byte for byte through the blob store, stored once', async () => {
      await freshMailbox();
      const pdf = randomBytes(150_000);
      const png = randomBytes(3_000);
      const source = rfc5322(
        { ...headersOf('att-1@contoso.test', 'Report'), 'Content-Type': 'multipart/mixed; boundary="mix"' },
        [
          '--mix',
          'Content-Type: multipart/related; boundary="rel"',
          '',
          '--rel',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<p>Chart: <img src="cid:chart@contoso.test"></p>',
          '--rel',
          'Content-Type: image/png',
          'Content-Disposition: inline',
          'Content-ID: <chart@contoso.test>',
          'Content-Transfer-Encoding: base64',
          '',
          base64Lines(png),
          '--rel--',
          '--mix',
          'Content-Type: application/pdf; name="report.pdf"',
          'Content-Disposition: attachment; filename="report.pdf"',
          'Content-Transfer-Encoding: base64',
          '',
          base64Lines(pdf),
          '--mix--',
          '',
        ].join('\n'),
      );
      const m = (await getMessage(db, mailboxId, (await store(source)).messageId))!;
      assert.equal(m.hasAttachments, true);
      assert.match(
        (await htmlOf(db, m.id)) ?? '',
        /cid:chart@contoso\.test/,
        'cid links are kept, not inlined',
      );
      const [image, report] = m.attachments;
      assert.deepEqual(
        { ...image!, id: '' },
        {
          id: '',
          position: 0,
          filename: null,
          contentType: 'image/png',
          disposition: 'inline',
          contentId: 'chart@contoso.test',
          size: png.length,
          sha256: createHash('sha256').update(png).digest('hex'),
        },
      );
      assert.equal(report!.filename, 'report.pdf');
      assert.equal(report!.disposition, 'attachment');
      assert.equal(report!.size, pdf.length);
      assert.deepEqual(await buffer(blobs.open(report!.sha256)), pdf);
      assert.deepEqual(await buffer(blobs.open(image!.sha256)), png);
      // The same file in another message is the same blob.
      const again = plainWith(pdf);
      const other = (await getMessage(db, mailboxId, (await store(again)).messageId))!;
      assert.equal(other.attachments[0]!.sha256, report!.sha256);
    });

    const plainWith = (content: Buffer) =>
      rfc5322(
        { ...headersOf('att-2@contoso.test', 'Same file'), 'Content-Type': 'multipart/mixed; boundary="b"' },
        `--b\nContent-Type: text/plain\n\nSee attached.\n--b\nContent-Type: application/pdf; name="copy.pdf"\nContent-Transfer-Encoding: base64\n\n${base64Lines(content)}\n--b--\n`,
      );

    test('the same Message-ID from two folders is one message with two locations', async () => {
      await freshMailbox();
      const first = await store(plain('Same-1@Contoso.test', 'Filed twice'), { path: 'INBOX', uid: 10 });
      const second = await store(plain('same-1@contoso.test', 'Filed twice'), {
        path: 'Archive',
        uid: 3,
        flags: ['\\Flagged'],
      });
      assert.deepEqual([first.created, second.created], [true, false]);
      assert.equal(second.messageId, first.messageId);
      const again = await store(plain('same-1@contoso.test', 'Filed twice'), {
        path: 'Archive',
        uid: 3,
        flags: ['\\Seen'],
      });
      assert.equal(again.created, false, 'the same UID fetched again refreshes its flags');
      const m = (await getMessage(db, mailboxId, first.messageId))!;
      assert.deepEqual(
        m.locations.map((l) => [l.path, l.uid, l.seen, l.flagged]),
        [
          ['Archive', 3, true, false],
          ['INBOX', 10, false, false],
        ],
      );
      assert.match((await row(first.messageId)).dedupe_key, /^mid:same-1@contoso\.test#[0-9a-f]{64}$/);
    });

    test('two workers storing the same message at once: one insert, no failure', async () => {
      await freshMailbox();
      const source = plain('race-1@contoso.test', 'Race');
      const results = await Promise.all([
        store(source, { path: 'INBOX', uid: 1 }),
        store(source, { path: 'Archive', uid: 1 }),
      ]);
      assert.deepEqual(results.map((r) => r.created).sort(), [false, true]);
      assert.equal(results[0].messageId, results[1].messageId);
      assert.equal((await getMessage(db, mailboxId, results[0].messageId))!.locations.length, 2);
    });

    test('an insert that loses the race to another worker finds the winner instead of failing', async () => {
      await freshMailbox();
      let pending: ReturnType<typeof store> | undefined;
      const source = plain('race-2@contoso.test', 'Race');
      const { key } = await prepareMessage(blobs, {
        mailboxId,
        path: 'INBOX',
        uidValidity: 7,
        uid: 1,
        flags: [],
        internalDate: null,
        size: source.length,
        source,
      });
      // The other worker's insert, not yet committed: ours misses it on look-up, then waits on the
      // unique index (PostgreSQL) or for the connection (SQLite), and must take the winner's row.
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('messages')
          .values({
            id: 'the-winner',
            mailbox_id: mailboxId,
            dedupe_key: key,
            message_id: 'race-2@contoso.test',
            thread_id: 't',
            ...keyColumns(mailboxId, 't', 'race-2@contoso.test'),
            in_reply_to: null,
            references: '[]',
            subject: 'Race',
            from_address: null,
            from_name: null,
            to_json: '[]',
            cc_json: '[]',
            sent_at: null,
            received_at: '2026-12-01T08:00:00.000Z',
            size: 0,
            snippet: '',
            body_text: null,
            body_html: null,
            has_attachments: 0,
            parse_warnings: '[]',
            created_at: '2026-12-01T08:00:00.000Z',
          })
          .execute();
        pending = store(source, { path: 'Archive' });
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      assert.deepEqual(await pending, { messageId: 'the-winner', created: false });
    });

    test('no Message-ID: copies with the same bytes merge by content hash, others do not', async () => {
      await freshMailbox();
      const a = await store(plain(null, 'No id'), { path: 'INBOX' });
      const b = await store(plain(null, 'No id'), { path: 'Archive' });
      const c = await store(plain(null, 'No id', 'Another body.\n'), { path: 'INBOX' });
      assert.equal(b.messageId, a.messageId);
      assert.notEqual(c.messageId, a.messageId);
      const stored = await row(a.messageId);
      assert.match(stored.dedupe_key, /^sha256:[0-9a-f]{64}$/);
      assert.equal(stored.message_id, null);
    });

    test('threads: a reply after its parent, a parent after its reply, a References chain of three', async () => {
      await freshMailbox();
      const parent = await store(plain('p1@contoso.test', 'Question'));
      const reply = await store(
        plain('r1@contoso.test', 'Re: Question', 'Answer.\n', { 'In-Reply-To': '<p1@contoso.test>' }),
      );
      assert.equal((await row(reply.messageId)).thread_id, (await row(parent.messageId)).thread_id);

      const lateChild = await store(
        plain('r2@contoso.test', 'Re: Late', 'Child first.\n', { 'In-Reply-To': '<p2@contoso.test>' }),
      );
      const lateParent = await store(plain('p2@contoso.test', 'Late'));
      assert.equal((await row(lateParent.messageId)).thread_id, (await row(lateChild.messageId)).thread_id);

      // C (replying to B, which replied to A) arrives first, then A, then B.
      const c = await store(
        plain('c3@contoso.test', 'Re: Re: Chain', 'C\n', {
          'In-Reply-To': '<b3@contoso.test>',
          References: '<a3@contoso.test> <b3@contoso.test>',
        }),
      );
      const a = await store(plain('a3@contoso.test', 'Chain', 'A\n'));
      const b = await store(
        plain('b3@contoso.test', 'Re: Chain', 'B\n', {
          'In-Reply-To': '<a3@contoso.test>',
          References: '<a3@contoso.test>',
        }),
      );
      const thread = (await row(a.messageId)).thread_id;
      assert.deepEqual(
        [(await row(b.messageId)).thread_id, (await row(c.messageId)).thread_id],
        [thread, thread],
      );
      assert.notEqual(thread, (await row(parent.messageId)).thread_id);

      // A reply that names only its parent, then the parent, itself a reply to a message not stored.
      const onlyParent = await store(
        plain('d4@contoso.test', 'Re: Re: Partial', 'D\n', { 'In-Reply-To': '<c4@contoso.test>' }),
      );
      const middle = await store(
        plain('c4@contoso.test', 'Re: Partial', 'C\n', {
          'In-Reply-To': '<b4@contoso.test>',
          References: '<b4@contoso.test>',
        }),
      );
      assert.equal((await row(middle.messageId)).thread_id, (await row(onlyParent.messageId)).thread_id);
      assert.deepEqual((await threadOf(db, mailboxId, thread)).map((m) => m.subject).sort(), [
        'Chain',
        'Re: Chain',
        'Re: Re: Chain',
      ]);
    });

    test('a whole batch in one go: a reply before its root, a reply to an earlier one, a message twice', async () => {
      await freshMailbox();
      const prepare = (source: Buffer, uid: number) =>
        prepareMessage(blobs, {
          mailboxId,
          path: 'Batch',
          uidValidity: 3,
          uid,
          flags: uid === 4 ? ['\\Seen'] : [],
          internalDate: new Date(`2026-12-02T08:0${uid}:00Z`),
          size: source.length,
          source,
        });
      const batch = [
        await prepare(
          plain('b2@x', 'Re: Root', 'late', { 'In-Reply-To': '<b1@x>', References: '<b1@x>' }),
          1,
        ),
        await prepare(plain('b1@x', 'Root'), 2),
        await prepare(
          plain('b3@x', 'Re: Re: Root', 'x', { 'In-Reply-To': '<b2@x>', References: '<b1@x> <b2@x>' }),
          3,
        ),
        await prepare(plain('b1@x', 'Root'), 4),
        await prepare(plain('other@x', 'Unrelated'), 5),
      ];
      const results = await storePrepared(db, batch);
      assert.deepEqual(
        results.map((r) => r.created),
        [true, true, true, false, true],
      );
      assert.equal(results[3]!.messageId, results[1]!.messageId, 'the same message twice is one row');
      const messages = await Promise.all(results.map((r) => getMessage(db, mailboxId, r.messageId)));
      const [reply, root, second, , other] = messages;
      assert.equal(reply!.threadId, root!.threadId);
      assert.equal(second!.threadId, root!.threadId);
      assert.notEqual(other!.threadId, root!.threadId);
      assert.deepEqual(
        root!.locations.map((l) => [l.uid, l.seen]),
        [
          [2, false],
          [4, true],
        ],
      );
      assert.deepEqual(
        (await threadOf(db, mailboxId, root!.threadId)).map((m) => m.subject),
        ['Re: Root', 'Root', 'Re: Re: Root'],
      );
      // Stored again (a resumed sync): nothing new, the same rows.
      const again = await storePrepared(db, batch);
      assert.deepEqual(
        again.map((r) => r.created),
        [false, false, false, false, false],
      );
      assert.deepEqual(
        again.map((r) => r.messageId),
        results.map((r) => r.messageId),
      );
    });
  });
}
