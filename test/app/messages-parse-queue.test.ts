import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { leaseHolder } from '../../src/jobs/lease.ts';
import { createLogger } from '../../src/log/logger.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { type BlobStore, createFileBlobStore } from '../../src/messages/blob-store.ts';
import { createParsePool, type ParsePool } from '../../src/messages/parse-pool.ts';
import { createMessageParser, type MessageParser } from '../../src/messages/parse-queue.ts';
import { getMessage, listMessages } from '../../src/messages/queries.ts';
import { readHeader } from '../../src/messages/read-header.ts';
import { type ListedMessage, storeListed } from '../../src/messages/store-listed.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';
import { waitFor } from '../support/wait-for.ts';

// Listing at wire speed, reading in parallel (issue 12, item 3): a message is listed from its header as
// soon as its batch commits, shows "loading" until a parse thread has read it, is then readable and
// searchable; a parse that fails is recorded on the message and stops nothing; pending parses are kept
// in the database and taken up by the next process.

const plain = (id: string, subject: string, body: string) =>
  Buffer.from(
    `From: Ada Lovelace <ada@contoso.test>\r\nTo: Support <support@contoso.test>\r\nSubject: ${subject}\r\nDate: Tue, 01 Dec 2026 09:30:00 +0100\r\nMessage-ID: <${id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
  );

for (const kind of DATABASES) {
  describe(`listed first, read in parallel, on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let blobs: BlobStore;
    let nextUid = 1;
    let label = 0;
    const log = createLogger('silent');
    const parsers: MessageParser[] = [];
    const parserWith = (workers: number): MessageParser => {
      const parser = createMessageParser({
        db,
        log,
        pool: createParsePool({ workers, blobDir: join(testDb.dataDir, 'blobs'), blobs }),
      });
      parsers.push(parser);
      return parser;
    };
    const freshMailbox = async () => {
      label++;
      return (
        await insertMailbox(db, {
          kind: 'system',
          ownerUserId: null,
          label: `Parse ${label}`,
          address: `parse${label}@contoso.test`,
        })
      ).id;
    };
    const listed = (
      mailboxId: string,
      source: Buffer | null,
      blobSha256: string | null = null,
    ): ListedMessage => ({
      input: {
        mailboxId,
        path: 'INBOX',
        uidValidity: 3,
        uid: nextUid++,
        flags: [],
        internalDate: new Date('2026-12-01T08:31:00Z'),
        size: source?.length ?? 1000,
      },
      header: readHeader(source ?? plain(`blob-${nextUid}@contoso.test`, 'Large one', 'x')),
      source,
      blobSha256,
    });

    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
      await migrateToLatest(db);
      blobs = createFileBlobStore(join(testDb.dataDir, 'blobs'));
    });
    after(async () => {
      for (const parser of parsers) await parser.close();
      await db?.destroy();
      await testDb?.drop();
    });

    test('a listed message shows its envelope and "loading", then its body, and search finds it', async () => {
      const mailboxId = await freshMailbox();
      const [stored] = await storeListed(db, [
        listed(
          mailboxId,
          plain('pineapple-1@contoso.test', 'Shipment status', 'The PINEAPPLE crates are late.'),
        ),
      ]);
      const before = await listMessages(db, { mailboxId, limit: 10 });
      assert.equal(before.messages.length, 1);
      assert.equal(before.messages[0]!.subject, 'Shipment status');
      assert.deepEqual(before.messages[0]!.from, { name: 'Ada Lovelace', address: 'ada@contoso.test' });
      assert.equal(before.messages[0]!.loading, true);
      const pending = (await getMessage(db, mailboxId, stored!.messageId))!;
      assert.equal(pending.parseState, 'pending');
      assert.equal(pending.bodyText, null);
      // Searchable once read, its envelope too: both databases index a message when its parse rewrites
      // the row (PostgreSQL's `search` is null while pending, 2026-12-04-0300), not once more at the listing.
      for (const word of ['pineapple', 'shipment'])
        assert.equal(
          (await listMessages(db, { mailboxId, limit: 10, search: word })).messages.length,
          0,
          word,
        );

      await parserWith(1).drain(mailboxId);

      const read = (await getMessage(db, mailboxId, stored!.messageId))!;
      assert.equal(read.parseState, 'parsed');
      assert.equal(read.loading, false);
      assert.match(read.bodyText ?? '', /PINEAPPLE crates/);
      assert.match(read.snippet, /PINEAPPLE/);
      assert.equal(
        (await listMessages(db, { mailboxId, limit: 10, search: 'pineapple' })).messages.length,
        1,
      );
      assert.equal((await listMessages(db, { mailboxId, limit: 10, search: 'shipment' })).messages.length, 1);
      const source = await db
        .selectFrom('message_sources')
        .select('message_id')
        .where('message_id', '=', stored!.messageId)
        .execute();
      assert.equal(source.length, 0, 'the raw source is let go once read');
    });

    test('while a folder of the mailbox is listed, its messages wait to be read; then they are', async () => {
      const mailboxId = await freshMailbox();
      const [stored] = await storeListed(db, [
        listed(mailboxId, plain('held-1@contoso.test', 'Held back', 'Read after the listing.')),
      ]);
      const parser = parserWith(0);
      const listingEnded = parser.listing(mailboxId);
      const drained = parser.drain(mailboxId);
      // The reading has started (it holds the mailbox's parse lease) and waits for the listing.
      await waitFor(() => leaseHolder(db, `parse:${mailboxId}`), 5000, 'the parse lease taken');
      assert.equal((await getMessage(db, mailboxId, stored!.messageId))!.parseState, 'pending');
      listingEnded();
      await drained;
      assert.equal((await getMessage(db, mailboxId, stored!.messageId))!.parseState, 'parsed');
    });

    test('while new mail waits to be listed, no mailbox starts being read; then several are at once', async () => {
      const [first, second] = [await freshMailbox(), await freshMailbox()];
      const [a] = await storeListed(db, [listed(first, plain('busy-a@contoso.test', 'A', 'First mailbox.'))]);
      const [b] = await storeListed(db, [listed(second, plain('busy-b@contoso.test', 'B', 'Second one.'))]);
      const parser = parserWith(1);
      let busy = true;
      let asked = 0;
      parser.deferWhile(() => {
        asked++;
        return busy;
      });
      parser.wake(first);
      parser.wake(second);
      // The deferred reading has looked whether listing caught up, waited, and looked again.
      const askedAtWake = asked;
      await waitFor(async () => asked >= askedAtWake + 2, 5000, 'the deferred reading looking again');
      for (const mailboxId of [first, second])
        assert.equal(await leaseHolder(db, `parse:${mailboxId}`), null, 'a mailbox was read while busy');
      assert.equal((await getMessage(db, first, a!.messageId))!.parseState, 'pending');
      // Listing caught up. The first mailbox's reading is held by a listing of its own and keeps its turn:
      // the second is read beside it, so more than one mailbox is read at once again.
      const listingEnded = parser.listing(first);
      busy = false;
      await waitFor(
        async () => (await getMessage(db, second, b!.messageId))!.parseState === 'parsed',
        10_000,
        'the second mailbox read once nothing waits to be listed',
      );
      assert.ok(await leaseHolder(db, `parse:${first}`), 'the first mailbox is being read meanwhile');
      assert.equal((await getMessage(db, first, a!.messageId))!.parseState, 'pending');
      listingEnded();
      await parser.drain(first);
      assert.equal((await getMessage(db, first, a!.messageId))!.parseState, 'parsed');
    });

    test('a parse that fails is recorded on its message; the others of the batch are read', async () => {
      const mailboxId = await freshMailbox();
      const results = await storeListed(db, [
        listed(mailboxId, plain('good-1@contoso.test', 'Good one', 'Readable body.')),
        // A large message whose blob is gone: the thread cannot open it.
        listed(mailboxId, null, '0'.repeat(64)),
        listed(mailboxId, plain('good-2@contoso.test', 'Good two', 'Another readable body.')),
      ]);
      await parserWith(1).drain(mailboxId);
      const [first, broken, last] = await Promise.all(
        results.map(async (r) => (await getMessage(db, mailboxId, r.messageId))!),
      );
      assert.equal(first!.parseState, 'parsed');
      assert.equal(last!.parseState, 'parsed');
      assert.equal(broken!.parseState, 'failed');
      assert.match(broken!.parseError ?? '', /ENOENT/);
      assert.equal(broken!.subject, 'Large one', 'still listed by its envelope');
      assert.equal((await listMessages(db, { mailboxId, limit: 10 })).messages.length, 3);
    });

    test('pending parses are in the database: a new process takes them up (resume)', async () => {
      const mailboxId = await freshMailbox();
      const batch = Array.from({ length: 150 }, (_, i) =>
        listed(mailboxId, plain(`resume-${i}@contoso.test`, `Resume ${i}`, `Body number ${i} of the batch.`)),
      );
      await storeListed(db, batch);
      // Nothing woke a parser: as if the process had died right after the commit.
      const restarted = parserWith(2);
      assert.ok((await restarted.resume()) >= 1);
      await restarted.drain(mailboxId);
      const left = await db
        .selectFrom('messages')
        .select('id')
        .where('mailbox_id', '=', mailboxId)
        .where('parse_state', '!=', 'parsed')
        .execute();
      assert.equal(left.length, 0);
      const page = await listMessages(db, { mailboxId, limit: 200, search: 'body number 149' });
      assert.equal(page.messages.length, 1);
    });

    test('a parse thread idle for a while ends; new messages start one again and none stays pending', async () => {
      const mailboxId = await freshMailbox();
      const pool = createParsePool({ workers: 1, blobDir: join(testDb.dataDir, 'blobs'), blobs, idleMs: 50 });
      const parser = createMessageParser({ db, log, pool });
      parsers.push(parser);
      await storeListed(db, [listed(mailboxId, plain('idle-0@contoso.test', 'First', 'Read at once.'))]);
      await parser.drain(mailboxId);
      await waitFor(async () => pool.threads() === 0, 5000, 'the idle parse thread ended');

      const batch = Array.from({ length: 100 }, (_, i) =>
        listed(
          mailboxId,
          plain(`idle-${i + 1}@contoso.test`, `Later ${i}`, `Listed after the thread ended ${i}.`),
        ),
      );
      await storeListed(db, batch);
      parser.wake(mailboxId);
      await parser.drain(mailboxId);
      const states = await db
        .selectFrom('messages')
        .select(['parse_state'])
        .where('mailbox_id', '=', mailboxId)
        .execute();
      assert.equal(states.length, 101);
      assert.deepEqual(new Set(states.map((r) => r.parse_state)), new Set(['parsed']));
      await waitFor(async () => pool.threads() === 0, 5000, 'the restarted thread ended in turn');
    });

    // On SQLite a lookup waits for the write's transaction on the one connection: looked up after the
    // write began, the next batch reached the threads only once the one before was written.
    test('the next batch goes to the threads while the one read before it is still being written', {
      skip: kind !== 'sqlite' && 'PostgreSQL looks up beside a write',
    }, async () => {
      const mailboxId = await freshMailbox();
      await storeListed(
        db,
        Array.from({ length: 130 }, (_, i) =>
          listed(mailboxId, plain(`ahead-${i}@contoso.test`, `Ahead ${i}`, `Read ahead ${i}.`)),
        ),
      );
      // A second connection reads what is committed at the moment each batch is handed out.
      const reader = new SQLite(join(testDb.dataDir, 'mailroom.db'), { readonly: true });
      const parsedCount = reader.prepare<[string], { n: number }>(
        "select count(*) as n from messages where mailbox_id = ? and parse_state = 'parsed'",
      );
      const inline = createParsePool({ workers: 0, blobDir: join(testDb.dataDir, 'blobs'), blobs });
      const writtenAtHandOut: number[] = [];
      const pool: ParsePool = {
        parse(items) {
          writtenAtHandOut.push(parsedCount.get(mailboxId)!.n);
          return inline.parse(items);
        },
        threads: () => 0,
        close: async () => undefined,
      };
      const parser = createMessageParser({ db, log, pool });
      parsers.push(parser);
      try {
        await parser.drain(mailboxId);
      } finally {
        reader.close();
      }
      // Batches of 64: the second handed out while the first is written, the third once it is.
      assert.deepEqual(writtenAtHandOut, [0, 0, 64]);
      assert.equal(
        (await listMessages(db, { mailboxId, limit: 200, search: 'ahead 129' })).messages.length,
        1,
      );
    });

    test('copies, byte for byte or rendered otherwise, are one message once read', async () => {
      const mailboxId = await freshMailbox();
      const original = plain('copy-1@contoso.test', 'Copy', 'Same words.');
      const rendered = Buffer.concat([Buffer.from('X-MS-Exchange-Organization-SCL: -1\r\n'), original]);
      await storeListed(db, [listed(mailboxId, original), listed(mailboxId, original)]);
      await storeListed(db, [listed(mailboxId, rendered)]);
      assert.equal((await listMessages(db, { mailboxId, limit: 10 })).messages.length, 3);
      await parserWith(0).drain(mailboxId);
      const rows = await db.selectFrom('messages').select('id').where('mailbox_id', '=', mailboxId).execute();
      assert.equal(rows.length, 1);
      const locations = await db
        .selectFrom('message_locations')
        .select('message_id')
        .where('mailbox_id', '=', mailboxId)
        .execute();
      assert.equal(locations.length, 3);
      assert.ok(locations.every((l) => l.message_id === rows[0]!.id));
    });
  });
}
