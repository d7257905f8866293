import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log/logger.ts';
import { getAccessToken } from '../../src/mailboxes/access-token.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { readTokens } from '../../src/mailboxes/token-store.ts';
import { startMailroom } from '../../src/main.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { textOf } from '../support/app-browser.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import {
  ADELE,
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
  SUPPORT,
} from '../support/mailbox-setup.ts';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
});

const refreshGrants = () =>
  emu.ctx.dir.issuedTokens.filter((t) => t.kind === 'access_token' && t.grantType === 'refresh_token').length;

for (const kind of DATABASES) {
  describe(`connecting mailboxes on ${kind}`, () => {
    let app: TestApp;
    let meganMailbox: string;
    before(async () => {
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app);
      await createDemoPeople(app);
    });
    after(async () => {
      await app?.stop();
    });

    test('connect: consent at Microsoft, tokens stored sealed, folders retrieved over IMAP with the Inbox ticked', async () => {
      const browser = await mailroomBrowser(emu, app, MEGAN);
      const done = await connectThroughMicrosoft(browser, app, MEGAN);
      meganMailbox = mailboxIdOf(done);
      const page = await browser.get(`${app.url}/mailboxes/${meganMailbox}`);
      const text = textOf(page);
      assert.match(text, /megan@contoso\.example is connected\. Tick the folders to sync\./);
      assert.match(text, /Connected through the Microsoft account megan@contoso\.example/);
      for (const folder of ['INBOX', 'Drafts', 'Sent Items', 'Deleted Items', 'Junk Email', 'Archive']) {
        assert.match(page.html, new RegExp(`value="${folder}"`), folder);
      }
      assert.match(page.html, /value="INBOX" checked=""/);
      assert.doesNotMatch(page.html, /value="Archive" checked=""/);
      const row = await app.mailroom.deps.db
        .selectFrom('mailboxes')
        .selectAll()
        .where('id', '=', meganMailbox)
        .executeTakeFirstOrThrow();
      const tokens = await readTokens(app.mailroom.deps.db, app.mailroom.deps.secrets, meganMailbox);
      assert.ok(tokens?.refreshToken && tokens.accessToken);
      assert.ok(
        !JSON.stringify(row).includes(tokens.refreshToken) &&
          !JSON.stringify(row).includes(tokens.accessToken),
      );
      assert.equal(row.state, 'connected');
    });

    test('folder selection is saved', async () => {
      const browser = await mailroomBrowser(emu, app, MEGAN);
      const page = await browser.get(`${app.url}/mailboxes/${meganMailbox}`);
      const form = (await import('../support/http-client.ts'))
        .parseForms(page.html, page.url)
        .findIndex((f) => f.action.endsWith('/folders'));
      const body = new URLSearchParams({ _csrf: (await import('../support/app-browser.ts')).csrfOf(page) });
      body.append('folders', 'INBOX');
      body.append('folders', 'Archive');
      assert.ok(form >= 0);
      await browser.request(`${app.url}/mailboxes/${meganMailbox}/folders`, { method: 'POST', body });
      const after = await browser.get(`${app.url}/mailboxes/${meganMailbox}`);
      assert.match(textOf(after), /2 folders will sync\./);
      assert.match(after.html, /value="Archive" checked=""/);
    });

    test('the rotated refresh token is stored and the old one never used again', async () => {
      const deps = app.mailroom.deps;
      const first = await readTokens(deps.db, deps.secrets, meganMailbox);
      await getAccessToken(deps, meganMailbox, { force: true });
      const second = await readTokens(deps.db, deps.secrets, meganMailbox);
      assert.notEqual(second!.refreshToken, first!.refreshToken);
      assert.equal(second!.version, first!.version + 1);
      const oldUse = emu.ctx.dir.refreshTokens.get(first!.refreshToken)?.lastUsedAt;
      await getAccessToken(deps, meganMailbox, { force: true });
      assert.equal(
        emu.ctx.dir.refreshTokens.get(first!.refreshToken)?.lastUsedAt,
        oldUse,
        'the old refresh token was used again',
      );
      assert.ok(emu.ctx.dir.refreshTokens.get(second!.refreshToken)!.lastUsedAt > 0);
    });

    test('two processes refreshing the same mailbox at once make exactly one token request', async () => {
      const other = await startMailroom(
        parseConfig({
          MAILROOM_ENV: 'test',
          PORT: '0',
          MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
          ...app.db.env,
        }),
        {
          log: createLogger('silent'),
        },
      );
      try {
        await app.mailroom.deps.db
          .updateTable('mailboxes')
          .set({ access_token_expires_at: new Date(Date.now() - 1000).toISOString() })
          .where('id', '=', meganMailbox)
          .execute();
        const before = refreshGrants();
        const [a, b] = await Promise.all([
          getAccessToken(app.mailroom.deps, meganMailbox),
          getAccessToken(other.deps, meganMailbox),
        ]);
        assert.equal(a, b, 'both processes use the same new token');
        assert.equal(refreshGrants() - before, 1);
      } finally {
        await other.stop();
      }
    });

    test('revoked sessions: reconnect required, a banner for the owner, reconnect restores the same mailbox and folders', async () => {
      await control(emu, 'POST', `/users/${MEGAN}/revoke-sessions`);
      await assert.rejects(getAccessToken(app.mailroom.deps, meganMailbox, { force: true }), {
        code: 'mailbox.token_refresh_failed',
      });
      const mailbox = await findMailbox(app.mailroom.deps.db, meganMailbox);
      assert.equal(mailbox?.state, 'reconnect_required');
      assert.equal(mailbox?.stateCode, 'AADSTS50173');
      const megan = await mailroomBrowser(emu, app, MEGAN);
      const home = textOf(await megan.get(`${app.url}/`));
      assert.match(home, /megan@contoso\.example needs to be reconnected to Microsoft 365\. Reconnect/);
      const admin = textOf(await (await mailroomBrowser(emu, app, ADELE)).get(`${app.url}/`));
      assert.doesNotMatch(admin, /needs an administrator/);

      // Another Microsoft account is refused.
      const wrong = await connectThroughMicrosoft(megan, app, ADELE, meganMailbox);
      assert.match(
        textOf(await megan.get(wrong.location!)),
        /is connected with the Microsoft account megan@contoso\.example; you signed in as adele@contoso\.example/,
      );

      const again = await connectThroughMicrosoft(megan, app, MEGAN, meganMailbox);
      assert.equal(mailboxIdOf(again), meganMailbox);
      const page = await megan.get(`${app.url}/mailboxes/${meganMailbox}`);
      assert.equal((await findMailbox(app.mailroom.deps.db, meganMailbox))?.state, 'connected');
      assert.match(page.html, /value="Archive" checked=""/, 'the folder selection survived');
      assert.doesNotMatch(textOf(page), /needs to be reconnected/);
    });

    test('a system mailbox without FullAccess gets its clear state; with it, it connects', async () => {
      await control(emu, 'DELETE', `/mailboxes/${SUPPORT}/grants`, {
        principal: ADELE,
        rights: ['FullAccess'],
      });
      const adele = await mailroomBrowser(emu, app, ADELE);
      const page = await adele.get(`${app.url}/settings/system-mailboxes`);
      const created = await adele.submit(page, {
        formIndex: 1,
        fields: { label: 'Support', address: SUPPORT, enabled: 'on', roles: 'staff' },
      });
      const id = mailboxIdOf(created);
      await connectThroughMicrosoft(adele, app, ADELE, id);
      const stuck = await findMailbox(app.mailroom.deps.db, id);
      assert.equal(stuck?.state, 'admin_action_required');
      assert.equal(stuck?.stateCode, 'imap.not_connected');
      assert.match(
        stuck?.stateMessage ?? '',
        /adele@contoso\.example has no FullAccess to support@contoso\.example/,
      );
      assert.match(
        textOf(await adele.get(`${app.url}/`)),
        /1 mailbox needs an administrator: support@contoso\.example/,
      );
      const megan = await mailroomBrowser(emu, app, MEGAN);
      assert.doesNotMatch(
        textOf(await megan.get(`${app.url}/`)),
        /support@contoso\.example/,
        'staff are not told',
      );

      await control(emu, 'POST', `/mailboxes/${SUPPORT}/grants`, {
        principal: ADELE,
        rights: ['FullAccess'],
      });
      const detail = await adele.get(`${app.url}/mailboxes/${id}`);
      const retrieve = await adele.request(`${app.url}/mailboxes/${id}/folders/retrieve`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: (await import('../support/app-browser.ts')).csrfOf(detail) }),
      });
      assert.equal(retrieve.status, 302);
      assert.equal((await findMailbox(app.mailroom.deps.db, id))?.state, 'connected');
      assert.match(
        textOf(await megan.get(`${app.url}/mailboxes`)),
        /Support \(support@contoso\.example\)/,
        'staff see it by role',
      );
    });

    test('disconnect keeps the folders or deletes the mailbox', async () => {
      const megan = await mailroomBrowser(emu, app, MEGAN);
      const page = await megan.get(`${app.url}/mailboxes/${meganMailbox}`);
      const form = (await import('../support/http-client.ts'))
        .parseForms(page.html, page.url)
        .findIndex((f) => f.action.endsWith('/disconnect'));
      await megan.submit(page, { formIndex: form, fields: { mail: 'keep' } });
      const kept = await app.mailroom.deps.db
        .selectFrom('mailboxes')
        .selectAll()
        .where('id', '=', meganMailbox)
        .executeTakeFirstOrThrow();
      assert.equal(kept.refresh_token_encrypted, null);
      assert.equal(kept.state, 'not_connected');
      assert.ok(
        (
          await app.mailroom.deps.db
            .selectFrom('mailbox_folders')
            .select('path')
            .where('mailbox_id', '=', meganMailbox)
            .execute()
        ).length > 0,
      );
      await connectThroughMicrosoft(megan, app, MEGAN, meganMailbox);
      const again = await megan.get(`${app.url}/mailboxes/${meganMailbox}`);
      const form2 = (await import('../support/http-client.ts'))
        .parseForms(again.html, again.url)
        .findIndex((f) => f.action.endsWith('/disconnect'));
      await megan.submit(again, { formIndex: form2, fields: { mail: 'delete' } });
      assert.equal(await findMailbox(app.mailroom.deps.db, meganMailbox), undefined);
    });

    test('no token or secret reaches a log line', async () => {
      const all = app.logs.join('\n');
      assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(all), 'a JWT in the logs');
      assert.ok(!all.includes(emu.demo!.appSecret));
      for (const record of emu.ctx.dir.refreshTokens.keys())
        assert.ok(!all.includes(record), 'a refresh token in the logs');
    });
  });
}
