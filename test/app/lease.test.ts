import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { claimLease, claimRound, LeaseError, leaseHolder, withLease } from '../../src/jobs/lease.ts';
import { capturingLog } from '../support/capturing-log.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';

/**
 * Resolves with the reason the signal was aborted for. The lease's timers do not keep a process alive, so
 * the wait holds the event loop open itself.
 */
const aborted = async (signal: AbortSignal): Promise<unknown> => {
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    if (!signal.aborted) await once(signal, 'abort');
  } finally {
    clearInterval(keepAlive);
  }
  return signal.reason;
};

for (const kind of DATABASES) {
  describe(`leases on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
      await migrateToLatest(db);
    });
    after(async () => {
      await db?.destroy();
      await testDb?.drop();
    });

    test('one holder at a time; released, it is free again', async () => {
      const { log } = capturingLog();
      const first = await claimLease({ db, log }, 'sync:a', { heartbeatMs: 0 });
      assert.ok(first);
      assert.equal(await claimLease({ db, log }, 'sync:a', { heartbeatMs: 0 }), null);
      assert.equal(await leaseHolder(db, 'sync:a'), first.owner);
      await first.release();
      assert.equal(first.signal.aborted, true, 'a released lease stops what it guarded');
      assert.equal(await leaseHolder(db, 'sync:a'), null);
      const second = await claimLease({ db, log }, 'sync:a', { heartbeatMs: 0 });
      assert.ok(second);
      await second.release();
    });

    test('many processes racing for one lease: exactly one wins', async () => {
      const { log } = capturingLog();
      const claims = await Promise.all(
        Array.from({ length: 20 }, () => claimLease({ db, log }, 'sync:race', { heartbeatMs: 0 })),
      );
      const won = claims.filter((c) => c !== null);
      assert.equal(won.length, 1);
      await won[0]!.release();
    });

    test('a lease its holder stopped renewing is taken over once it ran out', async () => {
      const { log } = capturingLog();
      const start = new Date('2026-12-02T10:00:00Z');
      const dead = await claimLease({ db, log }, 'sync:dead', { ttlMs: 30_000, heartbeatMs: 0, now: start });
      assert.ok(dead);
      const early = new Date(start.getTime() + 29_000);
      assert.equal(await claimLease({ db, log }, 'sync:dead', { heartbeatMs: 0, now: early }), null);
      const late = new Date(start.getTime() + 30_001);
      const taken = await claimLease({ db, log }, 'sync:dead', { heartbeatMs: 0, now: late });
      assert.ok(taken, 'taken over after 30 s');
      await taken.release();
    });

    test('the heartbeat keeps a lease past its lifetime', async () => {
      const { log } = capturingLog();
      const lease = await claimLease({ db, log }, 'watch:kept', { ttlMs: 600, heartbeatMs: 100 });
      assert.ok(lease);
      // Wait on the database, not on a clock: until a renewal has moved `until` past the first lifetime.
      const firstUntil = Date.now() + 600;
      for (;;) {
        const row = await db
          .selectFrom('leases')
          .select('until')
          .where('name', '=', 'watch:kept')
          .executeTakeFirst();
        if (Date.parse(row!.until) > firstUntil + 150) break;
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(lease.signal.aborted, false);
      assert.equal(await claimLease({ db, log }, 'watch:kept', { heartbeatMs: 0 }), null);
      await lease.release();
    });

    test('a lease another process took stops the work it guarded, and says so in the log', async () => {
      const { log, lines } = capturingLog();
      const lease = await claimLease({ db, log }, 'outgoing:x', { ttlMs: 3_000, heartbeatMs: 50 });
      assert.ok(lease);
      // Another process took it (as after an expiry this one did not notice).
      await db
        .updateTable('leases')
        .set({ owner: 'someone-else' })
        .where('name', '=', 'outgoing:x')
        .execute();
      const reason = await aborted(lease.signal);
      assert.ok(reason instanceof LeaseError);
      assert.equal(reason.code, 'lease.lost');
      assert.ok(
        lines.some(
          (l) => l.event === 'lease.lost' && l.lease === 'outgoing:x' && l.errorCode === 'lease.lost',
        ),
      );
      await lease.release();
      assert.equal(
        await leaseHolder(db, 'outgoing:x'),
        'someone-else',
        'releasing a lost lease frees nothing',
      );
    });

    test('a renewal the database refuses stops the work it guarded', async () => {
      const { log, lines } = capturingLog();
      const lease = await claimLease({ db, log }, 'refresh:y', { ttlMs: 3_000, heartbeatMs: 50 });
      assert.ok(lease);
      // The table renewals write to is gone: every renewal fails as it would with the database away.
      await db.schema.alterTable('leases').renameTo('leases_away').execute();
      try {
        const reason = await aborted(lease.signal);
        assert.ok(reason instanceof LeaseError);
        assert.equal(reason.code, 'lease.renewal_failed');
        assert.ok(reason.cause instanceof Error, 'the database error is kept as the cause');
        const line = lines.find((l) => l.event === 'lease.lost' && l.lease === 'refresh:y');
        assert.ok(line, 'logged');
        assert.ok((line.err as { stack?: string }).stack, 'with its stack');
      } finally {
        await db.schema.alterTable('leases_away').renameTo('leases').execute();
      }
      await lease.release();
    });

    test('withLease runs the work once, and not at all while another holds the lease', async () => {
      const { log } = capturingLog();
      let runs = 0;
      const outcome = await withLease({ db, log }, 'sync:w', {}, async (signal) => {
        runs++;
        assert.equal(signal.aborted, false);
        const inner = await withLease({ db, log }, 'sync:w', {}, async () => runs++);
        assert.deepEqual(inner, { held: false });
        return 'done';
      });
      assert.deepEqual(outcome, { held: true, value: 'done' });
      assert.equal(runs, 1);
      assert.equal(await leaseHolder(db, 'sync:w'), null, 'released after the work');
    });

    test('a round lease: one process per interval', async () => {
      const t0 = new Date('2026-12-02T12:00:00Z');
      assert.equal(await claimRound(db, 'sweep', 'p1', 60_000, t0), true);
      assert.equal(await claimRound(db, 'sweep', 'p2', 60_000, new Date(t0.getTime() + 30_000)), false);
      assert.equal(await claimRound(db, 'sweep', 'p2', 60_000, new Date(t0.getTime() + 55_000)), true);
    });
  });
}
