import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { SQLITE_LOCK_WAIT_MS } from '../../src/db/sqlite-busy.ts';

// `mailroom serve` and `mailroom worker` may share one SQLite file. A transaction that reads, then writes
// after the other process committed must not fail with SQLITE_BUSY_SNAPSHOT: Mailroom's transactions take
// the write lock when they begin, and the other writer waits (here: fails at once, its busy timeout 0).
// Mailroom's own wait for a lock another connection holds runs off the event loop (db/sqlite-busy.ts): timers
// of the process run meanwhile, the write goes through once the lock is let go, and gives up after 5 s.

describe('two processes on one SQLite file', () => {
  let folder: string;
  let db: Db;
  let other: SQLite.Database;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'mailroom-shared-sqlite-'));
    const file = join(folder, 'mailroom.db');
    db = openDatabase({ kind: 'sqlite', file });
    await sql`create table counters (name text primary key, value integer not null)`.execute(db);
    await sql`insert into counters values ('a', 0)`.execute(db);
    other = new SQLite(file);
    other.pragma('busy_timeout = 0');
  });

  after(async () => {
    other.close();
    await db.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  test('a transaction that reads, then writes, is not failed by a commit of the other process', async () => {
    let otherWrite = 'not tried';
    await db.transaction().execute(async (trx) => {
      const row = await sql<{ value: number }>`select value from counters where name = 'a'`.execute(trx);
      // The other process writes between this transaction's read and its write.
      try {
        other.prepare(`update counters set value = value + 100 where name = 'a'`).run();
        otherWrite = 'committed';
      } catch (error) {
        otherWrite = (error as { code?: string }).code ?? String(error);
      }
      await sql`update counters set value = ${row.rows[0]!.value + 1} where name = 'a'`.execute(trx);
    });
    // The other writer waited for the lock (here: gave up at once), so no update was lost either.
    assert.equal(otherWrite, 'SQLITE_BUSY');
    const after = other.prepare(`select value from counters where name = 'a'`).get() as { value: number };
    assert.equal(after.value, 1);
  });

  test('a write waiting for the other connection’s lock leaves the event loop free, and goes through once it is let go', async () => {
    other.exec('begin immediate');
    let released = false;
    // Let go by a timer of this process: were the wait SQLite's own busy handler, sleeping in this thread,
    // the timer could not run before the write gave up.
    setTimeout(() => {
      other.exec('commit');
      released = true;
    }, 100);
    const started = performance.now();
    await sql`update counters set value = value + 10 where name = 'a'`.execute(db);
    assert.ok(released, 'the write went through after the lock was let go');
    assert.ok(performance.now() - started >= 90, 'it waited for the lock');
    const row = other.prepare(`select value from counters where name = 'a'`).get() as { value: number };
    assert.equal(row.value, 11);
  });

  test('a write whose lock is not let go gives up after the wait with SQLite’s SQLITE_BUSY, and nothing is written', async () => {
    other.exec('begin immediate');
    try {
      let ticks = 0;
      const ticking = setInterval(() => ticks++, 100);
      const started = performance.now();
      const failure = await sql`update counters set value = value + 1000 where name = 'a'`.execute(db).then(
        () => null,
        (e: unknown) => e as { code?: string },
      );
      clearInterval(ticking);
      assert.equal(failure?.code, 'SQLITE_BUSY');
      assert.ok(performance.now() - started >= SQLITE_LOCK_WAIT_MS - 50, 'it waited the whole wait');
      assert.ok(ticks >= 10, `timers ran meanwhile (${ticks})`);
    } finally {
      other.exec('commit');
    }
    const row = other.prepare(`select value from counters where name = 'a'`).get() as { value: number };
    assert.equal(row.value, 11);
  });
});
