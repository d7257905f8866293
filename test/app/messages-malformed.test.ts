import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { type BlobStore, createFileBlobStore } from '../../src/messages/blob-store.ts';
import type { Message } from '../../src/messages/message.ts';
import { warningCode } from '../../src/messages/parsed-message.ts';
import { getMessage } from '../../src/messages/queries.ts';
import { storeMessage } from '../../src/messages/store-message.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';

const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
const HEAD =
  'From: ada@contoso.test\nTo: support@contoso.test\nDate: Tue, 01 Dec 2026 09:30:00 +0100\nMIME-Version: 1.0\n';

/** A message whose attachment is `size` random bytes, base64 in 76-character lines, and their hash. */
const withAttachment = (size: number): { source: Buffer; sha256: string } => {
  const content = randomBytes(size);
  const head = crlf(
    `${HEAD}Subject: Big file\nMessage-ID: <big@contoso.test>\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nThe scan.\n--b\nContent-Type: application/octet-stream; name="scan.tif"\nContent-Transfer-Encoding: base64\n\n`,
  );
  const lines = content.toString('base64').replace(/.{76}/g, '$&\r\n');
  return {
    source: Buffer.concat([head, Buffer.from(lines, 'latin1'), crlf('\n--b--\n')]),
    sha256: createHash('sha256').update(content).digest('hex'),
  };
};

for (const kind of DATABASES) {
  describe(`malformed messages are stored as well as they can be on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let blobs: BlobStore;
    let mailboxId: string;
    let uid = 1;
    const stored = async (source: Buffer): Promise<Message> => {
      const { messageId, created } = await storeMessage(db, blobs, {
        mailboxId,
        path: 'INBOX',
        uidValidity: 1,
        uid: uid++,
        flags: [],
        internalDate: null,
        size: source.length,
        source,
      });
      assert.equal(created, true);
      return (await getMessage(db, mailboxId, messageId))!;
    };
    const codes = (m: Message) => m.warnings.map(warningCode);

    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
      await migrateToLatest(db);
      blobs = createFileBlobStore(join(testDb.dataDir, 'blobs'));
      mailboxId = (
        await insertMailbox(db, {
          kind: 'system',
          ownerUserId: null,
          label: 'Odd',
          address: 'odd@contoso.test',
        })
      ).id;
    });
    after(async () => {
      await db?.destroy();
      await testDb?.drop();
    });

    test('an unknown charset: read as latin1 when the bytes are not UTF-8, and said', async () => {
      const m = await stored(
        crlf(
          `${HEAD}Subject: Menu\nMessage-ID: <cs@contoso.test>\nContent-Type: text/plain; charset=x-unknown\nContent-Transfer-Encoding: 8bit\n\nCaf\xe9 cr\xe8me br\xfbl\xe9e\n`,
        ),
      );
      assert.equal(m.bodyText, 'Café crème brûlée\n');
      assert.deepEqual(codes(m), ['charset.unknown']);
    });

    test('a multipart without its closing boundary keeps every part', async () => {
      const m = await stored(
        crlf(
          `${HEAD}Subject: Cut short\nMessage-ID: <cut@contoso.test>\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nFirst part.\n--b\nContent-Type: application/pdf; name="a.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n`,
        ),
      );
      assert.equal(m.bodyText?.trim(), 'First part.');
      assert.deepEqual(
        m.attachments.map((a) => [a.filename, a.size]),
        [['a.pdf', 9]],
      );
      assert.deepEqual(codes(m), ['multipart.unterminated']);
    });

    test('a multipart whose boundary never appears keeps its raw body as text', async () => {
      const m = await stored(
        crlf(
          `${HEAD}Subject: Wrong boundary\nMessage-ID: <bnd@contoso.test>\nContent-Type: multipart/mixed; boundary="declared"\n\n--actual\nContent-Type: text/plain\n\nThe words are here.\n--actual--\n`,
        ),
      );
      assert.match(m.bodyText ?? '', /The words are here\./);
      assert.match(m.snippet, /The words are here\./);
      assert.deepEqual(codes(m), ['multipart.no_boundary']);
    });

    test('no Message-ID: null, deduplicated by content, said', async () => {
      const m = await stored(crlf(`${HEAD}Subject: Anonymous\n\nNo id here.\n`));
      assert.equal(m.messageId, null);
      assert.deepEqual(codes(m), ['message_id.missing']);
      assert.equal(m.subject, 'Anonymous');
    });

    test('8-bit headers: raw UTF-8 as it is, raw latin1 read as latin1', async () => {
      const utf8 = await stored(
        Buffer.from(
          `From: Zoë Ødegård <zoe@contoso.test>\r\nSubject: Café ☕ naïve\r\nMessage-ID: <u8@contoso.test>\r\n\r\nBody.\r\n`,
        ),
      );
      assert.equal(utf8.subject, 'Café ☕ naïve');
      assert.deepEqual(utf8.from, { name: 'Zoë Ødegård', address: 'zoe@contoso.test' });
      assert.deepEqual(utf8.warnings, []);
      const latin1 = await stored(
        crlf(
          'From: Ren\xe9 M\xfcller <rene@contoso.test>\nSubject: R\xe9sum\xe9 \xe0 revoir\nMessage-ID: <l1@contoso.test>\n\nBody.\n',
        ),
      );
      assert.equal(latin1.subject, 'Résumé à revoir');
      assert.deepEqual(latin1.from, { name: 'René Müller', address: 'rene@contoso.test' });
      assert.deepEqual(codes(latin1), ['header.latin1']);
    });

    test('a 20 MB attachment streams into the blob store; memory stays flat', async () => {
      const { source, sha256 } = withAttachment(20 * 1024 * 1024);
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 5);
      const started = performance.now();
      let m: Message;
      try {
        m = await stored(source);
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      const grewMb = (peak - before) / 1024 / 1024;
      console.log(
        `# ${kind}: ${(source.length / 1024 / 1024).toFixed(1)} MB source parsed and stored in ${Math.round(performance.now() - started)} ms; peak RSS +${grewMb.toFixed(1)} MB`,
      );
      assert.ok(grewMb < 150, `peak RSS grew by ${grewMb.toFixed(1)} MB`);
      const [scan] = m.attachments;
      assert.equal(scan?.size, 20 * 1024 * 1024);
      assert.equal(scan?.sha256, sha256);
      const reread = createHash('sha256');
      for await (const chunk of blobs.open(sha256)) reread.update(chunk);
      assert.equal(reread.digest('hex'), sha256);
      assert.equal(m.bodyText?.trim(), 'The scan.');
    });

    test('not a message at all: kept as raw text, said', async () => {
      const garbage = Buffer.concat([
        Buffer.from('\x00\x01 not mail \xff\xfe\n', 'latin1'),
        randomBytes(512),
      ]);
      const m = await stored(garbage);
      assert.equal(m.subject, '');
      assert.equal(m.from, null);
      assert.match(m.bodyText ?? '', /not mail/);
      assert.ok(!m.bodyText?.includes('\0'), 'PostgreSQL text cannot hold NUL');
      assert.equal(codes(m)[0], 'message.not_a_message');
      const text = await stored(Buffer.from('hello, this is just a line of text\nand another\n'));
      assert.equal(text.bodyText, 'hello, this is just a line of text\nand another\n');
    });
  });
}
