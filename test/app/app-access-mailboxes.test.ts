// Issue 14 §1: system mailboxes with application access (client credentials, an Exchange service principal,
// FullAccess / Send As for it, an RBAC scope), run against the emulator, which enforces them as Exchange does.
//
// support@ is inside the scope with FullAccess and Send As; sales@ has both but is outside the scope;
// billing@ is inside the scope with Send As but no FullAccess. Adele (administrator) sets it up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { csrfOf, signedInBrowser } from '../support/app-browser.ts';
import { control } from '../support/control.ts';
import { customerMessage } from '../support/customer-message.ts';
import { DATABASES } from '../support/databases.ts';
import { LOCAL_PASSWORD, MEGAN, SUPPORT } from '../support/mailbox-setup.ts';
import { type Json, type SendWorld, startSendWorld } from '../support/send-fixture.ts';

const SALES = `sales@${DEMO.domain}`;
const BILLING = `billing@${DEMO.domain}`;
const SCOPE = 'Mailroom mailboxes';

const rawMessage = (subject: string) => customerMessage(subject, 'Wed, 02 Dec 2026 10:00:00 +0000');

for (const kind of DATABASES) {
  describe(`application access for system mailboxes on ${kind}`, () => {
    let w: SendWorld;
    let enterpriseObjectId: string;
    const ids = {} as Record<'support' | 'sales' | 'billing', string>;

    const db = () => w.app.mailroom.deps.db;
    const admin = (method: string, path: string, body?: unknown) => w.api(w.adeleToken, method, path, body);
    const clientCredentialGrants = async (): Promise<number> =>
      (await control(w.emu, 'GET', `/tokens/grants?grantType=client_credentials&appId=${DEMO.appId}`)).body
        .total;
    const exchange = (path: string, body: unknown) => control(w.emu, 'POST', path, body);
    const useApplication = async (id: string) => {
      const res = await admin('PUT', `/system-mailboxes/${id}/access`, {
        access: 'application',
        enterpriseObjectId,
        scopeName: SCOPE,
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      return res.json;
    };

    before(async () => {
      w = await startSendWorld(kind);
      ids.support = w.mailboxes.support;
      enterpriseObjectId = (
        await control(w.emu, 'GET', `/apps/${DEMO.appId}/object-ids?tenantId=${DEMO.tenantId}`)
      ).body.enterpriseApplicationObjectId;
      for (const [key, address, label] of [
        ['sales', SALES, 'Sales'],
        ['billing', BILLING, 'Billing'],
      ] as const) {
        assert.equal(
          (await control(w.emu, 'POST', '/mailboxes', { tenantId: DEMO.tenantId, address })).status,
          201,
        );
        const created = await admin('POST', '/system-mailboxes', { label, address, roles: ['staff'] });
        assert.equal(created.status, 201, JSON.stringify(created.json));
        ids[key] = created.json.id;
      }
      // Exchange: the service principal with the Enterprise application's object id, grants, and a scope
      // holding support@ and billing@ (not sales@) for SMTP.
      assert.equal(
        (
          await exchange('/exchange/service-principals', {
            tenantId: DEMO.tenantId,
            appId: DEMO.appId,
            objectId: enterpriseObjectId,
          })
        ).status,
        201,
      );
      for (const [address, rights] of [
        [SUPPORT, ['FullAccess', 'SendAs']],
        [SALES, ['FullAccess', 'SendAs']],
        [BILLING, ['SendAs']],
      ] as const)
        await control(w.emu, 'POST', `/mailboxes/${address}/grants`, {
          principal: enterpriseObjectId,
          rights,
        });
      await exchange('/exchange/management-scopes', {
        tenantId: DEMO.tenantId,
        name: SCOPE,
        members: [SUPPORT, BILLING],
      });
      await exchange('/exchange/role-assignments', {
        tenantId: DEMO.tenantId,
        name: `${SCOPE} SMTP`,
        role: 'Application SMTP.SendAsApp',
        app: enterpriseObjectId,
        customResourceScope: SCOPE,
      });
    });
    after(async () => {
      await w?.stop();
    });

    test('without admin consent the token has no roles: Verify and the mailbox say who must grant it', async () => {
      const view = await useApplication(ids.support);
      assert.equal(view.access, 'application');
      const mailbox = await findMailbox(db(), ids.support);
      assert.equal(mailbox?.access, 'application');
      assert.equal(mailbox?.account, null, 'the person who connected it is no longer involved');
      const stored = await db()
        .selectFrom('mailboxes')
        .select('refresh_token_encrypted')
        .where('id', '=', ids.support)
        .executeTakeFirstOrThrow();
      assert.equal(stored.refresh_token_encrypted, null);

      const verify = await admin('POST', `/system-mailboxes/${ids.support}/access/verify`, {});
      assert.equal(verify.status, 200, JSON.stringify(verify.json));
      assert.equal(verify.json.ok, false);
      assert.deepEqual(
        verify.json.steps.map((s: Json) => [s.step, s.ok, s.code]),
        [['token', false, 'app_access.consent_missing']],
      );
      assert.match(verify.json.steps[0].message, /no “roles” claim/);
      assert.match(verify.json.steps[0].message, /Global Administrator or Privileged Role Administrator/);
      assert.match(verify.json.steps[0].message, /IMAP\.AccessAsApp, SMTP\.SendAsApp/);

      // The sync stops at the token: it carries no roles, which the mailbox records for the administrator.
      await assert.rejects(w.sync(ids.support), { code: 'mailbox.token_refresh_failed' });
      const after = await findMailbox(db(), ids.support);
      assert.equal(after?.state, 'admin_action_required');
      assert.equal(after?.stateCode, 'app_access.consent_missing');

      // Admin consent is granted: the next attempt gets a token with roles and the mailbox recovers.
      const granted = await control(w.emu, 'POST', `/apps/${DEMO.appId}/app-role-grants`, {
        tenantId: DEMO.tenantId,
        roles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
      });
      assert.equal(granted.status, 200);
      await w.sync(ids.support);
      assert.equal((await findMailbox(db(), ids.support))?.state, 'connected');
    });

    test('the page’s PowerShell uses the Enterprise application’s object id and scopes SMTP, not IMAP', async () => {
      const view = (await admin('GET', `/system-mailboxes/${ids.support}/access`)).json;
      assert.match(
        view.powershell,
        new RegExp(`New-ServicePrincipal -AppId ${DEMO.appId} -ObjectId ${enterpriseObjectId}`),
      );
      assert.match(view.powershell, /NOT the Object ID on App registrations/);
      assert.match(
        view.powershell,
        new RegExp(
          `Add-MailboxPermission -Identity '${SUPPORT}' -User ${enterpriseObjectId} -AccessRights FullAccess`,
        ),
      );
      assert.match(
        view.powershell,
        new RegExp(
          `Add-RecipientPermission -Identity '${SUPPORT}' -Trustee ${enterpriseObjectId} -AccessRights SendAs`,
        ),
      );
      assert.match(
        view.powershell,
        /New-ManagementScope -Name 'Mailroom mailboxes' -RecipientRestrictionFilter/,
      );
      assert.match(view.powershell, /-Role 'Application SMTP\.SendAsApp' -App /);
      assert.match(view.powershell, /limits SMTP and Graph, not IMAP/);
      const invalid = await admin('PUT', `/system-mailboxes/${ids.support}/access`, {
        access: 'application',
        enterpriseObjectId: 'not-a-guid',
      });
      assert.equal(invalid.status, 400);
      assert.ok(invalid.json.error.fields.enterpriseObjectId);
    });

    test('support@ syncs and sends after every session is revoked and the administrator who set it up is disabled', async () => {
      const state = (await control(w.emu, 'GET', '/state')).body;
      for (const user of state.users.filter((u: Json) => u.tenantId === DEMO.tenantId))
        assert.equal((await control(w.emu, 'POST', `/users/${user.upn}/revoke-sessions`)).status, 200);
      assert.equal(
        (await control(w.emu, 'PATCH', `/users/adele@${DEMO.domain}`, { disabled: true })).status,
        200,
      );

      const subject = 'Question after everyone left';
      assert.equal(
        (
          await control(w.emu, 'POST', '/mail/seed', {
            address: SUPPORT,
            folder: 'INBOX',
            messages: [rawMessage(subject)],
          })
        ).status,
        201,
      );
      await w.sync(ids.support);
      const listed = await w.api(
        w.meganToken,
        'GET',
        `/mailboxes/${ids.support}/messages?q=${encodeURIComponent(subject)}`,
      );
      assert.equal(listed.json.messages.length, 1, JSON.stringify(listed.json));

      const sent = await w.send(w.meganToken, ids.support, {
        to: ['customer@example.net'],
        subject: 'Answer',
        text: 'Hello',
      });
      assert.equal(sent.state, 'sent', JSON.stringify(sent));
      assert.equal((await findMailbox(db(), ids.support))?.state, 'connected');
      const outbound = (await control(w.emu, 'GET', '/mail/outbound')).body.messages as Json[];
      assert.ok(
        outbound.some(
          (m) => m.to === 'customer@example.net' && m.from === SUPPORT && /Subject: Answer/.test(m.raw),
        ),
      );

      // Verify with an outside address: reachable, and the scope refuses sales@.
      const verify = await admin('POST', `/system-mailboxes/${ids.support}/access/verify`, {
        outsideAddress: SALES,
      });
      assert.deepEqual(
        verify.json.steps.map((s: Json) => [s.step, s.ok]),
        [
          ['token', true],
          ['imap', true],
          ['sending', true],
          ['scope', true],
        ],
        JSON.stringify(verify.json),
      );
      await control(w.emu, 'PATCH', `/users/adele@${DEMO.domain}`, { disabled: false });
    });

    test('sales@, outside the RBAC scope, is refused for sending with the explanation; reading works', async () => {
      await useApplication(ids.sales);
      const refreshed = await admin('POST', `/mailboxes/${ids.sales}/folders/refresh`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
      assert.equal(
        (await admin('PUT', `/mailboxes/${ids.sales}/folders`, { selected: ['INBOX'] })).status,
        200,
      );
      await w.sync(ids.sales);
      assert.equal((await findMailbox(db(), ids.sales))?.state, 'connected');
      const sent = await w.send(w.meganToken, ids.sales, {
        to: ['customer@example.net'],
        subject: 'Offer',
        text: 'x',
      });
      assert.equal(sent.state, 'failed');
      assert.equal(sent.error.code, 'app_access.smtp_refused', JSON.stringify(sent));
      assert.match(sent.error.message, /RBAC for Applications scope/);
      assert.match(
        sent.error.message,
        new RegExp(`Test-ServicePrincipalAuthorization .* -Resource ${SALES}`),
      );
      const mailbox = await findMailbox(db(), ids.sales);
      assert.equal(mailbox?.sendProblem?.code, 'app_access.smtp_refused');
      assert.equal(mailbox?.state, 'connected', 'reading still works');
    });

    test('billing@, without FullAccess for the service principal, is refused for reading with the explanation', async () => {
      await useApplication(ids.billing);
      const verify = await admin('POST', `/system-mailboxes/${ids.billing}/access/verify`, {});
      assert.deepEqual(
        verify.json.steps.map((s: Json) => [s.step, s.ok, s.code]),
        [
          ['token', true, null],
          ['imap', false, 'app_access.full_access_missing'],
        ],
      );
      assert.match(verify.json.steps[1].message, /authenticated but not connected/);
      assert.match(
        verify.json.steps[1].message,
        new RegExp(`Add-MailboxPermission -Identity ${BILLING} .*FullAccess`),
      );
      const mailbox = await findMailbox(db(), ids.billing);
      assert.equal(mailbox?.state, 'admin_action_required');
      assert.equal(mailbox?.stateCode, 'app_access.full_access_missing');

      // The Exchange administrator grants FullAccess; Verify finds it working and the mailbox is connected again.
      await control(w.emu, 'POST', `/mailboxes/${BILLING}/grants`, {
        principal: enterpriseObjectId,
        rights: ['FullAccess'],
      });
      const fixed = await admin('POST', `/system-mailboxes/${ids.billing}/access/verify`, {});
      assert.equal(fixed.json.ok, true, JSON.stringify(fixed.json));
      assert.equal((await findMailbox(db(), ids.billing))?.state, 'connected');
      await control(w.emu, 'DELETE', `/mailboxes/${BILLING}/grants`, {
        principal: enterpriseObjectId,
        rights: ['FullAccess'],
      });
    });

    test('New-ServicePrincipal with the app registration’s object id: Verify names the Enterprise application’s', async () => {
      const wrong = (await control(w.emu, 'GET', `/apps/${DEMO.appId}/object-ids?tenantId=${DEMO.tenantId}`))
        .body.applicationObjectId;
      const sp = `/exchange/service-principals/${DEMO.tenantId}/${DEMO.appId}`;
      assert.equal((await control(w.emu, 'DELETE', sp)).status, 204);
      try {
        await exchange('/exchange/service-principals', {
          tenantId: DEMO.tenantId,
          appId: DEMO.appId,
          objectId: wrong,
        });
        const verify = await admin('POST', `/system-mailboxes/${ids.support}/access/verify`, {});
        assert.deepEqual(
          verify.json.steps.map((s: Json) => [s.step, s.ok, s.code]),
          [
            ['token', true, null],
            ['imap', false, 'app_access.imap_refused'],
          ],
        );
        assert.match(verify.json.steps[1].message, /Enterprise application's object id/);
        assert.match(verify.json.steps[1].message, /not the app registration's object id/);
      } finally {
        await control(w.emu, 'DELETE', sp);
        await exchange('/exchange/service-principals', {
          tenantId: DEMO.tenantId,
          appId: DEMO.appId,
          objectId: enterpriseObjectId,
        });
      }
      assert.equal((await admin('POST', `/system-mailboxes/${ids.support}/access/verify`, {})).json.ok, true);
      assert.equal((await findMailbox(db(), ids.support))?.state, 'connected');
    });

    test('one client-credentials token serves every mailbox with application access', async () => {
      await db().deleteFrom('app_access_tokens').execute();
      const before = await clientCredentialGrants();
      await w.sync(ids.support);
      await w.sync(ids.sales);
      // billing@ has no FullAccess, so its IMAP login fails; it still used the one shared token.
      await assert.rejects(w.sync(ids.billing), { code: 'imap.not_connected' });
      const sent = await w.send(w.meganToken, ids.support, {
        to: ['customer@example.net'],
        subject: 'Shared token',
        text: 'x',
      });
      assert.equal(sent.state, 'sent');
      assert.equal((await clientCredentialGrants()) - before, 1);
      const rows = await db()
        .selectFrom('app_access_tokens')
        .select(['id', 'access_token_encrypted'])
        .execute();
      assert.deepEqual(
        rows.map((r) => r.id),
        [`${DEMO.tenantId}/outlook`],
      );
      assert.doesNotMatch(rows[0]!.access_token_encrypted, /^eyJ/, 'sealed, not the JWT itself');
    });

    test('sending through Graph uses the application’s Graph token: without Mail.Send consent it says so, then it sends', async () => {
      const via = await admin('PUT', `/mailboxes/${ids.support}/send-via`, { sendVia: 'graph' });
      assert.equal(via.status, 200, JSON.stringify(via.json));
      try {
        const refused = await w.send(w.meganToken, ids.support, {
          to: ['customer@example.net'],
          subject: 'Graph, no consent',
          text: 'x',
        });
        assert.equal(refused.state, 'failed');
        assert.match(refused.error.message, /Microsoft Graph without any application permission/);
        assert.match(refused.error.message, /Global Administrator or Privileged Role Administrator/);

        await control(w.emu, 'POST', `/apps/${DEMO.appId}/app-role-grants`, {
          tenantId: DEMO.tenantId,
          roles: ['https://graph.microsoft.com/Mail.ReadWrite', 'https://graph.microsoft.com/Mail.Send'],
        });
        const sent = await w.send(w.meganToken, ids.support, {
          to: ['customer@example.net'],
          subject: 'Graph with consent',
          text: 'x',
        });
        assert.equal(sent.state, 'sent', JSON.stringify(sent));
        const rows = await db().selectFrom('app_access_tokens').select('id').orderBy('id').execute();
        assert.deepEqual(
          rows.map((r) => r.id),
          [`${DEMO.tenantId}/graph`, `${DEMO.tenantId}/outlook`],
        );

        // A Graph role scoped to support@ and billing@: Verify finds sales@ refused by Graph.
        const graphRole = { tenantId: DEMO.tenantId, name: `${SCOPE} Graph`, app: enterpriseObjectId };
        await exchange('/exchange/role-assignments', {
          ...graphRole,
          role: 'Application Mail Full Access',
          customResourceScope: SCOPE,
        });
        const scoped = await admin('POST', `/system-mailboxes/${ids.support}/access/verify`, {
          outsideAddress: SALES,
        });
        assert.deepEqual(
          scoped.json.steps.map((s: Json) => [s.step, s.ok]),
          [
            ['token', true],
            ['imap', true],
            ['sending', true],
            ['scope', true],
          ],
          JSON.stringify(scoped.json),
        );
        assert.match(scoped.json.steps[3].message, /Microsoft Graph refused the application for sales@/);
        await control(
          w.emu,
          'DELETE',
          `/exchange/role-assignments/${DEMO.tenantId}/${encodeURIComponent(graphRole.name)}`,
        );
        const unscoped = await admin('POST', `/system-mailboxes/${ids.support}/access/verify`, {
          outsideAddress: SALES,
        });
        assert.equal(unscoped.json.steps[3].code, 'app_access.scope_not_limiting');
      } finally {
        await admin('PUT', `/mailboxes/${ids.support}/send-via`, { sendVia: 'auto' });
      }
    });

    test('a staff member reaches neither the page nor the API; unknown and personal mailboxes are 404', async () => {
      for (const [method, path] of [
        ['GET', `/system-mailboxes/${ids.support}/access`],
        ['PUT', `/system-mailboxes/${ids.support}/access`],
        ['POST', `/system-mailboxes/${ids.support}/access/verify`],
      ] as const) {
        const res = await w.api(
          w.meganToken,
          method,
          path,
          method === 'GET' ? undefined : { access: 'person' },
        );
        assert.equal(res.status, 403, `${method} ${path}`);
      }
      assert.equal((await findMailbox(db(), ids.support))?.access, 'application', 'nothing changed');
      const megan = await signedInBrowser(w.app.url, MEGAN, LOCAL_PASSWORD);
      assert.equal(
        (await megan.get(`${w.app.url}/settings/system-mailboxes/${ids.support}/access`)).status,
        403,
      );
      const csrf = csrfOf(await megan.get(`${w.app.url}/`));
      const posted = await megan.request(`${w.app.url}/settings/system-mailboxes/${ids.support}/access`, {
        method: 'POST',
        body: new URLSearchParams([
          ['_csrf', csrf],
          ['access', 'person'],
        ]),
      });
      assert.equal(posted.status, 403);
      assert.equal((await admin('GET', '/system-mailboxes/nope/access')).status, 404);
      assert.equal((await admin('GET', `/system-mailboxes/${w.mailboxes.megan}/access`)).status, 404);
    });

    test('the administrator’s page shows the choice, the script and the Verify result', async () => {
      const adele = await signedInBrowser(w.app.url, `adele@${DEMO.domain}`, LOCAL_PASSWORD);
      const page = await adele.get(`${w.app.url}/settings/system-mailboxes/${ids.support}/access`);
      assert.equal(page.status, 200);
      assert.match(page.html, /value="application" checked/);
      assert.match(page.html, /New-ServicePrincipal -AppId/);
      const verified = await adele.request(
        `${w.app.url}/settings/system-mailboxes/${ids.support}/access/verify`,
        {
          method: 'POST',
          body: new URLSearchParams([
            ['_csrf', csrfOf(page)],
            ['outsideAddress', SALES],
          ]),
        },
      );
      assert.equal(verified.status, 200);
      assert.match(verified.html, /data-step="scope" data-code=""/);
      assert.match(verified.html, /The scope holds/);
      const detail = await adele.get(`${w.app.url}/mailboxes/${ids.support}`);
      assert.match(detail.html, /Application access: Mailroom reaches it as its own app/);
      assert.doesNotMatch(
        detail.html,
        /\/mailboxes\/connect\/microsoft\?mailbox=/,
        'no person is asked to connect it',
      );
      assert.doesNotMatch(detail.html, /\/disconnect"/);
    });

    test('back to Connected by a person: no application token is used for it, and a person must connect it', async () => {
      const back = await admin('PUT', `/system-mailboxes/${ids.billing}/access`, { access: 'person' });
      assert.equal(back.status, 200, JSON.stringify(back.json));
      assert.equal(back.json.access, 'person');
      const listed = await admin('GET', `/system-mailboxes/${ids.billing}`);
      assert.equal(listed.json.accessMode, 'person');
      assert.equal(listed.json.state, 'not_connected');
      assert.equal(listed.json.connected, false);
      assert.equal((await admin('POST', `/system-mailboxes/${ids.billing}/access/verify`, {})).status, 409);
      const audit = await db()
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'system_mailbox.access_changed')
        .execute();
      assert.ok(audit.length >= 4, 'every switch is audited');
    });

    test('moving the settings to other mail hosts deletes the application tokens with the mailboxes’ ones', async () => {
      assert.ok((await db().selectFrom('app_access_tokens').select('id').execute()).length > 0);
      const moved = await admin('PUT', '/settings/microsoft', {
        customSmtpServer: `127.0.0.1:${w.emu.mail!.smtp.port + 1}`,
        clientSecret: w.emu.demo!.appSecret,
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.json));
      assert.deepEqual(await db().selectFrom('app_access_tokens').select('id').execute(), []);
    });
  });
}
