import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { createUser as createMicrosoftUser } from '../../emulator/state/create.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { STAFF, startTestApp, type TestApp } from '../support/app.ts';
import { textOf } from '../support/app-browser.ts';
import { DATABASES } from '../support/databases.ts';
import { ADELE, configureForMail, connectThroughMicrosoft, MEGAN } from '../support/mailbox-setup.ts';
import { msBrowser } from '../support/ms-signin.ts';

// Issue 11, item 8: the mailbox a staff member connects is the address Exchange logs them in with (the
// UPN of a member of the installation's directory), never the free `email` claim; and an account of
// another directory connects nothing.

/** A Contoso member whose `mail` attribute an administrator set to Megan's address (no mailbox of its own). */
const PAT = { upn: `pat@${DEMO.domain}`, mail: MEGAN, password: 'Pat-demo-1' };

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
  createMicrosoftUser(emu.ctx.dir, { tenantId: DEMO.tenantId, ...PAT, mailbox: false });
});
after(async () => {
  await emu?.stop();
});

for (const kind of DATABASES) {
  describe(`claiming a mailbox on ${kind}`, () => {
    let app: TestApp;
    const staffBrowser = async () => {
      const browser = msBrowser(emu);
      const done = await browser.submit(await browser.get(`${app.url}/signin`), {
        fields: { email: STAFF.email, password: STAFF.password },
      });
      assert.equal(done.status, 302);
      return browser;
    };
    const mailboxesOfStaff = async () => {
      const staff = await findUserByEmail(app.mailroom.deps.db, STAFF.email);
      return app.mailroom.deps.db
        .selectFrom('mailboxes')
        .select(['address', 'ms_tid'])
        .where('owner_user_id', '=', staff!.id)
        .execute();
    };
    before(async () => {
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      // Multi-tenant with Contoso listed: the token endpoint answers for any directory's account.
      await configureForMail(emu, app, { tenant: 'organizations', allowedTenantIds: [DEMO.tenantId] });
    });
    after(async () => {
      await app?.stop();
    });

    test('an e-mail claim naming someone else connects the account’s own UPN, not that address', async () => {
      const browser = await staffBrowser();
      await connectThroughMicrosoft(browser, app, PAT.upn, undefined, PAT.password);
      const addresses = (await mailboxesOfStaff()).map((m) => m.address);
      assert.ok(!addresses.includes(MEGAN), `Megan's address was claimed: ${addresses.join()}`);
      assert.deepEqual(addresses, [PAT.upn]);
    });

    test('an account of another directory connects nothing, whatever its mail says', async () => {
      const browser = await staffBrowser();
      const earlier = await mailboxesOfStaff();
      const done = await connectThroughMicrosoft(browser, app, DEMO.forgedMailUser.upn);
      assert.equal(done.location, `${app.url}/mailboxes`, 'back to the list, not to a mailbox');
      const page = await browser.get(done.location!);
      assert.match(textOf(page), /belongs to a directory .* this Mailroom does not accept/);
      assert.deepEqual(await mailboxesOfStaff(), earlier);
      const adele = await app.mailroom.deps.db
        .selectFrom('mailboxes')
        .select('id')
        .where('address', '=', ADELE)
        .execute();
      assert.deepEqual(adele, [], 'no mailbox with Adele’s address');
    });
  });
}
