import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import type { Db } from '../../src/db/database.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { type BlobStore, createFileBlobStore } from '../../src/messages/blob-store.ts';
import { loadCursor } from '../../src/transports/imap-smtp/folder-state.ts';
import { closeImap, openImap } from '../../src/transports/imap-smtp/imap-session.ts';
import { listNew } from '../../src/transports/imap-smtp/list-new.ts';
import { capturingLog } from '../support/capturing-log.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { emulatorMailServers, outlookToken } from '../support/mail-token.ts';
import { migratedDatabase } from '../support/migration-database.ts';

// The listing reads the next window from the socket while the window before it commits (list-new.ts):
// waiting for the commit there made reading and storing take turns, half of the PostgreSQL listing's time.
// Here the first commit is held until the second window's UID FETCH has been sent: a listing that waits
// for the commit before it sends the FETCH never gets there, and the test fails on its timeout.

const MEGAN = `megan@${DEMO.domain}`;
const FOLDER = 'Archive';
/**
 * Four messages listed two by two: the second batch's reply names only its parent of the first batch,
 * whose own thread is named after an older message not in the folder. (Here the first batch commits as
 * soon as the second begins, so the reply may find its parent either way; store-listed.test.ts holds the
 * first commit until the second batch has resolved its threads.)
 */
const THREADS = 'Threads';
const THREAD_MESSAGES = [
  ['<parent@contoso.test>', 'References: <ancient@contoso.test>\r\n', 'Parent'],
  ['<other@contoso.test>', '', 'Other'],
  ['<reply@contoso.test>', 'In-Reply-To: <parent@contoso.test>\r\n', 'Re: Parent'],
  ['<later@contoso.test>', '', 'Later'],
].map(
  ([id, refs, subject]) =>
    `From: Ada <ada@contoso.test>\r\nTo: ${MEGAN}\r\nSubject: ${subject}\r\nMessage-ID: ${id}\r\n${refs}Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nHello\r\n`,
);

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
  const seeded = await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: FOLDER, count: 6 });
  assert.equal(seeded.status, 201);
  const threads = await control(emu, 'POST', '/mail/seed', {
    address: MEGAN,
    folder: THREADS,
    messages: THREAD_MESSAGES,
  });
  assert.equal(threads.status, 201);
});
after(async () => {
  await emu?.stop();
});

/**
 * `db` whose first transaction starts only once `open` resolves; every other use is the database's own.
 * (Kysely keeps its state in private fields: its methods are called on the database itself.)
 */
const firstTransactionHeld = (db: Db, open: Promise<void>, onHeld: () => void): Db => {
  let held = false;
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop !== 'transaction' || held) return typeof value === 'function' ? value.bind(target) : value;
      held = true;
      return () => {
        const builder = target.transaction();
        return {
          execute: async <T>(fn: (trx: Db) => Promise<T>): Promise<T> => {
            onHeld();
            await open;
            return builder.execute(fn);
          },
        };
      };
    },
  });
};

/**
 * Runs `list` on a session of Megan's with `folder` selected and a blob folder of its own, then lets go of
 * all three.
 */
const inFolder = async <T>(
  folder: string,
  list: (client: ImapFlow, target: { path: string; uidValidity: number }, blobs: BlobStore) => Promise<T>,
): Promise<T> => {
  const blobDir = mkdtempSync(join(tmpdir(), 'mailroom-overlap-'));
  const client = await openImap(emulatorMailServers(emu), {
    user: MEGAN,
    accessToken: await outlookToken(emu, MEGAN),
  });
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      const mailbox = client.mailbox;
      assert.ok(mailbox);
      return await list(
        client,
        { path: folder, uidValidity: Number(mailbox.uidValidity) },
        createFileBlobStore(blobDir),
      );
    } finally {
      lock.release();
    }
  } finally {
    await closeImap(client);
    rmSync(blobDir, { recursive: true, force: true });
  }
};

