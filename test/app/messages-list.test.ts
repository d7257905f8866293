import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { type BlobStore, createFileBlobStore } from '../../src/messages/blob-store.ts';
import { pruneOrphans, removeLocations, updateFlags } from '../../src/messages/locations.ts';
import { listMessages } from '../../src/messages/queries.ts';
import { type StoreInput, storeMessage } from '../../src/messages/store-message.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';

/** An RFC 5322 message (CRLF line ends, §2.1). */
const plain = (id: string, subject: string, body = 'Hello.\n', from = '"Ada Lovelace" <ada@contoso.test>') =>
  Buffer.from(
    `From: ${from}\r\nTo: Support <support@contoso.test>\r\nSubject: ${subject}\r\nDate: Tue, 01 Dec 2026 09:30:00 +0100\r\nMessage-ID: <${id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body.replace(/\n/g, '\r\n')}`,
  );

for (const kind of DATABASES) {
  describe(`listing stored messages on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let blobs: BlobStore;
    let mailboxId: string;
    let label = 0;
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
    const freshMailbox = async () => {
      label++;
      mailboxId = (
        await insertMailbox(db, {
          kind: 'system',
          ownerUserId: null,
          label: `List ${label}`,
          address: `list${label}@contoso.test`,
        })
      ).id;
    };

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

    test('listMessages pages with the cursor: every message exactly once, newest first; search', async () => {
      await freshMailbox();
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) {
        // Three messages share each arrival time: the id breaks the tie.
        const internalDate = new Date(Date.UTC(2026, 11, 1, 8, Math.floor(i / 3)));
        const from = i === 5 ? 'Zoë Quartermaine <zoe@fabrikam.test>' : '"Ada Lovelace" <ada@contoso.test>';
        const body = i === 9 ? 'The PINEAPPLE shipment is late.\n' : `Message number ${i}.\n`;
        const path = i % 2 === 0 ? 'INBOX' : 'Archive';
        const subject = `Status ${i}${i === 14 ? ' quarterly REVIEW' : ''}`;
        const flags = i === 4 ? ['\\Seen', '\\Flagged'] : [];
        ids.push(
          (await store(plain(`page-${i}@contoso.test`, subject, body, from), { internalDate, path, flags }))
            .messageId,
        );
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listMessages(db, { mailboxId, limit: 5, ...(cursor ? { cursor } : {}) });
        seen.push(...page.messages.map((m) => m.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      assert.equal(pages, 5);
      assert.equal(new Set(seen).size, 23);
      assert.deepEqual([...seen].sort(), [...ids].sort());
      const all = (await listMessages(db, { mailboxId, limit: 200 })).messages;
      assert.deepEqual(
        all.map((m) => m.id),
        seen,
        'paging gives the same order as one page',
      );
      assert.ok(all.every((m, i) => i === 0 || all[i - 1]!.receivedAt >= m.receivedAt));
      const fourth = all.find((m) => m.id === ids[4])!;
      assert.deepEqual([fourth.seen, fourth.flagged, fourth.subject], [true, true, 'Status 4']);

      const inbox = await listMessages(db, { mailboxId, path: 'INBOX', limit: 200 });
      assert.equal(inbox.messages.length, 12);
      const search = async (q: string) =>
        (await listMessages(db, { mailboxId, limit: 50, search: q })).messages.map((m) => m.id);
      assert.deepEqual(await search('quarterly review'), [ids[14]]);
      assert.deepEqual(await search('ZOE@fabrikam'), [ids[5]]);
      assert.deepEqual(await search('pineapple'), [ids[9]]);
      assert.deepEqual(await search('100%_sure'), []);
      // Full text: every word, in any order, each as the start of a word; punctuation separates words.
      assert.deepEqual(await search('review QUARTERLY'), [ids[14]]);
      assert.deepEqual(await search('zoe@fab'), [ids[5]]);
      assert.deepEqual(await search('pineapp'), [ids[9]]);
      assert.deepEqual(await search('%_'), [], 'no word, nothing found');
      await assert.rejects(listMessages(db, { mailboxId, limit: 5, cursor: 'bm90IGEgY3Vyc29y' }), {
        code: 'messages.invalid_cursor',
      });
    });

    test('flags, removed copies and orphans', async () => {
      await freshMailbox();
      const a = await store(plain('f1@contoso.test', 'One'), { uid: 1 });
      await store(plain('f2@contoso.test', 'Two'), { uid: 2 });
      await store(plain('f1@contoso.test', 'One'), { path: 'Archive', uid: 1 });
      const changed = await updateFlags(db, mailboxId, 'INBOX', 7, [
        { uid: 1, flags: ['\\Seen'] },
        { uid: 2, flags: new Set(['\\seen', '\\Flagged']) },
      ]);
      assert.equal(changed, 2);
      assert.equal(await updateFlags(db, mailboxId, 'INBOX', 7, [{ uid: 1, flags: ['\\Seen'] }]), 0);
      assert.equal(await removeLocations(db, mailboxId, 'INBOX', 7, [1, 2, 99]), 2);
      assert.equal(await pruneOrphans(db, mailboxId), 1, 'f2 had no other copy');
      const left = (await listMessages(db, { mailboxId, limit: 10 })).messages;
      assert.deepEqual(
        left.map((m) => m.id),
        [a.messageId],
      );
    });
  });
}
