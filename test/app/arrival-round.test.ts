import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { claimLease, leaseHolder } from '../../src/jobs/lease.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { createArrivalRounds } from '../../src/sync/arrival-round.ts';
import { runMailboxSync } from '../../src/sync/run-sync.ts';
import { transportFor } from '../../src/transports/transport-for.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../support/mailbox-setup.ts';
import { waitFor } from '../support/wait-for.ts';

for (const kind of DATABASES) {
  describe(`new mail listed on the watching session on ${kind}`, () => {
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
    const listed = (subject: string) =>
      app.mailroom.deps.db
        .selectFrom('messages')
        .select('id')
        .where('subject', '=', subject)
        .executeTakeFirst();
    const sessions = async () =>
      (await control(emu, 'GET', `/mail/sessions?address=${MEGAN}`)).body.totals as {
        sessions: number;
        idling: number;
        highestPeak: number;
      };
    /** Watches the Inbox with `rounds` until `stop` aborts or the session ends; counts the job fallbacks. */
    const watch = async (
      rounds: ReturnType<typeof createArrivalRounds>,
      stop: AbortController,
      counts: { newMail: number },
    ) => {
      const deps = app.mailroom.deps;
      const mailbox = (await findMailbox(deps.db, mailboxId))!;
      return transportFor(deps, mailbox).watch(
        { onOpened: () => {}, onNewMail: () => counts.newMail++, onArrival: rounds(mailbox) },
        { signal: stop.signal, opening: (open) => open() },
      );
    };

    test('mail that came unwatched, then a delivery, are listed on the watching session: no second session, no job', async () => {
      const fallbacks: string[] = [];
      const rounds = createArrivalRounds(app.mailroom.deps, {
        concurrency: 2,
        leaseMs: 30_000,
        fallback: (id) => fallbacks.push(id),
      });
      const unwatched = `While nobody watched ${Date.now()}`;
      await deliver(unwatched);
      await control(emu, 'POST', '/mail/sessions/reset-peaks');
      const stop = new AbortController();
      const counts = { newMail: 0 };
      const watching = watch(rounds, stop, counts);
      try {
        await waitFor(async () => (await sessions()).idling === 1, 10_000, 'the Inbox watched');
        assert.ok(await listed(unwatched), 'listed by the round the session ran before its first IDLE');
        const subject = `On the watch ${Date.now()}`;
        await deliver(subject);
        await waitFor(() => listed(subject), 5_000, 'the delivery listed');
        assert.equal((await sessions()).highestPeak, 1, 'one session on the mailbox: the watching one');
        assert.deepEqual(fallbacks, []);
        assert.equal(counts.newMail, 0, 'nothing sent to the job queue');
        await waitFor(async () => (await sessions()).idling === 1, 5_000, 'idling again after the round');
      } finally {
        stop.abort();
        assert.equal(await watching, true);
      }
    });

    test('the sync lease held elsewhere: the round goes to a job and lists nothing itself', async () => {
      const deps = app.mailroom.deps;
      const fallbacks: string[] = [];
      const rounds = createArrivalRounds(deps, {
        concurrency: 2,
        leaseMs: 30_000,
        fallback: (id) => fallbacks.push(id),
      });
      const held = await claimLease(deps, `sync:${mailboxId}`, { ttlMs: 30_000 });
      assert.ok(held);
      const stop = new AbortController();
      const watching = watch(rounds, stop, { newMail: 0 });
      try {
        await waitFor(async () => (await sessions()).idling === 1, 10_000, 'the Inbox watched');
        // The round the session ran as it opened found the lease held too.
        assert.deepEqual(fallbacks, [mailboxId]);
        const subject = `Lease held ${Date.now()}`;
        await deliver(subject);
        await waitFor(async () => fallbacks.length >= 2, 5_000, 'the delivery sent to a job');
        assert.equal(await listed(subject), undefined, 'not listed beside the lease holder');
        assert.deepEqual(new Set(fallbacks), new Set([mailboxId]));
      } finally {
        stop.abort();
        await watching;
        await held.release();
      }
    });

    test('a round past its time is cut: the session closed, a job goes on, the slot freed', async () => {
      const deps = app.mailroom.deps;
      const fallbacks: string[] = [];
      // One slot: a round that kept it would block the next watch's first round for good.
      const rounds = createArrivalRounds(deps, {
        concurrency: 1,
        leaseMs: 30_000,
        timeoutMs: 1,
        fallback: (id) => fallbacks.push(id),
      });
      for (const round of [1, 2]) {
        // The round the session runs as it opens, for this delivery, is cut at once: the session ends
        // before its first IDLE, and the watch with it.
        await deliver(`Cut ${round} ${Date.now()}`);
        const stop = new AbortController();
        const watching = watch(rounds, stop, { newMail: 0 });
        const ended = await Promise.race([
          watching,
          new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 15_000).unref()),
        ]);
        stop.abort();
        assert.equal(ended, true, `watch ${round} ended, to be renewed`);
        assert.equal(fallbacks.length, round, 'the rest sent to a job');
        assert.equal(await leaseHolder(deps.db, `sync:${mailboxId}`), null, 'the sync lease released');
      }
      await waitFor(async () => (await sessions()).sessions === 0, 10_000, 'no session left open');
    });
  });
}