for (const kind of DATABASES) {
  describe(`the listing's windows on ${kind}`, () => {
    const database = migratedDatabase(kind);

    test('the next window’s FETCH is sent while the window before it commits', {
      timeout: 20_000,
    }, async () => {
      const db = database();
      const mailboxId = (
        await insertMailbox(db, { kind: 'system', ownerUserId: null, label: 'Overlap', address: MEGAN })
      ).id;
      await inFolder(FOLDER, async (client, folder, blobs) => {
        // Every UID FETCH the session sends, counted where it leaves for the server.
        const socket = (client as unknown as { writeSocket: Writable }).writeSocket;
        const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
        let fetches = 0;
        let secondFetchSent: () => void = () => undefined;
        const secondFetch = new Promise<void>((resolve) => {
          secondFetchSent = resolve;
        });
        socket.write = ((chunk: unknown, ...rest: unknown[]) => {
          if (/^\S+ UID FETCH /.test(String(chunk)) && ++fetches === 2) secondFetchSent();
          return write(chunk, ...rest);
        }) as typeof socket.write;
        let fetchesWhenHeld = -1;
        const { log } = capturingLog();
        const result = await listNew(
          {
            db: firstTransactionHeld(db, secondFetch, () => {
              fetchesWhenHeld = fetches;
            }),
            blobs,
            log,
          },
          client,
          { mailboxId, ...folder, storedBefore: 0 },
          [1, 2, 3, 4, 5, 6],
          { batchSize: 2 },
        );
        assert.equal(fetchesWhenHeld, 1, 'the first batch commits during the first window');
        assert.equal(fetches, 3, 'one UID FETCH per window of two');
        assert.deepEqual(result, { fetched: 6, created: 6 });
        const state = await db
          .selectFrom('folder_sync_state')
          .select(['uid_next', 'stored_messages'])
          .where('mailbox_id', '=', mailboxId)
          .executeTakeFirstOrThrow();
        assert.deepEqual(
          { uidNext: Number(state.uid_next), stored: Number(state.stored_messages) },
          { uidNext: 7, stored: 6 },
        );
      });
    });
  });
}

/**
 * `db` whose first transaction, its work done, commits only once a second transaction has begun (and, with
 * `refuse`, throws instead of committing, as a batch the server refuses).
 */
const firstCommitAfterSecondBegins = (db: Db, refuse: boolean): Db => {
  let transactions = 0;
  let secondBegan: () => void = () => undefined;
  const second = new Promise<void>((resolve) => {
    secondBegan = resolve;
  });
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop !== 'transaction') return typeof value === 'function' ? value.bind(target) : value;
      return () => {
        const n = ++transactions;
        if (n === 2) secondBegan();
        const builder = target.transaction();
        if (n !== 1) return builder;
        return {
          execute: <T>(fn: (trx: Db) => Promise<T>): Promise<T> =>
            builder.execute(async (trx) => {
              const result = await fn(trx);
              await second;
              if (refuse) throw new Error('the first batch is refused');
              return result;
            }),
        };
      };
    },
  });
};

describe('the listing on postgres: a batch is written while the one before it commits', () => {
  const database = migratedDatabase('postgres');

  const listThreads = async (db: Db, refuse: boolean) => {
    const mailboxId = (
      await insertMailbox(db, {
        kind: 'system',
        ownerUserId: null,
        label: `Threads ${refuse}`,
        address: `threads-${refuse}@contoso.test`,
      })
    ).id;
    const listing = await inFolder(THREADS, (client, folder, blobs) => {
      const { log } = capturingLog();
      return listNew(
        { db: firstCommitAfterSecondBegins(db, refuse), blobs, log },
        client,
        { mailboxId, ...folder, storedBefore: 0 },
        [1, 2, 3, 4],
        { batchSize: 2 },
      ).then(
        (r) => ({ ok: r }),
        (e: unknown) => ({ error: e }),
      );
    });
    return { mailboxId, listing };
  };

  test('the second batch begins before the first commits; its reply joins the thread of its parent', {
    timeout: 20_000,
  }, async () => {
    const db = database();
    const { mailboxId, listing } = await listThreads(db, false);
    assert.deepEqual(listing, { ok: { fetched: 4, created: 4 } });
    const rows = await db
      .selectFrom('messages')
      .select(['message_id', 'thread_id'])
      .where('mailbox_id', '=', mailboxId)
      .execute();
    const thread = new Map(rows.map((r) => [r.message_id, r.thread_id]));
    assert.equal(thread.size, 4);
    assert.equal(thread.get('reply@contoso.test'), thread.get('parent@contoso.test'));
    assert.notEqual(thread.get('other@contoso.test'), thread.get('parent@contoso.test'));
    assert.equal((await loadCursor(db, mailboxId, THREADS))?.uidNext, 5);
  });

  test('a first batch refused fails the second with it: nothing stored, the cursor where it was', {
    timeout: 20_000,
  }, async () => {
    const db = database();
    const { mailboxId, listing } = await listThreads(db, true);
    assert.ok('error' in listing && (listing.error as Error).message === 'the first batch is refused');
    const stored = await db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('mailbox_id', '=', mailboxId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), 0);
    assert.equal(await loadCursor(db, mailboxId, THREADS), null);
  });
});
