import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createPgBossQueue } from '../../src/jobs/pg-boss-queue.ts';
import { openPgJobBell } from '../../src/jobs/pg-job-bell.ts';
import type { JobQueue } from '../../src/jobs/queue.ts';
import { createSqliteQueue } from '../../src/jobs/sqlite-queue.ts';
import { createLogger } from '../../src/log/logger.ts';
import { capturingLog } from '../support/capturing-log.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';
import { waitFor } from '../support/wait-for.ts';

/** Far longer than any wait below: a job found by a poll would fail the test. */
const POLL_SECONDS = 30;

/**
 * Three Sync now jobs sent by `sender` (another process's queue), one after the other: each must be taken
 * by `worker`, already working the queue, within `boundMs` of its sending.
 */
const eachTakenWithin = async (worker: JobQueue, sender: JobQueue, boundMs: number): Promise<void> => {
  const ran: number[] = [];
  await worker.work('sync-mailbox', async () => void ran.push(Date.now()));
  for (const i of [1, 2, 3]) {
    const sent = Date.now();
    await sender.send('sync-mailbox', { mailboxId: `m${i}` }, { singletonKey: `m${i}` });
    await waitFor(async () => ran.length >= i, 5_000, `job ${i} taken`);
    assert.ok(ran[i - 1]! - sent < boundMs, `job ${i} taken ${ran[i - 1]! - sent} ms after it was sent`);
  }
};

