// test/support/connect-mailboxes.ts, the scripted OAuth flows bench/scale.ts connects a thousand mailboxes
// with: people Mailroom has never seen sign in with Microsoft (auto-provisioned) and connect their own
// mailbox, a few at a time, each through the emulator's pages and Mailroom's callbacks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { connectMailboxes } from '../support/connect-mailboxes.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { configureForMail } from '../support/mailbox-setup.ts';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

for (const kind of DATABASES) {
  describe(`connecting many mailboxes on ${kind}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app, { autoProvision: true });
    });
    after(() => app?.stop());

    test('six new people, three at a time: each signed in, provisioned and with their mailbox connected', async () => {
      const bulk = await control(emu, 'POST', '/users/bulk', {
        prefix: `many-${kind}-`,
        count: 6,
        tenant: DEMO.domain,
      });
      const owners = bulk.body.users.map((u: { upn: string }) => ({
        upn: u.upn,
        password: bulk.body.password,
      }));
      const progress: number[] = [];
      const connected = await connectMailboxes(owners, {
        mailroomUrl: app.url,
        caPem: emu.tls.caPem,
        concurrency: 3,
        onProgress: (done) => progress.push(done),
      });
      assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(
        connected.map((c) => c.upn),
        owners.map((o: { upn: string }) => o.upn),
      );
      const rows = await app.mailroom.deps.db
        .selectFrom('mailboxes')
        .select(['id', 'address', 'ms_upn'])
        .where('address', 'like', `many-${kind}-%`)
        .execute();
      assert.equal(rows.length, 6);
      for (const c of connected) {
        const row = rows.find((r) => r.id === c.mailboxId);
        assert.equal(row?.address, c.upn);
        // Each browser is signed in to Mailroom as its owner and sees the mailbox over the API.
        const me = await c.browser.get(`${app.url}/api/mailboxes/${c.mailboxId}`);
        assert.equal(me.status, 200, me.html.slice(0, 200));
      }
    });
  });
}
