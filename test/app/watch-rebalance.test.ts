import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { leaseHolder } from '../../src/jobs/lease.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { configureForMail } from '../support/mailbox-setup.ts';
import { connectMailboxWithTokens } from '../support/token-mailbox.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWatchWorker, type WatchWorker } from '../support/watch-worker.ts';

const MAILBOXES = 8;
/**
 * A long lease (the most allowed): a take-over within a few seconds is then the stopping worker's release
 * and the rescan, not the lease running out.
 */
const LEASE_SECONDS = 30;

type Worker = WatchWorker;

interface SessionCounts {
  totals: { highestPeak: number };
  mailboxes: { address: string; sessions: number; idling: number }[];
}

for (const kind of DATABASES) {
  describe(`watches rebalanced over workers on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    const ids: string[] = [];
    const addressOf = new Map<string, string>();

    const startWorker = (): Promise<Worker> =>
      startWatchWorker(app, emu, { cap: 50, leaseSeconds: LEASE_SECONDS });

    /** The emulator's sessions per mailbox; asserts on the way that none has two watchers (IDLE sessions). */
    const sessions = async (): Promise<SessionCounts> => {
      const body = (await control(emu, 'GET', '/mail/sessions')).body as SessionCounts;
      for (const m of body.mailboxes) assert.ok(m.idling <= 1, `${m.address} watched twice`);
      return body;
    };

    /** Waits until each mailbox is watched once, by the leases, the workers and the IMAP server. */
    const watchedOnce = (workers: readonly Worker[], ms: number, also: () => boolean = () => true) =>
      waitFor(
        async () => {
          const seen = workers.flatMap((w) => w.watching());
          if (new Set(seen).size !== seen.length || seen.length !== MAILBOXES || !also()) return false;
          for (const w of workers)
            for (const id of w.watching())
              if ((await leaseHolder(app.mailroom.deps.db, `watch:${id}`)) !== w.owner) return false;
          const idling = new Map((await sessions()).mailboxes.map((m) => [m.address, m.idling]));
          return ids.every((id) => idling.get(addressOf.get(id)!) === 1);
        },
        ms,
        'every mailbox watched once',
      );

    const deliver = async (id: string, subject: string) =>
      control(emu, 'POST', '/mail/seed', {
        address: addressOf.get(id),
        folder: 'INBOX',
        messages: [
          `From: someone@example.net\r\nTo: ${addressOf.get(id)}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W+/g, '-')}@example.net>\r\n\r\nHello\r\n`,
        ],
      });
    const listed = (subjects: readonly string[], ms: number) =>
      waitFor(
        async () => {
          const rows = await app.mailroom.deps.db
            .selectFrom('messages')
            .select('subject')
            .where('subject', 'in', subjects)
            .execute();
          return new Set(rows.map((r) => r.subject)).size === subjects.length;
        },
        ms,
        'the messages delivered during the handover listed',
      );

    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app, { tenant: 'organizations', allowedTenantIds: [DEMO.tenantId] });
      const owner = await app.mailroom.deps.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', ADMIN.email)
        .executeTakeFirstOrThrow();
      for (let i = 0; i < MAILBOXES; i++) {
        const upn = `spread${i}@${DEMO.domain}`;
        const id = await connectMailboxWithTokens(emu, app, {
          upn,
          password: 'Spread-pass-1',
          ownerUserId: owner.id,
          seed: 1,
        });
        ids.push(id);
        addressOf.set(id, upn.toLowerCase());
      }
    });
    beforeEach(async () => {
      await control(emu, 'POST', '/mail/sessions/reset-peaks');
    });
    after(async () => {
      await app?.stop();
      await emu?.stop();
    });

    test('a worker that joins later gets its share, a few at a time, and no mail is missed meanwhile', async () => {
      const a = await startWorker();
      let b: Worker | null = null;
      try {
        await watchedOnce([a], 20_000);
        b = await startWorker();
        const joiner = b;
        // Every mailbox A gives up gets a message at once, while nobody or the taker's new session watches it.
        const subjects: string[] = [];
        const handedOver = new Set<string>();
        const following = setInterval(() => {
          for (const id of ids)
            if (!a.watching().includes(id) && !handedOver.has(id)) {
              handedOver.add(id);
              const subject = `Handover ${id} ${Date.now()}`;
              subjects.push(subject);
              void deliver(id, subject);
            }
        }, 20);
        try {
          // An even share of 4 each, give or take the slack of one.
          await watchedOnce(
            [a, joiner],
            30_000,
            () => a.watching().length <= 5 && joiner.watching().length >= 3,
          );
        } finally {
          clearInterval(following);
        }
        assert.ok(handedOver.size >= 3, `${handedOver.size} mailboxes handed over`);
        assert.ok(a.lines.some((l) => l.event === 'watch.rebalanced'));
        await listed(subjects, 20_000);
        // Settled: nothing moves any more (the next rescans find both within their share).
        const held = joiner.watching().sort();
        await waitFor(async () => (await sessions()).totals.highestPeak <= 2, 1_000, 'at most two sessions');
        assert.deepEqual(joiner.watching().sort(), held);
      } finally {
        await b?.stop();
        await a.stop();
      }
      assert.ok((await sessions()).totals.highestPeak <= 2, 'never more than two sessions on one mailbox');
    });

    test('a worker stopped cleanly: the other watches all its mailboxes within seconds, well before its leases would expire', async () => {
      const a = await startWorker();
      const b = await startWorker();
      try {
        await watchedOnce([a, b], 30_000, () => a.watching().length > 0 && b.watching().length > 0).catch(
          (error: unknown) => {
            console.error(
              JSON.stringify({
                a: a.watching(),
                b: b.watching(),
                la: a.lines.map((l) => l.event),
                lb: b.lines.map((l) => l.event),
              }),
            );
            throw error;
          },
        );
        const subjects = a.watching().map((id) => `After stop ${id} ${Date.now()}`);
        const fromA = a.watching();
        const stoppedAt = Date.now();
        await a.stop();
        for (const [i, id] of fromA.entries()) await deliver(id, subjects[i]!);
        await watchedOnce([b], 10_000);
        const tookMs = Date.now() - stoppedAt;
        assert.ok(tookMs < LEASE_SECONDS * 1000 - 10_000, `taken over after ${tookMs} ms`);
        await listed(subjects, 20_000);
      } finally {
        await a.stop();
        await b.stop();
      }
      assert.ok((await sessions()).totals.highestPeak <= 2, 'never more than two sessions on one mailbox');
    });
  });
}
