import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createLeaseGroup, LeaseError, leaseHolder } from '../../src/jobs/lease.ts';
import { capturingLog } from '../support/capturing-log.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';

for (const kind of DATABASES) {
  describe(`lease groups on ${kind}`, () => {
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

    test('claims only free names, up to a number; two groups never hold one name', async () => {
      const { log } = capturingLog();
      const a = createLeaseGroup({ db, log }, { heartbeatMs: 0 });
      const b = createLeaseGroup({ db, log }, { heartbeatMs: 0 });
      const names = Array.from({ length: 10 }, (_, i) => `watch:claim-${i}`);
      const [fromA, fromB] = await Promise.all([a.claim(names, 6), b.claim(names)]);
      assert.ok(fromA.length <= 6);
      assert.equal(fromA.length + fromB.length, 10, 'every name taken once');
      assert.deepEqual(new Set([...a.held(), ...b.held()]).size, 10);
      for (const n of a.held()) assert.equal(await leaseHolder(db, n), a.owner);
      assert.deepEqual(await a.claim(names), [], 'nothing left to claim');
      await a.close();
      assert.ok(fromA.every((l) => l.signal.aborted));
      // Released: the other group takes them.
      assert.equal((await b.claim(names)).length, fromA.length);
      await b.close();
    });

    test('one statement renews them all; a lease taken by another is aborted alone', async () => {
      const { log, lines } = capturingLog();
      const group = createLeaseGroup({ db, log }, { ttlMs: 30_000, heartbeatMs: 0, label: 'test leases' });
      const names = Array.from({ length: 1000 }, (_, i) => `watch:renew-${i}`);
      const held = await group.claim(names);
      assert.equal(held.length, 1000);
      await db
        .updateTable('leases')
        .set({ owner: 'thief', until: new Date(Date.now() + 60_000).toISOString() })
        .where('name', '=', 'watch:renew-7')
        .execute();
      const before = (
        await db
          .selectFrom('leases')
          .select('until')
          .where('name', '=', 'watch:renew-8')
          .executeTakeFirstOrThrow()
      ).until;
      await new Promise((r) => setTimeout(r, 5));
      await group.renewNow();
      const stolen = held.find((l) => l.name === 'watch:renew-7')!;
      assert.ok(stolen.signal.aborted);
      assert.ok(stolen.signal.reason instanceof LeaseError);
      assert.equal(stolen.signal.reason.code, 'lease.lost');
      assert.equal(held.filter((l) => l.signal.aborted).length, 1, 'only the stolen one stops');
      assert.equal(group.held().length, 999);
      const after = (
        await db
          .selectFrom('leases')
          .select('until')
          .where('name', '=', 'watch:renew-8')
          .executeTakeFirstOrThrow()
      ).until;
      assert.ok(after > before, 'renewed');
      assert.equal(await leaseHolder(db, 'watch:renew-7'), 'thief');
      assert.ok(lines.some((l) => l.event === 'lease.lost' && l.errorCode === 'lease.lost'));
      await group.close();
    });

    test('a renewal the database refuses aborts every lease, logged once with its cause', async () => {
      const testDb2 = await createTestDatabase(kind);
      const db2 = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb2.env }).database);
      try {
        await migrateToLatest(db2);
        const { log, lines } = capturingLog();
        const group = createLeaseGroup({ db: db2, log }, { heartbeatMs: 0 });
        const held = await group.claim(['watch:x', 'watch:y']);
        await db2.destroy();
        await group.renewNow();
        assert.ok(held.every((l) => l.signal.aborted));
        assert.equal((held[0]!.signal.reason as LeaseError).code, 'lease.renewal_failed');
        const logged = lines.filter((l) => l.event === 'lease.lost');
        assert.equal(logged.length, 1);
        assert.ok((logged[0]!.err as { stack?: string }).stack);
        assert.equal(group.held().length, 0);
      } finally {
        await db2.destroy().catch(() => undefined);
        await testDb2.drop();
      }
    });

    test('a group closed while it claims gives back what the claim took', async () => {
      const { log } = capturingLog();
      const group = createLeaseGroup({ db, log }, { heartbeatMs: 0 });
      const names = Array.from({ length: 50 }, (_, i) => `watch:closing-${i}`);
      const claiming = group.claim(names);
      await group.close();
      const taken = await claiming;
      assert.ok(
        taken.every((l) => l.signal.aborted),
        'whatever was handed out is stopped',
      );
      for (const name of names) assert.equal(await leaseHolder(db, name), null, `${name} left held`);
    });

    test('leases not renewed in time run out: their signals abort', async () => {
      const { log, lines } = capturingLog();
      // A heartbeat that never comes (as in a stalled process): the deadline stops the work.
      const group = createLeaseGroup({ db, log }, { ttlMs: 300, heartbeatMs: 0 });
      const [lease] = await group.claim(['watch:late']);
      const keepAlive = setInterval(() => undefined, 1000);
      try {
        await new Promise((resolve) => lease!.signal.addEventListener('abort', resolve, { once: true }));
      } finally {
        clearInterval(keepAlive);
      }
      assert.equal((lease!.signal.reason as LeaseError).code, 'lease.expired');
      assert.ok(lines.some((l) => l.errorCode === 'lease.expired'));
      await group.close();
    });
  });
}
