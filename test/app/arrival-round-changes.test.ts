import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { createArrivalRounds } from '../../src/sync/arrival-round.ts';
import { runMailboxSync } from '../../src/sync/run-sync.ts';
import { transportFor } from '../../src/transports/transport-for.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { inEmulatorFolder } from '../support/mail-token.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../support/mailbox-setup.ts';
import { waitFor } from '../support/wait-for.ts';

// An arrival round lists new mail alone; flags and deletions come with a round the server's untagged
// FETCH or EXPUNGE during IDLE starts, or with the next whole sync. Nothing is lost either way.
for (const kind of DATABASES) {
  describe(`flags and deletions beside the arrival rounds on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    let mailboxId: string;
    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app);
      await createDemoPeople(app);
      mailboxId = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
      );
      assert.equal((await runMailboxSync(app.mailroom.deps, mailboxId)).kind, 'synced');
    });
    after(async () => {
      await app?.stop();
      await emu?.stop();
    });

    const deliver = async (subject: string) => {
      const raw = `From: someone@example.net\r\nTo: ${MEGAN}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replaceAll(' ', '-')}@example.net>\r\n\r\nHello\r\n`;
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', messages: [raw] });
    };
    /** The Inbox copy of the message with `subject`: its UID and flags; undefined when not (or no longer) listed. */
    const copy = (subject: string) =>
      app.mailroom.deps.db
        .selectFrom('message_locations as l')
        .innerJoin('messages as m', 'm.id', 'l.message_id')
        .select(['l.uid', 'l.seen', 'l.flagged'])
        .where('l.mailbox_id', '=', mailboxId)
        .where('l.path', '=', 'INBOX')
        .where('m.subject', '=', subject)
        .executeTakeFirst();
    const inboxState = () =>
      app.mailroom.deps.db
        .selectFrom('folder_sync_state')
        .select(['uid_next', 'highest_modseq'])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'INBOX')
        .executeTakeFirstOrThrow();
    /** Another client of the mailbox (Outlook, a phone) changing the Inbox on the server. */
    const onServer = (change: (client: ImapFlow) => Promise<unknown>) =>
      inEmulatorFolder(emu, MEGAN, 'INBOX', change);
    const idling = async () =>
      ((await control(emu, 'GET', `/mail/sessions?address=${MEGAN}`)).body.totals as { idling: number })
        .idling === 1;
    /** Watches the Inbox with arrival rounds until the returned stop is called; counts the job fallbacks. */
    const watch = async () => {
      const deps = app.mailroom.deps;
      const fallbacks: string[] = [];
      const counts = { newMail: 0 };
      const rounds = createArrivalRounds(deps, {
        concurrency: 2,
        leaseMs: 30_000,
        fallback: (id) => fallbacks.push(id),
      });
      const mailbox = (await findMailbox(deps.db, mailboxId))!;
      const signal = new AbortController();
      const watching = transportFor(deps, mailbox).watch(
        { onOpened: () => {}, onNewMail: () => counts.newMail++, onArrival: rounds(mailbox) },
        { signal: signal.signal, opening: (open) => open() },
      );
      await waitFor(idling, 10_000, 'the Inbox watched');
      return {
        fallbacks,
        counts,
        stop: async () => {
          signal.abort();
          assert.equal(await watching, true);
        },
      };
    };

    test('a round lists the new mail alone; the next whole sync still finds a flag changed before it', async () => {
      const older = `Before the watch ${Date.now()}`;
      await deliver(older);
      assert.equal((await runMailboxSync(app.mailroom.deps, mailboxId)).kind, 'synced');
      const { uid } = (await copy(older))!;
      // Changed while nobody watched: no session was told of it.
      await onServer((client) => client.messageFlagsAdd(String(uid), ['\\Flagged'], { uid: true }));
      const before = await inboxState();
      const watching = await watch();
      try {
        const fresh = `Arrival alone ${Date.now()}`;
        await deliver(fresh);
        await waitFor(() => copy(fresh), 5_000, 'the delivery listed on the watching session');
        assert.equal((await copy(older))?.flagged, 0, 'the round read no flags of the folder');
        const state = await inboxState();
        assert.ok(state.uid_next > before.uid_next, 'the cursor moved past the new mail');
        assert.equal(state.highest_modseq, before.highest_modseq, 'HIGHESTMODSEQ kept for CHANGEDSINCE');
        assert.deepEqual(watching.fallbacks, []);
        assert.equal(watching.counts.newMail, 0, 'the delivery not sent to a job');
      } finally {
        await watching.stop();
      }
      assert.equal((await runMailboxSync(app.mailroom.deps, mailboxId)).kind, 'synced');
      assert.equal(
        (await copy(older))?.flagged,
        1,
        'the whole sync read the flag from the old HIGHESTMODSEQ',
      );
    });

    test('a flag change and an expunge told during IDLE reach Mailroom on the watching session', async () => {
      const kept = `Flagged on a phone ${Date.now()}`;
      const gone = `Deleted on a phone ${Date.now()}`;
      const watching = await watch();
      try {
        await deliver(kept);
        await deliver(gone);
        await waitFor(async () => (await copy(kept)) && (await copy(gone)), 5_000, 'both listed');
        const keptUid = (await copy(kept))!.uid;
        const goneUid = (await copy(gone))!.uid;
        assert.equal((await copy(kept))?.seen, 0);
        await onServer(async (client) => {
          await client.messageFlagsAdd(String(keptUid), ['\\Seen'], { uid: true });
          await client.messageDelete(String(goneUid), { uid: true });
        });
        await waitFor(async () => (await copy(kept))?.seen === 1, 5_000, 'the flag change listed');
        await waitFor(async () => (await copy(gone)) === undefined, 5_000, 'the expunged message gone');
        assert.deepEqual(watching.fallbacks, []);
        assert.equal(watching.counts.newMail, 0, 'no job: the watching session did it');
        await waitFor(idling, 5_000, 'idling again after the rounds');
      } finally {
        await watching.stop();
      }
    });

    test('the Inbox cursor not current: the round sends the whole sync to a job and lists nothing', async () => {
      await app.mailroom.deps.db
        .deleteFrom('folder_sync_state')
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'INBOX')
        .execute();
      const watching = await watch();
      const subject = `No cursor ${Date.now()}`;
      try {
        await deliver(subject);
        await waitFor(async () => watching.fallbacks.length >= 1, 5_000, 'the round sent to a job');
        assert.equal(await copy(subject), undefined, 'nothing listed from a cursor that is not there');
        assert.deepEqual(new Set(watching.fallbacks), new Set([mailboxId]));
      } finally {
        await watching.stop();
      }
      // What the job does: the whole Inbox listed again from UID 1, the copies already stored kept.
      assert.equal((await runMailboxSync(app.mailroom.deps, mailboxId)).kind, 'synced');
      assert.ok(await copy(subject));
    });
  });
}
