import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { parseConfig } from '../../src/config.ts';
import { leaseHolder } from '../../src/jobs/lease.ts';
import { startWorkers } from '../../src/jobs/workers.ts';
import { createLogger } from '../../src/log/logger.ts';
import { selectFolders } from '../../src/mailboxes/folders.ts';
import { buildDeps } from '../../src/main.ts';
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
import { connectMailboxWithTokens } from '../support/token-mailbox.ts';
import { waitFor } from '../support/wait-for.ts';

for (const kind of DATABASES) {
  describe(`near real time on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    let workers: Awaited<ReturnType<typeof startWorkers>>;
    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app);
      await createDemoPeople(app);
      const mailboxId = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
      );
      // Sent Items too, so that a round of the Inbox alone can be told from a full one.
      await selectFolders(app.mailroom.deps.db, mailboxId, ['INBOX', 'Sent Items']);
      workers = await startWorkers(app.mailroom.deps, app.mailroom.deps.config);
    });
    after(async () => {
      await workers?.stop();
      await app?.stop();
      await emu?.stop();
    });

    test('mail delivered while IDLE is in the database within 2 seconds, by a round of the Inbox alone', async () => {
      const db = app.mailroom.deps.db;
      // The first full sync is done (every folder idle, the mailbox's round counted) and the watcher idles.
      await waitFor(
        async () => {
          const folders = await db.selectFrom('folder_sync_state').select(['path', 'status']).execute();
          const mailbox = await db.selectFrom('mailboxes').select('sync_runs').executeTakeFirstOrThrow();
          return (
            mailbox.sync_runs >= 1 &&
            folders.length > 1 &&
            folders.every((f) => f.status === 'idle') &&
            workers.watchers?.watching().length === 1 &&
            (await control(emu, 'GET', `/mail/sessions?address=${MEGAN}`)).body.totals.idling === 1
          );
        },
        15_000,
        'the first sync done and the Inbox watched',
      );
      const roundsBefore = async () => ({
        mailbox: await db
          .selectFrom('mailboxes')
          .select(['sync_runs', 'last_synced_at'])
          .executeTakeFirstOrThrow(),
        others: await db
          .selectFrom('folder_sync_state')
          .select(['path', 'last_synced_at'])
          .where('path', '!=', 'INBOX')
          .orderBy('path')
          .execute(),
      });
      const before = await roundsBefore();
      const subject = `Arrives while idling ${Date.now()}`;
      const raw = `From: someone@example.net\r\nTo: ${MEGAN}\r\nSubject: ${subject}\r\nMessage-ID: <idle-${Date.now()}@example.net>\r\n\r\nHello\r\n`;
      const started = Date.now();
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', messages: [raw] });
      await waitFor(
        () => db.selectFrom('messages').select('id').where('subject', '=', subject).executeTakeFirst(),
        5_000,
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 2000, `stored ${elapsed} ms after delivery`);
      // A `sync-arrival` round: the Inbox only, not counted as a full sync of the mailbox. Compared once the
      // round is over (its lease given back).
      const { id } = await db.selectFrom('mailboxes').select('id').executeTakeFirstOrThrow();
      await waitFor(async () => (await leaseHolder(db, `sync:${id}`)) === null, 10_000, 'the round over');
      assert.deepEqual(await roundsBefore(), before, 'the other folders and the mailbox round untouched');
    });
  });
}

describe('two workers on one PostgreSQL share 50 mailboxes', () => {
  let emu: RunningEmulator;
  let app: TestApp;
  before(async () => {
    emu = await startEmulator();
    app = await startTestApp('postgres', { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
    await configureForMail(emu, app, { tenant: 'organizations', allowedTenantIds: [DEMO.tenantId] });
  });
  after(async () => {
    await app?.stop();
    await emu?.stop();
  });

  test('each mailbox is synced exactly once per round', async () => {
    const { db } = app.mailroom.deps;
    const owner = await db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      ids.push(
        await connectMailboxWithTokens(emu, app, {
          upn: `worker${i}@${DEMO.domain}`,
          password: 'Worker-pass-1',
          ownerUserId: owner.id,
          seed: 3,
        }),
      );
    }
    const config = parseConfig({
      MAILROOM_ENV: 'test',
      ...app.db.env,
      MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
      MAILROOM_IDLE_CONNECTIONS: '0',
      MAILROOM_SYNC_INTERVAL_SECONDS: '3600',
      MAILROOM_SYNC_CONCURRENCY: '4',
    });
    const processes = await Promise.all([0, 1].map(() => buildDeps(config, { log: createLogger('silent') })));
    const workers = await Promise.all(
      processes.map((deps) => startWorkers(deps, config, { sweepAtStart: false })),
    );
    try {
      // A round: the sweep, sent by both workers at once (only one holds the sweep lease).
      const sent = await Promise.all(workers.map((w) => w.sweepNow()));
      assert.deepEqual(
        [...sent].sort((a, b) => a - b),
        [0, 50],
        'one worker sweeps the round',
      );
      await waitFor(async () => {
        const rows = await db
          .selectFrom('mailboxes')
          .select(['sync_runs', 'state', 'state_code'])
          .where('id', 'in', ids)
          .execute();
        return rows.every((r) => r.sync_runs >= 1);
      }, 60_000);
      await new Promise((r) => setTimeout(r, 1500));
      const runs = await db
        .selectFrom('mailboxes')
        .select(['address', 'sync_runs'])
        .where('id', 'in', ids)
        .execute();
      assert.deepEqual(
        runs.filter((r) => r.sync_runs !== 1),
        [],
      );
      const stored = await db
        .selectFrom('message_locations')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(stored.n), 150);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(processes.map((d) => d.parser.close()));
      await Promise.all(processes.map((d) => d.db.destroy()));
    }
  });
});
