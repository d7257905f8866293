import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { getAccessToken } from '../../src/mailboxes/access-token.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
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

type Json = Record<string, any>; // biome-ignore lint/suspicious/noExplicitAny: test JSON

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
});

for (const kind of DATABASES) {
  describe(`mailbox lifecycle and API on ${kind}`, () => {
    let app: TestApp;
    let adminToken: string;
    let meganToken: string;
    let adeleMailbox: string;
    let meganMailbox: string;
    const responses: string[] = [];
    const api = async (
      token: string,
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; json: Json }> => {
      const res = await fetch(`${app.url}/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      responses.push(text);
      return { status: res.status, json: text ? JSON.parse(text) : null };
    };

    before(async () => {
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      adminToken = await configureForMail(emu, app);
      await createDemoPeople(app);
      meganToken = await createApiToken(
        app.mailroom.deps.db,
        (await findUserByEmail(app.mailroom.deps.db, MEGAN))!.id,
        'megan',
      );
      adeleMailbox = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, ADELE), app, ADELE),
      );
      meganMailbox = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
      );
    });
    after(async () => {
      await app?.stop();
    });

    test('an expired client secret: administrator action for every mailbox, and no user banner', async () => {
      const secret = await control(emu, 'POST', `/apps/${DEMO.appId}/secrets`, {});
      await api(adminToken, 'PUT', '/settings/microsoft', {
        ...(await settingsBody()),
        clientSecret: secret.body.value,
      });
      await control(emu, 'POST', `/apps/${DEMO.appId}/secrets/${secret.body.id}/expire`);
      for (const id of [adeleMailbox, meganMailbox]) {
        await assert.rejects(getAccessToken(app.mailroom.deps, id, { force: true }));
        const m = await findMailbox(app.mailroom.deps.db, id);
        assert.equal(m?.state, 'admin_action_required');
        assert.equal(m?.stateCode, 'AADSTS7000222');
      }
      const meganHome = textOf(await (await mailroomBrowser(emu, app, MEGAN)).get(`${app.url}/`));
      assert.doesNotMatch(meganHome, /reconnect/i);
      const adminHome = textOf(await (await mailroomBrowser(emu, app, ADELE)).get(`${app.url}/`));
      assert.match(adminHome, /2 mailboxes need an administrator/);
      await api(adminToken, 'PUT', '/settings/microsoft', {
        ...(await settingsBody()),
        clientSecret: emu.demo!.appSecret,
      });
      for (const id of [adeleMailbox, meganMailbox])
        await getAccessToken(app.mailroom.deps, id, { force: true });
      assert.equal((await findMailbox(app.mailroom.deps.db, meganMailbox))?.state, 'connected');
    });

    test('429 with Retry-After: retrying, and no request goes out before the wait is over', async () => {
      await control(emu, 'PUT', '/faults/token-endpoint', { status: 429, retryAfterSeconds: 120, count: 1 });
      await assert.rejects(getAccessToken(app.mailroom.deps, meganMailbox, { force: true }));
      const m = await findMailbox(app.mailroom.deps.db, meganMailbox);
      assert.equal(m?.state, 'retrying');
      assert.equal(m?.stateCode, 'http_429');
      const wait = Date.parse(m!.nextAttemptAt!) - Date.now();
      assert.ok(wait > 110_000 && wait <= 120_000, `next attempt in ${wait} ms`);
      const before = emu.ctx.dir.issuedTokens.length;
      await assert.rejects(getAccessToken(app.mailroom.deps, meganMailbox, { force: true }), {
        code: 'mailbox.retry_later',
      });
      assert.equal(emu.ctx.dir.issuedTokens.length, before);
      const detail = await api(meganToken, 'GET', `/mailboxes/${meganMailbox}`);
      assert.equal(detail.json.state, 'retrying');
      assert.equal(detail.json.nextAttemptAt, m!.nextAttemptAt);
      await app.mailroom.deps.db
        .updateTable('mailboxes')
        .set({ next_attempt_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', meganMailbox)
        .execute();
      await getAccessToken(app.mailroom.deps, meganMailbox, { force: true });
      assert.equal((await findMailbox(app.mailroom.deps.db, meganMailbox))?.state, 'connected');
    });

    test('check connection reports IMAP and SMTP in words; SMTP AUTH off is the administrator’s', async () => {
      const ok = await api(meganToken, 'POST', `/mailboxes/${meganMailbox}/check`);
      assert.equal(ok.status, 200);
      assert.equal(ok.json.imap.ok, true);
      assert.equal(ok.json.smtp.ok, true);
      assert.match(
        ok.json.imap.message,
        /IMAP works: signed in to megan@contoso\.example and found 6 folders\./,
      );
      await control(emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: false });
      try {
        const off = await api(meganToken, 'POST', `/mailboxes/${meganMailbox}/check`);
        assert.equal(off.json.imap.ok, true);
        assert.equal(off.json.smtp.code, 'smtp.auth_disabled');
        assert.match(off.json.smtp.message, /SMTP AUTH is disabled/);
        const blocked = await findMailbox(app.mailroom.deps.db, meganMailbox);
        assert.equal(blocked?.state, 'connected', 'reading goes on without SMTP AUTH');
        assert.equal(blocked?.sendProblem?.code, 'smtp.auth_disabled');
        assert.doesNotMatch(
          textOf(await (await mailroomBrowser(emu, app, MEGAN)).get(`${app.url}/`)),
          /reconnect/i,
        );
      } finally {
        await control(emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: true });
      }
    });

    test('the mailbox API: list, get, folders, and who may do what', async () => {
      const mine = await api(meganToken, 'GET', '/mailboxes');
      assert.deepEqual(
        mine.json.mailboxes.map((m: Json) => m.address),
        [MEGAN],
      );
      assert.equal((await api(meganToken, 'GET', `/mailboxes/${adeleMailbox}`)).status, 404);
      const folders = await api(meganToken, 'POST', `/mailboxes/${meganMailbox}/folders/refresh`);
      assert.equal(folders.status, 200);
      assert.deepEqual(folders.json.folders.find((f: Json) => f.specialUse === '\\Sent').path, 'Sent Items');
      const bad = await api(meganToken, 'PUT', `/mailboxes/${meganMailbox}/folders`, {
        selected: ['INBOX', 'Nope'],
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.code, 'mailbox.unknown_folder');
      const set = await api(meganToken, 'PUT', `/mailboxes/${meganMailbox}/folders`, {
        selected: ['INBOX', 'Junk Email'],
      });
      assert.deepEqual(
        set.json.folders
          .filter((f: Json) => f.selected)
          .map((f: Json) => f.path)
          .sort(),
        ['INBOX', 'Junk Email'],
      );
      assert.equal(
        (await api(meganToken, 'PUT', `/mailboxes/${meganMailbox}/folders`, { selected: 'INBOX' })).status,
        400,
      );
    });

    test('system mailboxes CRUD for administrators, validated, and visible to the allowed staff only', async () => {
      assert.equal(
        (await api(meganToken, 'POST', '/system-mailboxes', { label: 'X', address: 'x@contoso.example' }))
          .status,
        403,
      );
      const invalid = await api(adminToken, 'POST', '/system-mailboxes', {
        label: '',
        address: 'not-an-address',
      });
      assert.equal(invalid.status, 400);
      assert.ok(invalid.json.error.fields.label && invalid.json.error.fields.address);
      const created = await api(adminToken, 'POST', '/system-mailboxes', {
        label: 'Support',
        address: SUPPORT,
        userIds: [],
      });
      assert.equal(created.status, 201);
      assert.equal(created.json.state, 'not_connected');
      assert.equal(
        (
          await api(adminToken, 'POST', '/system-mailboxes', {
            label: 'Support',
            address: 'sales@contoso.example',
          })
        ).status,
        409,
      );
      assert.equal(
        (await api(adminToken, 'POST', '/system-mailboxes', { label: 'Other', address: MEGAN })).status,
        409,
      );
      assert.ok(
        !(await api(meganToken, 'GET', '/mailboxes')).json.mailboxes.some((m: Json) => m.address === SUPPORT),
      );
      const megan = await findUserByEmail(app.mailroom.deps.db, MEGAN);
      const updated = await api(adminToken, 'PUT', `/system-mailboxes/${created.json.id}`, {
        label: 'Support desk',
        userIds: [megan!.id],
      });
      assert.equal(updated.json.label, 'Support desk');
      assert.deepEqual(updated.json.access.userIds, [megan!.id]);
      assert.ok(
        (await api(meganToken, 'GET', '/mailboxes')).json.mailboxes.some((m: Json) => m.address === SUPPORT),
      );
      assert.equal((await api(adminToken, 'DELETE', `/system-mailboxes/${created.json.id}`)).status, 204);
      assert.equal((await api(adminToken, 'GET', `/system-mailboxes/${created.json.id}`)).status, 404);
    });

    test('no token or secret in any page, API response or log line', async () => {
      const secrets = [emu.demo!.appSecret, ...emu.ctx.dir.refreshTokens.keys()];
      const pages = await mailroomBrowser(emu, app, MEGAN);
      const seen = [
        ...responses,
        (await pages.get(`${app.url}/mailboxes/${meganMailbox}`)).html,
        app.logs.join('\n'),
      ].join('\n');
      for (const s of secrets) assert.ok(!seen.includes(s), 'a secret or refresh token leaked');
      assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(seen), 'a JWT leaked');
    });

    const settingsBody = async () => {
      const current = (await api(adminToken, 'GET', '/settings/microsoft')).json;
      return {
        clientId: current.clientId,
        tenant: current.tenant,
        cloud: current.cloud,
        customAuthorityUrl: current.customAuthorityUrl,
        customImapServer: current.customImapServer,
        customSmtpServer: current.customSmtpServer,
        signinEnabled: true,
        syncEnabled: true,
      };
    };
  });
}