for (const kind of DATABASES) {
  describe(`job pickup on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let queue: JobQueue;
    before(async () => {
      testDb = await createTestDatabase(kind);
      const config = parseConfig({ MAILROOM_ENV: 'test', ...testDb.env });
      db = openDatabase(config.database);
      await migrateToLatest(db);
      const deps = { db, log: createLogger('silent') };
      queue =
        config.database.kind === 'postgres'
          ? createPgBossQueue(config.database.url, deps, { pollSeconds: POLL_SECONDS })
          : createSqliteQueue(deps, { pollMs: POLL_SECONDS * 1000 });
    });
    after(async () => {
      await queue?.stop();
      await db?.destroy();
      await testDb?.drop();
    });

    test('a job sent by a process that works its queue is taken at once, not at the next poll', async () => {
      const ran: number[] = [];
      await queue.work('sync-arrival', async () => void ran.push(Date.now()), { concurrency: 2 });
      // The workers looked once at start and found nothing: each now waits POLL_SECONDS for its next look.
      for (const i of [1, 2, 3]) {
        const sent = Date.now();
        await queue.send('sync-arrival', { mailboxId: `m${i}` }, { singletonKey: `m${i}` });
        await waitFor(async () => ran.length >= i, 5_000, `job ${i} taken`);
        assert.ok(ran[i - 1]! - sent < 2_000, `job ${i} taken ${ran[i - 1]! - sent} ms after it was sent`);
      }
      // One due later is taken when it is due, not at the next poll.
      const startAfter = new Date(Date.now() + 300);
      await queue.send('sync-arrival', { mailboxId: 'm4' }, { singletonKey: 'm4', startAfter });
      await waitFor(async () => ran.length >= 4, 5_000, 'the delayed job taken');
      assert.ok(ran[3]! >= startAfter.getTime() - 50, 'not before its start time');
      assert.ok(
        ran[3]! - startAfter.getTime() < 2_000,
        `taken ${ran[3]! - startAfter.getTime()} ms after due`,
      );
    });
  });
}

describe('job pickup on postgres: jobs other processes sent', () => {
  /** The poll: one idle worker looks every POLL_SECONDS (not each of them). */
  const POLL = 2;
  let testDb: TestDatabase;
  let db: Db;
  let worker: JobQueue;
  let sender: JobQueue;
  let belledWorker: JobQueue;
  let ringer: JobQueue;
  before(async () => {
    testDb = await createTestDatabase('postgres');
    const config = parseConfig({ MAILROOM_ENV: 'test', ...testDb.env });
    if (config.database.kind !== 'postgres') throw new Error('a PostgreSQL database was asked for');
    db = openDatabase(config.database);
    await migrateToLatest(db);
    const deps = { db, log: createLogger('silent') };
    worker = createPgBossQueue(config.database.url, deps, { pollSeconds: POLL });
    // No bell: the poll is what the burst case is about.
    sender = createPgBossQueue(config.database.url, deps, { pollSeconds: 30, bell: false });
    // Polls far apart: only the bell (pg-job-bell.ts) can wake this worker in time.
    belledWorker = createPgBossQueue(config.database.url, deps, { pollSeconds: 60 });
    ringer = createPgBossQueue(config.database.url, deps, { pollSeconds: 60 });
  });
  after(async () => {
    for (const queue of [worker, sender, belledWorker, ringer]) await queue?.stop();
    await db?.destroy();
    await testDb?.drop();
  });

  test('a burst found by the poll is spread over every worker at once, not one worker per poll', async () => {
    const started: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await worker.work(
      'sync-arrival',
      async () => {
        started.push(Date.now());
        await gate;
      },
      { concurrency: 4 },
    );
    // Sent by another process: nothing wakes this one's workers but its poll.
    for (let i = 0; i < 8; i++)
      await sender.send('sync-arrival', { mailboxId: `b${i}` }, { singletonKey: `b${i}` });
    await waitFor(async () => started.length >= 1, (POLL + 3) * 1000, 'the first job found by a poll');
    // The worker that took it woke an idle one, which took the next… well before a second poll.
    await waitFor(async () => started.length >= 4, 5_000, 'four jobs running');
    const spread = started[3]! - started[0]!;
    assert.ok(
      spread < POLL * 1000,
      `the 4 workers took a job within ${spread} ms (one per poll would be ${3 * POLL} s)`,
    );
    release();
    // Each looks again as soon as its job is done: the other four follow without a poll between.
    await waitFor(async () => started.length >= 8, 5_000, 'the other four taken');
    assert.ok(
      started[7]! - started[3]! < POLL * 1000,
      `the rest taken ${started[7]! - started[3]!} ms later`,
    );
  });

  test('a job another process sent (Sync now from a web-only serve) is taken at once, not at the next poll', async () => {
    // a few ms; the bound leaves room for a busy CI, far under the poll (60 s) and pg-boss' own (30 s).
    await eachTakenWithin(belledWorker, ringer, 1_000);
  });
});

describe('job pickup on sqlite: jobs another process sent to the same file', () => {
  let testDb: TestDatabase;
  let workerDb: Db;
  let senderDb: Db;
  let worker: JobQueue;
  let sender: JobQueue;
  before(async () => {
    testDb = await createTestDatabase('sqlite');
    const config = parseConfig({ MAILROOM_ENV: 'test', ...testDb.env });
    // Two connections to the file, as a web-only `mailroom serve` and a `mailroom worker` have.
    workerDb = openDatabase(config.database);
    senderDb = openDatabase(config.database);
    await migrateToLatest(workerDb);
    const log = createLogger('silent');
    worker = createSqliteQueue({ db: workerDb, log }, { pollMs: 60_000 });
    sender = createSqliteQueue({ db: senderDb, log }, { pollMs: 60_000 });
  });
  after(async () => {
    await worker?.stop();
    await sender?.stop();
    await workerDb?.destroy();
    await senderDb?.destroy();
    await testDb?.drop();
  });

  test('is taken within tens of milliseconds (Sync now), not at the next poll', async () => {
    // The worker's own writes (it takes and deletes each job) do not hide the next commit of the sender.
    // A few ms (job-bell.ts), far under a poll; the bound leaves room for a busy CI.
    await eachTakenWithin(worker, sender, 500);
  });
});

describe("job pickup on postgres: the bell's connection", () => {
  let testDb: TestDatabase;
  let db: Db;
  let url: string;
  before(async () => {
    testDb = await createTestDatabase('postgres');
    const config = parseConfig({ MAILROOM_ENV: 'test', ...testDb.env });
    if (config.database.kind !== 'postgres') throw new Error('a PostgreSQL database was asked for');
    url = config.database.url;
    db = openDatabase(config.database);
  });
  after(async () => {
    await db?.destroy();
    await testDb?.drop();
  });

  test('a listener whose connection was closed listens again, and says so in the log', async () => {
    const { log, lines } = capturingLog();
    const heard: string[] = [];
    const listener = openPgJobBell(url, { db, log }, { relistenMs: 50 });
    const ringer = openPgJobBell(url, { db, log });
    const stop = await listener.listen((name) => heard.push(name));
    try {
      await ringer.ring('sync-mailbox');
      await waitFor(async () => heard.length === 1, 5_000, 'the first ring heard');
      assert.deepEqual(heard, ['sync-mailbox']);
      // An administrator (or a failover) ends the listening connection.
      const { rows } = await sql<{ ended: boolean }>`
        select pg_terminate_backend(pid) as ended from pg_stat_activity
        where datname = current_database() and query = 'listen mailroom_jobs'`.execute(db);
      assert.equal(rows.length, 1, 'one listening connection');
      await waitFor(
        async () => lines.some((l) => l.event === 'jobs.bell_listen_failed'),
        5_000,
        'the loss logged',
      );
      // Rung until heard: the rings before it listens again are lost (the poll finds those jobs).
      await waitFor(
        async () => {
          await ringer.ring('outbox');
          return heard.includes('outbox');
        },
        10_000,
        'a ring heard after the connection was lost',
      );
      assert.ok(
        lines.some((l) => l.event === 'jobs.bell_listening'),
        'listening again is logged',
      );
      // Its own rings are not heard: its workers were woken already.
      await listener.ring('purge');
      await ringer.ring('webhooks');
      await waitFor(async () => heard.includes('webhooks'), 5_000, 'the next ring heard');
      assert.ok(!heard.includes('purge'), 'a process does not hear its own ring');
    } finally {
      await stop();
    }
  });
});
