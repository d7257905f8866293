import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { leaseHolder } from '../../src/jobs/lease.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { configureForMail } from '../support/mailbox-setup.ts';
import { msBrowser } from '../support/ms-signin.ts';
import { connectMailboxWithTokens } from '../support/token-mailbox.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWatchWorker, type WatchWorker } from '../support/watch-worker.ts';

const MAILBOXES = 6;
/** Short leases, so take-overs are driven by the lease clock in seconds rather than minutes. */
const LEASE_SECONDS = 5;

/** IMAP sessions per mailbox on the server (the emulator counts them), and the most one had at once. */
const sessionsOnServer = async (emu: RunningEmulator): Promise<Map<string, number>> => {
  const body = (await control(emu, 'GET', '/mail/sessions')).body as {
    mailboxes: { address: string; sessions: number }[];
  };
  return new Map(body.mailboxes.map((m) => [m.address.toLowerCase(), m.sessions]));
};
const highestPeak = async (emu: RunningEmulator): Promise<number> =>
  ((await control(emu, 'GET', '/mail/sessions')).body as { totals: { highestPeak: number } }).totals
    .highestPeak;

type Worker = WatchWorker;

for (const kind of DATABASES) {
  describe(`watchers spread over workers on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    const ids: string[] = [];
    const addressOf = new Map<string, string>();

    const startWorker = (cap: number, extra: Record<string, string> = {}): Promise<Worker> =>
      startWatchWorker(app, emu, { cap, leaseSeconds: LEASE_SECONDS, extra });

    /** Mailboxes watched now, by the `leases` table: mailbox id → owner. */
    const watchLeases = async (): Promise<Map<string, string>> => {
      const db = app.mailroom.deps.db;
      const held = new Map<string, string>();
      for (const id of ids) {
        const owner = await leaseHolder(db, `watch:${id}`);
        if (owner) held.set(id, owner);
      }
      return held;
    };

    /** Waits until every mailbox has one watcher among `workers`, by the leases and the processes. */
    const allWatchedOnce = (workers: readonly Worker[], ms: number) =>
      waitFor(
        async () => {
          const leases = await watchLeases();
          const seen = workers.flatMap((w) => w.watching());
          if (leases.size !== MAILBOXES || seen.length !== MAILBOXES || new Set(seen).size !== MAILBOXES)
            return false;
          for (const w of workers)
            for (const id of w.watching()) if (leases.get(id) !== w.owner) return false;
          return leases;
        },
        ms,
        'every mailbox watched once',
      );

    /** Waits until each mailbox has exactly `expected` IMAP sessions; none ever more than two. */
    const sessionsSettle = (expected: (id: string) => number, ms: number) =>
      waitFor(
        async () => {
          const counts = await sessionsOnServer(emu);
          for (const id of ids)
            assert.ok(
              (counts.get(addressOf.get(id)!) ?? 0) <= 2,
              `more than two sessions on ${addressOf.get(id)}`,
            );
          return ids.every((id) => (counts.get(addressOf.get(id)!) ?? 0) === expected(id));
        },
        ms,
        'IMAP sessions per mailbox',
      );

    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app, { tenant: 'organizations', allowedTenantIds: [DEMO.tenantId] });
      const { db } = app.mailroom.deps;
      const owner = await db
        .selectFrom('users')
        .select('id')
        .where('email', '=', ADMIN.email)
        .executeTakeFirstOrThrow();
      for (let i = 0; i < MAILBOXES; i++) {
        const upn = `watch${i}@${DEMO.domain}`;
        const id = await connectMailboxWithTokens(emu, app, {
          upn,
          password: 'Watch-pass-1',
          ownerUserId: owner.id,
          seed: 2,
        });
        ids.push(id);
        addressOf.set(id, upn.toLowerCase());
      }
    });
    beforeEach(async () => {
      await control(emu, 'POST', '/mail/sessions/reset-peaks');
    });
    afterEach(async () => {
      // Whatever happened in the test: never more than two sessions on one mailbox (a watcher and a sync).
      assert.ok((await highestPeak(emu)) <= 2, `a mailbox had ${await highestPeak(emu)} sessions at once`);
    });
    after(async () => {
      await app?.stop();
      await emu?.stop();
    });

    test('two workers: every mailbox watched exactly once; one stops, the other takes its mailboxes', async () => {
      const a = await startWorker(10);
      const b = await startWorker(10);
      try {
        await allWatchedOnce([a, b], 20_000);
        // On the server: one session per mailbox once the first syncs are done.
        await sessionsSettle(() => 1, 20_000);

        const fromA = a.watching();
        const stoppedAt = Date.now();
        await a.stop();
        // A stopping worker releases its leases: the other takes them at its next rescan, well within the TTL.
        await allWatchedOnce([b], LEASE_SECONDS * 1000 + 3_000);
        const tookMs = Date.now() - stoppedAt;
        assert.ok(tookMs < 30_000, `taken over after ${tookMs} ms`);
        assert.deepEqual(
          [...(await watchLeases()).values()],
          ids.map(() => b.owner),
        );
        for (const id of fromA) assert.ok(b.watching().includes(id));
        await sessionsSettle(() => 1, 20_000);
      } finally {
        await a.stop();
        await b.stop();
      }
      await sessionsSettle(() => 0, 10_000);
    });

    test('a worker whose lease renewal fails closes its sessions; the other watches its mailboxes within the lease lifetime', async () => {
      const a = await startWorker(10);
      let b: Worker | null = null;
      try {
        await allWatchedOnce([a], 20_000);
        b = await startWorker(10);
        const joiner = b;
        // The other worker takes its share (A gives up its excess), then A keeps the rest.
        await allWatchedOnce([a, joiner], 20_000);
        await waitFor(async () => joiner.watching().length >= 2, 20_000, 'B takes its share');
        await sessionsSettle(() => 1, 20_000);
        assert.ok(a.watching().length > 0, 'A still watches its share');

        // Worker A loses its database (as a process that dies stops renewing): its heartbeat fails.
        await a.loseDatabase();
        const failedAt = Date.now();
        await a.workers.watchers!.renewNow();
        await waitFor(async () => a.watching().length === 0, 5_000, 'A stops watching');
        const lost = a.lines.find((l) => l.event === 'lease.lost' && l.errorCode === 'lease.renewal_failed');
        assert.ok(lost, 'the failed renewal is logged');
        assert.ok((lost?.err as { stack?: string })?.stack, 'logged with its stack');

        // Its leases run out in the database after their lifetime; the other worker takes them then.
        await allWatchedOnce([b], LEASE_SECONDS * 1000 + 5_000);
        const tookMs = Date.now() - failedAt;
        assert.ok(tookMs < 30_000, `taken over after ${tookMs} ms`);
        await sessionsSettle(() => 1, 20_000);
      } finally {
        // Its database is gone, so its stop may fail half-way: its queue and watchers are stopped anyway.
        await a.stop().catch(() => undefined);
        await a.workers.watchers?.stop().catch(() => undefined);
        await a.workers.queue.stop().catch(() => undefined);
        await b?.stop();
      }
    });

    test('a watch lease taken by another process closes the IMAP session it guards', async () => {
      const a = await startWorker(10);
      try {
        await allWatchedOnce([a], 20_000);
        await sessionsSettle(() => 1, 20_000);
        const victim = ids[0]!;
        const db = app.mailroom.deps.db;
        // Another process holds the lease now (as after a stall longer than the lease's lifetime).
        await db
          .updateTable('leases')
          .set({ owner: 'intruder', until: new Date(Date.now() + 60_000).toISOString() })
          .where('name', '=', `watch:${victim}`)
          .execute();
        await a.workers.watchers!.renewNow();
        assert.ok(
          !a.watching().includes(victim) ||
            (await waitFor(async () => !a.watching().includes(victim), 5_000, 'stopped')),
        );
        await sessionsSettle((id) => (id === victim ? 0 : 1), 10_000);
        const lost = a.lines.find(
          (l) =>
            l.event === 'lease.lost' && l.errorCode === 'lease.lost' && String(l.leases).includes(victim),
        );
        assert.ok(lost, 'the lost lease is logged');
        // The intruder lets go: the lease is free and watched again.
        await db
          .updateTable('leases')
          .set({ owner: '', until: new Date(0).toISOString() })
          .where('name', '=', `watch:${victim}`)
          .execute();
        await allWatchedOnce([a], 10_000);
        await sessionsSettle(() => 1, 20_000);
      } finally {
        await a.stop();
      }
    });

    test('capacity short: unwatched mailboxes are checked in turn, the delay on /metrics and the mailbox page', async () => {
      const fast = { MAILROOM_POLL_SECONDS: '2' };
      // A worker whose database was taken away in an earlier test may have left sync leases behind.
      await app.mailroom.deps.db.deleteFrom('leases').where('name', 'like', 'sync:%').execute();
      const a = await startWorker(2, fast);
      const b = await startWorker(2, fast);
      const db = app.mailroom.deps.db;
      try {
        const leases = await waitFor(
          async () => {
            const held = await watchLeases();
            return held.size === 4 && a.watching().length === 2 && b.watching().length === 2 && held;
          },
          30_000,
          'four mailboxes watched',
        );
        const unwatched = ids.filter((id) => !leases.has(id));
        assert.equal(unwatched.length, 2);
        const lastSynced = async () =>
          (
            await db
              .selectFrom('mailboxes')
              .select(['id', 'last_synced_at'])
              .where('id', 'in', unwatched)
              .orderBy('id')
              .execute()
          ).map((r) => r.last_synced_at ?? '');
        // Each unwatched mailbox is checked, and checked again: in turn, about every MAILROOM_POLL_SECONDS.
        const first = await waitFor(
          async () => {
            const at = await lastSynced();
            return at.every(Boolean) && at;
          },
          30_000,
          'checked',
        );
        await waitFor(
          async () => {
            const at = await lastSynced();
            return at.every((t, i) => t > first[i]!);
          },
          30_000,
          'checked again',
        );

        const metrics = await (await fetch(`${app.url}/metrics`)).text();
        const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
        assert.equal(value('mailroom_mailboxes_watched'), 4);
        assert.equal(value('mailroom_mailboxes_unwatched'), 2);
        const delay = value('mailroom_unwatched_check_delay_seconds');
        assert.ok(delay >= 0 && delay <= 15, `unwatched delay ${delay} s`);

        const browser = msBrowser(emu);
        const signedIn = await browser.submit(await browser.get(`${app.url}/signin`), {
          fields: { email: ADMIN.email, password: ADMIN.password },
        });
        assert.equal(signedIn.status, 302);
        const polled = await browser.get(`${app.url}/mailboxes/${unwatched[0]}`);
        assert.match(polled.html, /data-watch="polled"/);
        assert.match(polled.html, /checked every ~\d+ s/);
        const watched = await browser.get(`${app.url}/mailboxes/${[...leases.keys()][0]}`);
        assert.match(watched.html, /Watched: new mail within a second/);
      } finally {
        await a.stop();
        await b.stop();
      }
    });

    test('a watcher failure is logged with its cause and recorded on the mailbox', async () => {
      const a = await startWorker(10);
      const db = app.mailroom.deps.db;
      const victim = ids[1]!;
      const address = addressOf.get(victim)!;
      try {
        await allWatchedOnce([a], 20_000);
        await sessionsSettle(() => 1, 20_000);
        await control(emu, 'PUT', '/faults/imap-throttle', { backoffMs: 100, mailbox: address, count: null });
        await control(emu, 'POST', '/mail/cut-sessions', { address });
        const row = await waitFor(
          () =>
            db
              .selectFrom('mailboxes')
              .select(['state', 'state_code', 'state_message'])
              .where('id', '=', victim)
              .where('state_code', '=', 'imap.throttled')
              .executeTakeFirst(),
          15_000,
          'the failure stored on the mailbox',
        );
        assert.equal(row.state, 'retrying');
        assert.match(row.state_message ?? '', /throttling/);
        // The sync may have stored it first; the watcher logs its own.
        const logged = await waitFor(
          async () => a.lines.find((l) => l.event === 'watch.failed' && l.errorCode === 'imap.throttled'),
          15_000,
          'the watcher’s failure logged',
        );
        assert.equal(logged.mailboxId, victim);
        assert.match(String((logged.err as { stack?: string }).stack), /ImapError/);

        // The server lets go: the watcher reopens its session by itself.
        await control(emu, 'DELETE', '/faults/imap-throttle');
        await waitFor(
          async () => (await sessionsOnServer(emu)).get(address) === 1 && a.watching().includes(victim),
          20_000,
          'watched again',
        );
      } finally {
        await control(emu, 'DELETE', '/faults/imap-throttle');
        await a.stop();
      }
    });
  });
}
