import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { startBlobSweeper } from '../../src/jobs/blob-sweeper.ts';
import { createLogger } from '../../src/log/logger.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { type BlobStore, createFileBlobStore } from '../../src/messages/blob-store.ts';
import { sweepBlobs } from '../../src/messages/blob-sweep.ts';
import { storeMessage } from '../../src/messages/store-message.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';
import { waitFor } from '../support/wait-for.ts';

const DAY = 24 * 3600_000;

/** A message with one attachment whose bytes are `content`. */
const withAttachment = (id: string, content: Buffer) =>
  Buffer.from(
    [
      `Message-ID: <${id}>`,
      'From: ada@contoso.test',
      'To: bob@contoso.test',
      `Subject: ${id}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b',
      'Content-Type: application/octet-stream',
      'Content-Disposition: attachment; filename="data.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      content.toString('base64'),
      '--b--',
      '',
    ].join('\r\n'),
  );

for (const kind of DATABASES) {
  describe(`sweeping the blob folder on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let blobs: BlobStore;
    let dir: string;
    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
      await migrateToLatest(db);
      dir = join(testDb.dataDir, 'blobs');
      blobs = createFileBlobStore(dir);
    });
    after(async () => {
      await db?.destroy();
      await testDb?.drop();
    });

    const age = (sha256: string, ms: number) => {
      const when = new Date(Date.now() - ms);
      return utimes(join(dir, sha256.slice(0, 2), sha256), when, when);
    };
    const sha256Of = async (messageId: string) =>
      (
        await db
          .selectFrom('attachments')
          .select('sha256')
          .where('message_id', '=', messageId)
          .executeTakeFirstOrThrow()
      ).sha256;

    test('only old blobs that no row names go; storing a blob again starts its grace over', async () => {
      const mailbox = await insertMailbox(db, {
        kind: 'system',
        ownerUserId: null,
        label: 'Sweep',
        address: 'sweep@contoso.test',
      });
      const store = (id: string, content: Buffer, uid: number) => {
        const source = withAttachment(id, content);
        return storeMessage(db, blobs, {
          mailboxId: mailbox.id,
          path: 'INBOX',
          uidValidity: 1,
          uid,
          flags: [],
          internalDate: new Date(),
          size: source.length,
          source,
        });
      };
      const kept = await store('kept@x', randomBytes(3000), 1);
      const gone = await store('gone@x', randomBytes(3000), 2);
      const keptBlob = await sha256Of(kept.messageId);
      const goneBlob = await sha256Of(gone.messageId);
      const youngOrphan = (await blobs.put(Readable.from([randomBytes(100)]))).sha256;
      const reused = (await blobs.put(Readable.from([Buffer.from('stored twice')]))).sha256;
      // The second message is deleted (expunged on the server): its attachment row goes with it.
      await db.deleteFrom('messages').where('id', '=', gone.messageId).execute();
      for (const name of [keptBlob, goneBlob, reused]) await age(name, 2 * DAY);
      // Stored again just before the sweep (a new message carrying the same file): young again.
      await blobs.put(Readable.from([Buffer.from('stored twice')]));

      const result = await sweepBlobs(db, blobs);
      assert.deepEqual(result, { examined: 4, removed: 1, temporaries: 0 });
      assert.equal(await blobs.has(goneBlob), false, 'the deleted message’s old attachment is gone');
      assert.equal(await blobs.has(keptBlob), true, 'a named blob stays, however old');
      assert.equal(await blobs.has(youngOrphan), true, 'a young blob stays: its row may be on its way');
      assert.equal(await blobs.has(reused), true, 'stored again, so young');
      assert.equal((await sweepBlobs(db, blobs, { graceMs: 0, now: Date.now() + 1000 })).removed, 2);
      assert.equal(await blobs.has(keptBlob), true);
    });

    test('a blob folder that cannot be read fails the sweep, logged and counted, never read as empty', async () => {
      const stored = (await blobs.put(Readable.from([randomBytes(64)]))).sha256;
      await age(stored, 2 * DAY);
      // A file where a blob folder belongs: reading it fails (ENOTDIR), as an unreadable mount would. The
      // prefix is one no blob of this store uses yet (the tests before stored some under random hashes).
      const prefix = [...Array(256).keys()]
        .map((n) => n.toString(16).padStart(2, '0'))
        .find((p) => !existsSync(join(dir, p)))!;
      const blocker = join(dir, prefix);
      await writeFile(blocker, 'not a folder');
      try {
        await assert.rejects(sweepBlobs(db, blobs), { code: 'ENOTDIR' });
        const logs: string[] = [];
        const log = createLogger(
          'info',
          new Writable({
            write(chunk, _encoding, done) {
              logs.push(String(chunk));
              done();
            },
          }),
        );
        const stop = startBlobSweeper({ db, blobs, log }, 50);
        try {
          const failure = await waitFor(
            () =>
              db.selectFrom('job_failures').selectAll().where('job', '=', 'blob-sweep').executeTakeFirst(),
            10_000,
            'the failed round counted',
          );
          assert.match(failure.last_error ?? '', /ENOTDIR/);
          const line = logs.find((l) => l.includes('"event":"blobs.sweep_failed"'));
          assert.ok(line, 'logged');
          assert.match(line, /"stack":"Error: ENOTDIR/);
        } finally {
          stop();
        }
        assert.equal(await blobs.has(stored), true, 'nothing removed by a sweep that failed');
      } finally {
        await rm(blocker);
      }
      assert.equal((await sweepBlobs(db, blobs, { graceMs: 0, now: Date.now() + 1000 })).removed >= 1, true);
      assert.equal(await blobs.has(stored), false, 'the folder readable again, the sweep goes on');
    });
  });
}
