import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { startWorkers } from '../../src/jobs/workers.ts';
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

for (const kind of DATABASES) {
  describe(`a mailbox connected while workers run on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    let workers: Awaited<ReturnType<typeof startWorkers>>;
    before(async () => {
      emu = await startEmulator();
      // The sweep and the IDLE rescan are far off: only the connection itself can start the sync.
      app = await startTestApp(kind, {
        MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
        MAILROOM_SYNC_INTERVAL_SECONDS: '3600',
      });
      await configureForMail(emu, app);
      await createDemoPeople(app);
      workers = await startWorkers(app.mailroom.deps, app.mailroom.deps.config, { sweepAtStart: false });
    });
    after(async () => {
      await workers?.stop();
      await app?.stop();
      await emu?.stop();
    });

    test('its Inbox is synced within seconds of connecting, not at the next sweep', async () => {
      assert.equal(
        (await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', count: 7 })).status,
        201,
      );
      // Let the IDLE watchers' first rescan pass before the mailbox exists.
      await sleep(300);
      const mailboxId = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
      );
      const connectedAt = Date.now();
      for (;;) {
        const stored = await app.mailroom.deps.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('mailbox_id', '=', mailboxId)
          .executeTakeFirstOrThrow();
        if (Number(stored.n) === 7) break;
        assert.ok(Date.now() - connectedAt < 10_000, `only ${stored.n} of 7 messages after 10 s`);
        await sleep(50);
      }
    });
  });
}
