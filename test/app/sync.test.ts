import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { getAccessToken } from '../../src/mailboxes/access-token.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { setLocalFlags } from '../../src/reading/local-flags.ts';
import { type SyncDeps, syncMailbox } from '../../src/sync/sync-mailbox.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { inEmulatorFolder, outlookToken } from '../support/mail-token.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../support/mailbox-setup.ts';
import { storeCounts } from '../support/store-counts.ts';
import { waitFor } from '../support/wait-for.ts';

// Each database gets its own emulator: the tests count what is in the server's folders.
let emu: RunningEmulator;

const serverClient = async () => {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.port,
    secure: false,
    auth: { user: MEGAN, accessToken: await outlookToken(emu, MEGAN) },
    logger: false,
  });
  await client.connect();
  return client;
};

for (const kind of DATABASES) {
  describe(`mail sync on ${kind}`, () => {
    let app: TestApp;
    let deps: SyncDeps;
    let mailboxId: string;
    const sync = async () => syncMailbox(deps, (await findMailbox(deps.db, mailboxId))!);
    const counts = (path?: string) => storeCounts(deps.db, mailboxId, path);
    const select = async (paths: string[]) => {
      const res = await fetch(`${app.url}/api/mailboxes/${mailboxId}/folders`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ selected: paths }),
      });
      assert.equal(res.status, 200, await res.clone().text());
    };
    let apiToken: string;

    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app);
      await createDemoPeople(app);
      apiToken = await createApiToken(
        app.mailroom.deps.db,
        (await findUserByEmail(app.mailroom.deps.db, MEGAN))!.id,
        'megan',
      );
      mailboxId = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
      );
      deps = app.mailroom.deps;
    });
    after(async () => {
      await app?.stop();
      await emu?.stop();
    });

    test('a 2,000-message folder syncs completely, with no duplicates, and a second sync fetches nothing', async () => {
      const seeded = await control(emu, 'POST', '/mail/seed', {
        address: MEGAN,
        folder: 'Archive',
        count: 2000,
      });
      assert.equal(seeded.status, 201);
      await select(['INBOX', 'Archive']);
      const before = await counts();
      const result = await sync();
      assert.equal(result.Archive?.fetched, 2000);
      const after = await counts('Archive');
      assert.equal(after.locations, 2000);
      assert.equal(after.messages - before.messages, 2000);
      assert.equal(after.duplicates, 0);
      const again = await sync();
      assert.equal(again.Archive?.fetched, 0);
      assert.equal((await counts()).messages, after.messages);
      const state = await deps.db
        .selectFrom('folder_sync_state')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'Archive')
        .executeTakeFirstOrThrow();
      assert.equal(state.stored_messages, 2000);
      assert.equal(state.status, 'idle');
    });

    test('flags and deletions on the server reach Mailroom', async () => {
      const client = await serverClient();
      try {
        const lock = await client.getMailboxLock('Archive');
        await client.messageFlagsAdd('1:10', ['\\Seen', '\\Flagged'], { uid: true });
        await client.messageDelete('11:15', { uid: true });
        lock.release();
      } finally {
        await client.logout();
      }
      const before = await counts('Archive');
      const result = await sync();
      assert.equal(result.Archive?.removed, 5);
      assert.ok((result.Archive?.flagsChanged ?? 0) >= 10);
      const seen = await deps.db
        .selectFrom('message_locations')
        .select('uid')
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'Archive')
        .where('seen', '=', 1)
        .where('flagged', '=', 1)
        .execute();
      assert.deepEqual(
        seen.map((r) => r.uid).sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      const after = await counts('Archive');
      assert.equal(after.locations, before.locations - 5);
      assert.equal(after.messages, before.messages - 5, 'messages with no location left are gone');
    });

    test('a changed UIDVALIDITY resyncs the folder without duplicates, and keeps a read mark not yet pushed', async () => {
      const before = await counts();
      // Marked read in Mailroom just before: the change is pending, not yet on the server.
      const copy = await deps.db
        .selectFrom('message_locations')
        .select(['message_id', 'uid'])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'Archive')
        .where('seen', '=', 0)
        .orderBy('uid')
        .executeTakeFirstOrThrow();
      await setLocalFlags(deps.db, mailboxId, copy.message_id, { seen: true });
      await control(emu, 'POST', '/mail/reset-uidvalidity', { address: MEGAN, folder: 'Archive' });
      const result = await sync();
      assert.equal(result.Archive?.reset, true);
      const after = await counts();
      assert.equal(after.messages, before.messages);
      assert.equal(after.locations, before.locations);
      assert.equal(after.duplicates, 0);
      const back = await deps.db
        .selectFrom('message_locations')
        .select(['uid', 'seen', 'pending_flags'])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'Archive')
        .where('message_id', '=', copy.message_id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([back.seen, back.pending_flags], [1, null], 'still read, and pushed');
      const onServer = await inEmulatorFolder(emu, MEGAN, 'Archive', async (client) =>
        client.fetchOne(String(back.uid), { flags: true }, { uid: true }),
      );
      const serverFlags = onServer === false ? undefined : onServer.flags;
      assert.ok(serverFlags?.has('\\Seen'), 'the server has it too');
    });

    test('BYE Session invalidated - AccessTokenExpired mid-sync: refresh and resume, nothing twice, nothing missed', async () => {
      await control(emu, 'PUT', '/lifetimes', { accessTokenLifetimeSec: 600 });
      await getAccessToken(deps, mailboxId, { force: true });
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'Junk Email', count: 1200 });
      await select(['INBOX', 'Archive', 'Junk Email']);
      const tokensBefore = emu.ctx.dir.issuedTokens.filter((t) => t.kind === 'access_token').length;
      const running = sync();
      // Once some messages are in, the token expires inside the live session.
      for (let i = 0; i < 200; i++) {
        const state = await deps.db
          .selectFrom('folder_sync_state')
          .select('stored_messages')
          .where('mailbox_id', '=', mailboxId)
          .where('path', '=', 'Junk Email')
          .executeTakeFirst();
        if ((state?.stored_messages ?? 0) >= 100) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await control(emu, 'POST', '/clock', { advanceSeconds: 3600 });
      try {
        await running;
      } finally {
        await control(emu, 'POST', '/clock', { offsetMs: 0 });
        await control(emu, 'PUT', '/lifetimes', { accessTokenLifetimeSec: null });
      }
      const junk = await counts('Junk Email');
      assert.equal(junk.locations, 1200);
      assert.equal(junk.duplicates, 0);
      assert.ok(
        emu.ctx.dir.issuedTokens.filter((t) => t.kind === 'access_token').length > tokensBefore,
        'a fresh token was taken',
      );
    });

    test('a connection cut mid-batch resumes from the cursor: no duplicate, no gap', async () => {
      // Enough that the cut lands while the listing streams (batches grow to 1,000 UIDs per FETCH).
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'Deleted Items', count: 3000 });
      await select(['INBOX', 'Archive', 'Junk Email', 'Deleted Items']);
      const running = sync();
      const storedAtCut = await waitFor(
        async () => {
          const state = await deps.db
            .selectFrom('folder_sync_state')
            .select('stored_messages')
            .where('mailbox_id', '=', mailboxId)
            .where('path', '=', 'Deleted Items')
            .executeTakeFirst();
          return (state?.stored_messages ?? 0) >= 150 ? (state?.stored_messages ?? 0) : null;
        },
        10_000,
        'the first batches of the folder stored',
      );
      const cut = (await control(emu, 'POST', '/mail/cut-sessions', { address: MEGAN })).body.cut;
      assert.equal(cut, 1, 'the sync session was cut while it ran');
      assert.ok(storedAtCut < 3000, `cut while the folder was being listed (${storedAtCut} of 3000 stored)`);
      await running;
      const trash = await counts('Deleted Items');
      assert.equal(trash.locations, 3000);
      assert.equal(trash.duplicates, 0);
    });

    test('throttling mid-sync waits the suggested time and completes', async () => {
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'Drafts', count: 300 });
      await select(['INBOX', 'Archive', 'Junk Email', 'Deleted Items', 'Drafts']);
      await control(emu, 'PUT', '/faults/imap-throttle', { backoffMs: 200, mailbox: MEGAN, count: 3 });
      await sync();
      const drafts = await counts('Drafts');
      assert.equal(drafts.locations, 300);
      assert.equal(drafts.duplicates, 0);
    });

    test('malformed messages and a 20 MB attachment are stored as well as they can be without failing the sync', async () => {
      const messages = [
        'From: a@example.net\r\nSubject: =?x-unknown?B?SGVsbG8=?=\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nBody in an unknown charset\r\n',
        'From: b@example.net\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary="zzz"\r\n\r\n--zzz\r\nContent-Type: text/plain\r\n\r\nno closing boundary\r\n',
        'From: c@example.net\r\nSubject: no message id\r\n\r\nplain\r\n',
        'From: D\u00fcrst <d@example.net>\r\nSubject: 8-bit \u00e9t\u00e9\r\n\r\nraw utf-8 headers\r\n',
      ];
      // A 20 MB attachment, base64 in the message (~27 MB on the wire).
      const big = Buffer.alloc(20 * 1024 * 1024, 7)
        .toString('base64')
        .replace(/.{76}/g, '$&\r\n');
      messages.push(
        `From: e@example.net\r\nSubject: big attachment\r\nMessage-ID: <big@example.net>\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\nContent-Type: application/octet-stream; name="big.bin"\r\nContent-Disposition: attachment; filename="big.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${big}\r\n--b1--\r\n`,
      );
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', messages });
      await sync();
      const attachment = await deps.db
        .selectFrom('attachments')
        .innerJoin('messages', 'messages.id', 'attachments.message_id')
        .select(['attachments.size', 'attachments.filename'])
        .where('messages.subject', '=', 'big attachment')
        .executeTakeFirstOrThrow();
      assert.equal(attachment.size, 20 * 1024 * 1024);
      assert.equal(attachment.filename, 'big.bin');
      const subjects = (
        await deps.db
          .selectFrom('messages')
          .select(['subject', 'parse_warnings'])
          .where('mailbox_id', '=', mailboxId)
          .execute()
      ).map((r) => r.subject);
      assert.ok(subjects.includes('broken'));
      assert.ok(subjects.includes('no message id'));
      assert.ok(
        subjects.some((s) => s.includes('été')),
        'the 8-bit subject decoded',
      );
    });
  });
}
