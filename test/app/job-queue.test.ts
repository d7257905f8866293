import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createJobQueue } from '../../src/jobs/create-queue.ts';
import { JOB_ATTEMPTS, type JobQueue } from '../../src/jobs/queue.ts';
import { createMetrics } from '../../src/metrics/registry.ts';
import { capturingLog } from '../support/capturing-log.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';
import { waitFor } from '../support/wait-for.ts';

for (const kind of DATABASES) {
  describe(`the job queue on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let queue: JobQueue;
    const { log, lines } = capturingLog();
    before(async () => {
      testDb = await createTestDatabase(kind);
      const config = parseConfig({ MAILROOM_ENV: 'test', ...testDb.env });
      db = openDatabase(config.database);
      await migrateToLatest(db);
      queue = createJobQueue(config, { db, log });
    });
    after(async () => {
      await queue?.stop();
      await db?.destroy();
      await testDb?.drop();
    });

    test('a failing handler is logged with its stack, counted on /metrics, retried, and kept as failed', async () => {
      const seen: string[] = [];
      await queue.work(
        'send-outgoing',
        async ({ outgoingId }) => {
          seen.push(outgoingId ?? '');
          throw new Error(`boom ${outgoingId}`);
        },
        { concurrency: 1 },
      );
      await queue.send('send-outgoing', { mailboxId: 'm1', outgoingId: 'o1' }, { singletonKey: 'o1' });
      await waitFor(
        async () =>
          (
            await db
              .selectFrom('job_failures')
              .selectAll()
              .where('job', '=', 'send-outgoing')
              .executeTakeFirst()
          )?.failures === JOB_ATTEMPTS,
        30_000,
      );
      assert.deepEqual(seen, Array(JOB_ATTEMPTS).fill('o1'), 'tried JOB_ATTEMPTS times');
      const logged = lines.filter((l) => l.event === 'job.failed');
      assert.equal(logged.length, JOB_ATTEMPTS);
      assert.match(String((logged[0]!.err as { stack?: string }).stack), /boom o1\n\s+at /);
      assert.equal(logged[0]!.outgoingId, 'o1');
      const metrics = await createMetrics(db).metrics();
      assert.match(
        metrics,
        new RegExp(`mailroom_job_failures_total\\{job="send-outgoing"\\} ${JOB_ATTEMPTS}`),
      );
      // The job itself says it failed, and why.
      if (kind === 'sqlite') {
        const row = await waitFor(
          () => db.selectFrom('jobs').selectAll().where('state', '=', 'failed').executeTakeFirst(),
          5_000,
        );
        assert.equal(row.attempts, JOB_ATTEMPTS);
        assert.equal(row.last_error, 'boom o1');
      } else {
        const row = await waitFor(
          async () =>
            (
              await sql<{ state: string; output: { message?: string } }>`
                select state, output from pgboss.job where name = 'send-outgoing' and state = 'failed'`.execute(
                db,
              )
            ).rows[0],
          5_000,
        );
        assert.equal(row.output.message, 'boom o1');
      }
    });

    test('one waiting job per key; a job waits for its start time', async () => {
      const ran: { id: string; at: number }[] = [];
      await queue.work('sync-mailbox', async ({ mailboxId }) => {
        ran.push({ id: mailboxId, at: Date.now() });
      });
      const startAfter = new Date(Date.now() + 1500);
      await queue.send('sync-mailbox', { mailboxId: 'later' }, { singletonKey: 'later', startAfter });
      await queue.send('sync-mailbox', { mailboxId: 'later' }, { singletonKey: 'later', startAfter });
      await waitFor(async () => ran.length >= 1, 10_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(
        ran.map((r) => r.id),
        ['later'],
        'the second send, while the first waited, added nothing',
      );
      assert.ok(ran[0]!.at >= startAfter.getTime() - 50, 'not before its start time');
    });
  });
}
