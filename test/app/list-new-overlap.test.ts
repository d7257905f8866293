import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import type { Db } from '../../src/db/database.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { createFileBlobStore } from '../../src/messages/blob-store.ts';
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

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
  const seeded = await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: FOLDER, count: 6 });
  assert.equal(seeded.status, 201);
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
      const blobDir = mkdtempSync(join(tmpdir(), 'mailroom-overlap-'));
      const client = await openImap(emulatorMailServers(emu), {
        user: MEGAN,
        accessToken: await outlookToken(emu, MEGAN),
      });
      try {
        const lock = await client.getMailboxLock(FOLDER);
        try {
          const mailbox = client.mailbox;
          assert.ok(mailbox);
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
              blobs: createFileBlobStore(blobDir),
              log,
            },
            client,
            { mailboxId, path: FOLDER, uidValidity: Number(mailbox.uidValidity), storedBefore: 0 },
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
        } finally {
          lock.release();
        }
      } finally {
        await closeImap(client);
        rmSync(blobDir, { recursive: true, force: true });
      }
    });
  });
}
