import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { listAudit } from '../../src/audit/record.ts';
import { claimLease } from '../../src/jobs/lease.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { readTokens } from '../../src/mailboxes/token-store.ts';
import { GRAPH_MAIL_SCOPES } from '../../src/microsoft/redirect-uris.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { parseForms } from '../support/http-client.ts';
import { ADELE, MEGAN, mailroomBrowser, SUPPORT } from '../support/mailbox-setup.ts';
import { signInAndGetTokens } from '../support/oauth-flow.ts';
import { type Json, type SendWorld, startSendWorld } from '../support/send-fixture.ts';
import { waitFor } from '../support/wait-for.ts';

const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/;

for (const kind of DATABASES) {
  describe(`Diagnose on ${kind}`, () => {
    let w: SendWorld;
    /** Diagnose over the API; the mailbox's state and send problem are as they were before. */
    const diagnose = async (token: string, mailboxId: string) => {
      const stateOf = async () => {
        const m = await findMailbox(w.app.mailroom.deps.db, mailboxId);
        return { state: m?.state, code: m?.stateCode, sendProblem: m?.sendProblem };
      };
      const before = await stateOf();
      const res = await w.api(token, 'POST', `/mailboxes/${mailboxId}/diagnose`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      await assertNoToken(JSON.stringify(res.json), mailboxId);
      assert.deepEqual(await stateOf(), before, 'Diagnose changed the mailbox');
      return res.json;
    };
    /** Neither the mailbox's stored tokens nor anything shaped like a JWT is in what Diagnose answered. */
    const assertNoToken = async (text: string, mailboxId: string) => {
      assert.doesNotMatch(text, JWT);
      const db = w.app.mailroom.deps;
      for (const resource of ['outlook', 'graph'] as const) {
        const stored = await readTokens(db.db, db.secrets, mailboxId, resource);
        if (stored?.accessToken) assert.ok(!text.includes(stored.accessToken), 'an access token leaked');
        if (stored) assert.ok(!text.includes(stored.refreshToken), 'a refresh token leaked');
      }
    };
    const sendProblemIs = (mailboxId: string, code: string | null) =>
      waitFor(
        async () =>
          ((await findMailbox(w.app.mailroom.deps.db, mailboxId))?.sendProblem?.code ?? null) === code,
        10_000,
        `send problem ${code}`,
      );
    const step = (d: Json, id: string) => d.steps.find((s: Json) => s.step === id);
    /** The named step is the broken link, every step after it is not checked, the mailbox state is untouched. */
    const assertBroken = async (d: Json, id: string, mailboxId: string) => {
      assert.equal(d.verdict, 'failed', JSON.stringify(d.steps));
      assert.equal(d.brokenStep, id, JSON.stringify(d.steps.find((s: Json) => s.status === 'failed')));
      const at = d.steps.findIndex((s: Json) => s.step === id);
      assert.ok(d.steps.slice(at + 1).every((s: Json) => s.status === 'skipped'));
      assert.ok(d.steps.slice(0, at).every((s: Json) => s.status !== 'failed'));
      assert.equal((await findMailbox(w.app.mailroom.deps.db, mailboxId))?.state, 'connected');
      return step(d, id);
    };
    /** Diagnose, then `assertBroken` at step `id`: the broken link's result. */
    const brokenAt = async (token: string, mailboxId: string, id: string) =>
      assertBroken(await diagnose(token, mailboxId), id, mailboxId);
    /** An emulator change (`PATCH path change`) for the length of `fn`, then `undo`. */
    const whileChanged = async (path: string, change: Json, undo: Json, fn: () => Promise<void>) => {
      await control(w.emu, 'PATCH', path, change);
      try {
        await fn();
      } finally {
        await control(w.emu, 'PATCH', path, undo);
      }
    };
    /** `principal`'s `right` on the mailbox `address` taken away for the length of `fn`, then granted again. */
    const withoutGrant = async (
      address: string,
      principal: string,
      right: string,
      fn: () => Promise<void>,
    ) => {
      const grant = { principal, rights: [right] };
      await control(w.emu, 'DELETE', `/mailboxes/${address}/grants`, grant);
      try {
        await fn();
      } finally {
        await control(w.emu, 'POST', `/mailboxes/${address}/grants`, grant);
      }
    };
    /** A PUT /settings/microsoft of the settings as they are now with `changes` (a secret, a recorded expiry). */
    const settingsPut = async () => {
      const settings = (await w.api(w.adeleToken, 'GET', '/settings/microsoft')).json;
      const body = {
        clientId: settings.clientId,
        tenant: settings.tenant,
        cloud: settings.cloud,
        customAuthorityUrl: settings.customAuthorityUrl,
        customImapServer: settings.customImapServer,
        customSmtpServer: settings.customSmtpServer,
        signinEnabled: true,
        syncEnabled: true,
      };
      return (changes: Json) => w.api(w.adeleToken, 'PUT', '/settings/microsoft', { ...body, ...changes });
    };

    before(async () => {
      w = await startSendWorld(kind);
    });
    after(async () => {
      await w?.stop();
    });

    test('a healthy mailbox: every link ok, with the token’s audience and scopes shown against those needed', async () => {
      const d = await diagnose(w.adeleToken, w.mailboxes.adele);
      assert.equal(d.verdict, 'ok', JSON.stringify(d.steps));
      assert.equal(d.brokenStep, null);
      const statuses = Object.fromEntries(d.steps.map((s: Json) => [s.step, s.status]));
      assert.deepEqual(statuses, {
        settings: 'ok',
        authority: 'ok',
        token_outlook: 'ok',
        token_graph: 'skipped',
        imap_login: 'ok',
        smtp_auth: 'ok',
        graph_mailbox: 'skipped',
        full_access: 'skipped',
        send_as: 'skipped',
        credential_expiry: 'skipped',
      });
      const token = step(d, 'token_outlook').token;
      assert.equal(token.resource, 'outlook');
      assert.equal(token.audience, 'https://outlook.office.com');
      assert.ok(token.scopes.includes('IMAP.AccessAsUser.All'));
      assert.ok(token.scopes.includes('SMTP.Send'));
      assert.deepEqual(token.needed.scopes, ['IMAP.AccessAsUser.All', 'SMTP.Send']);
      assert.deepEqual(token.missing, []);
      for (const s of d.steps) assert.match(s.docs, /^\/docs\/troubleshooting#[a-z0-9-]+$/);
    });

    test('a healthy system mailbox: FullAccess by an IMAP open of the shared mailbox, Send As from the last send', async () => {
      const before = await diagnose(w.adeleToken, w.mailboxes.support);
      assert.equal(before.verdict, 'ok', JSON.stringify(before.steps));
      assert.equal(step(before, 'full_access').status, 'ok');
      assert.equal(step(before, 'imap_login').status, 'skipped');
      assert.equal(step(before, 'send_as').status, 'skipped');
      assert.match(step(before, 'send_as').message, /Get-RecipientPermission/);
      const sent = await w.send(w.adeleToken, w.mailboxes.support, {
        to: [MEGAN],
        subject: 'Hi',
        text: 'Hello',
      });
      assert.equal(sent.state, 'sent');
      const after = await diagnose(w.adeleToken, w.mailboxes.support);
      assert.equal(after.verdict, 'ok');
      assert.equal(step(after, 'send_as').status, 'ok');
    });

    test('IMAP off for the mailbox: the IMAP link, an administrator, Set-CASMailbox -ImapEnabled', async () => {
      await whileChanged(`/mailboxes/${MEGAN}`, { imapEnabled: false }, { imapEnabled: true }, async () => {
        const s = await brokenAt(w.meganToken, w.mailboxes.megan, 'imap_login');
        // Exchange refuses AUTHENTICATE, or accepts it and then every command ("authenticated but not connected").
        assert.ok(['imap.auth_failed', 'imap.not_connected'].includes(s.code), s.code);
        assert.equal(s.whoMustAct, 'administrator');
        assert.equal(s.fix.split(' (')[0], `Set-CASMailbox -Identity ${MEGAN} -ImapEnabled $true`);
        assert.equal(s.docs, '/docs/troubleshooting#imap-disabled');
      });
    });

    test('SMTP AUTH off for the tenant, then for the mailbox: the SMTP link with 5.7.139 and both PowerShell lines', async () => {
      await whileChanged(
        `/tenants/${DEMO.tenantId}`,
        { smtpAuthEnabled: false },
        { smtpAuthEnabled: true },
        async () => {
          const s = await brokenAt(w.meganToken, w.mailboxes.megan, 'smtp_auth');
          assert.equal(s.code, '5.7.139');
          assert.equal(s.whoMustAct, 'administrator');
          assert.ok(
            s.fix.includes(`Set-CASMailbox -Identity ${MEGAN} -SmtpClientAuthenticationDisabled $false`),
          );
          assert.ok(s.fix.includes('Set-TransportConfig -SmtpClientAuthenticationDisabled $false'));
        },
      );
      await whileChanged(
        `/mailboxes/${MEGAN}`,
        { smtpAuthEnabled: false },
        { smtpAuthEnabled: null },
        async () => {
          const s = await brokenAt(w.meganToken, w.mailboxes.megan, 'smtp_auth');
          assert.equal(s.code, '5.7.139');
        },
      );
      assert.equal((await diagnose(w.meganToken, w.mailboxes.megan)).verdict, 'ok');
    });

    test('Send As missing for the delegate: the refused message is the evidence, with Add-RecipientPermission', async () => {
      await withoutGrant(SUPPORT, ADELE, 'SendAs', async () => {
        const failed = await w.send(w.adeleToken, w.mailboxes.support, {
          to: [MEGAN],
          subject: 'No',
          text: 'x',
        });
        assert.equal(failed.state, 'failed');
        // The outbox records the send problem just after it marks the message failed.
        await sendProblemIs(w.mailboxes.support, 'smtp.send_as_denied');
        const d = await diagnose(w.adeleToken, w.mailboxes.support);
        assert.equal(d.brokenStep, 'send_as', JSON.stringify(d.steps));
        const s = step(d, 'send_as');
        assert.equal(s.code, '5.2.252');
        assert.equal(s.whoMustAct, 'administrator');
        assert.ok(
          s.fix.startsWith(
            `Add-RecipientPermission -Identity ${SUPPORT} -Trustee ${ADELE} -AccessRights SendAs`,
          ),
        );
      });
      // Granted again: Diagnose cannot tell until a message goes out, and then it can.
      assert.equal((await diagnose(w.adeleToken, w.mailboxes.support)).brokenStep, 'send_as');
      const sent = await w.send(w.adeleToken, w.mailboxes.support, {
        to: [MEGAN],
        subject: 'Yes',
        text: 'y',
      });
      assert.equal(sent.state, 'sent');
      // The outbox clears the send problem just after it marks the message sent.
      await sendProblemIs(w.mailboxes.support, null);
      assert.equal((await diagnose(w.adeleToken, w.mailboxes.support)).verdict, 'ok');
    });

    test('FullAccess missing for the delegate: the FullAccess link with Add-MailboxPermission', async () => {
      await withoutGrant(SUPPORT, ADELE, 'FullAccess', async () => {
        const s = await brokenAt(w.adeleToken, w.mailboxes.support, 'full_access');
        assert.equal(s.code, 'imap.not_connected');
        assert.ok(
          s.fix.startsWith(
            `Add-MailboxPermission -Identity ${SUPPORT} -User ${ADELE} -AccessRights FullAccess`,
          ),
        );
      });
    });

    test('IMAP off for the system mailbox: its IMAP and FullAccess link, with Set-CASMailbox for the shared address', async () => {
      await whileChanged(`/mailboxes/${SUPPORT}`, { imapEnabled: false }, { imapEnabled: true }, async () => {
        const s = await brokenAt(w.adeleToken, w.mailboxes.support, 'full_access');
        // Exchange accepts the token, then answers "not connected": to a delegate that is FullAccess missing
        // or IMAP off alike, so both fixes are named.
        assert.equal(s.code, 'imap.not_connected');
        assert.match(s.message, /or IMAP is switched off/);
        assert.ok(s.fix.includes(`Set-CASMailbox -Identity ${SUPPORT} -ImapEnabled $true`));
        assert.equal(s.docs, '/docs/troubleshooting#full-access');
      });
    });

    test('an expired client secret, then a wrong one: the Outlook token link with AADSTS7000222 / 7000215', async () => {
      const putSettings = await settingsPut();
      const secret = await control(w.emu, 'POST', `/apps/${DEMO.appId}/secrets`, {});
      const put = (clientSecret: string) => putSettings({ clientSecret });
      assert.equal((await put(secret.body.value)).status, 200);
      await control(w.emu, 'POST', `/apps/${DEMO.appId}/secrets/${secret.body.id}/expire`);
      try {
        const s = await brokenAt(w.meganToken, w.mailboxes.megan, 'token_outlook');
        assert.equal(s.code, 'AADSTS7000222');
        assert.equal(s.whoMustAct, 'administrator');
        assert.match(s.fix, /Certificates & secrets › New client secret/);
        assert.equal(s.docs, '/docs/troubleshooting#aadsts7000222');
        assert.equal((await put('not-the-secret-value-1234')).status, 200);
        const wrong = await brokenAt(w.meganToken, w.mailboxes.megan, 'token_outlook');
        assert.equal(wrong.code, 'AADSTS7000215');
      } finally {
        assert.equal((await put(w.emu.demo!.appSecret)).status, 200);
      }
      assert.equal((await diagnose(w.meganToken, w.mailboxes.megan)).verdict, 'ok');
    });

    test('sending through Graph: a Graph token with its Mail scopes, and Graph reaching the mailbox', async () => {
      await signInAndGetTokens(w.emu, MEGAN, 'Megan-demo-1', ['openid', ...GRAPH_MAIL_SCOPES]);
      assert.equal(
        (await w.api(w.meganToken, 'PUT', `/mailboxes/${w.mailboxes.megan}/send-via`, { sendVia: 'graph' }))
          .status,
        200,
      );
      try {
        const d = await diagnose(w.meganToken, w.mailboxes.megan);
        assert.equal(d.verdict, 'ok', JSON.stringify(d.steps));
        assert.equal(step(d, 'smtp_auth').status, 'skipped');
        assert.equal(step(d, 'graph_mailbox').status, 'ok');
        const token = step(d, 'token_graph').token;
        assert.ok(
          ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'].includes(token.audience),
        );
        assert.ok(token.scopes.includes('Mail.Send'));
        assert.deepEqual(token.needed.scopes, ['Mail.ReadWrite', 'Mail.Send']);
        assert.deepEqual(token.missing, []);
      } finally {
        await w.api(w.meganToken, 'PUT', `/mailboxes/${w.mailboxes.megan}/send-via`, { sendVia: 'auto' });
      }
    });

    test('one Diagnose of a mailbox at a time: a second one while it runs is 409 diagnose.in_progress', async () => {
      const held = await claimLease(w.app.mailroom.deps, `diagnose:${w.mailboxes.adele}`, { ttlMs: 60_000 });
      assert.ok(held);
      try {
        const busy = await w.api(w.adeleToken, 'POST', `/mailboxes/${w.mailboxes.adele}/diagnose`);
        assert.equal(busy.status, 409);
        assert.equal(busy.json.error.code, 'diagnose.in_progress');
      } finally {
        await held.release();
      }
      assert.equal((await diagnose(w.adeleToken, w.mailboxes.adele)).verdict, 'ok');
    });

    test('Microsoft busy (503 with Retry-After): nobody but Microsoft must act, and the mailbox is not put to wait', async () => {
      await control(w.emu, 'PUT', '/faults/token-endpoint', { status: 503, retryAfterSeconds: 30, count: 1 });
      const s = await brokenAt(w.meganToken, w.mailboxes.megan, 'token_outlook');
      assert.equal(s.whoMustAct, 'microsoft');
      assert.equal((await findMailbox(w.app.mailroom.deps.db, w.mailboxes.megan))?.nextAttemptAt, null);
      assert.equal((await diagnose(w.meganToken, w.mailboxes.megan)).verdict, 'ok');
    });

    test('consent withdrawn: the Outlook token link with AADSTS65001, and the mailbox state left alone', async () => {
      await control(w.emu, 'DELETE', '/consents', {
        tenantId: DEMO.tenantId,
        appId: DEMO.appId,
        user: MEGAN,
      });
      const s = await brokenAt(w.meganToken, w.mailboxes.megan, 'token_outlook');
      assert.equal(s.code, 'AADSTS65001');
      assert.match(s.fix, /IMAP\.AccessAsUser\.All/);
      assert.equal(s.docs, '/docs/troubleshooting#aadsts65001');
    });

    test('another user’s mailbox: 404 for its Diagnose; a system mailbox’s users get 403; Diagnose all is for administrators', async () => {
      const other = await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.adele}/diagnose`);
      assert.equal(other.status, 404);
      assert.equal(other.json.error.code, 'request.not_found');
      const system = await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.support}/diagnose`);
      assert.equal(system.status, 403);
      assert.equal((await w.api(w.meganToken, 'POST', '/diagnose')).status, 403);
      const all = await w.api(w.adeleToken, 'POST', '/diagnose');
      assert.equal(all.status, 200);
      assert.doesNotMatch(JSON.stringify(all.json), JWT);
      const verdicts = Object.fromEntries(all.json.mailboxes.map((d: Json) => [d.address, d.verdict]));
      // Megan's consent was withdrawn above: broken ones come first.
      assert.deepEqual(verdicts, { [MEGAN]: 'failed', [ADELE]: 'ok', [SUPPORT]: 'ok' });
      assert.equal(all.json.mailboxes[0].address, MEGAN);
      const audit = await listAudit(w.app.mailroom.deps.db);
      assert.deepEqual(audit.find((e) => e.action === 'mailboxes.diagnosed_all')?.details, {
        mailboxes: 3,
        broken: 1,
      });
    });

    test('a system mailbox not connected yet: the settings link says so, and who connects it', async () => {
      const created = await w.api(w.adeleToken, 'POST', '/system-mailboxes', {
        label: 'Sales',
        address: `sales@${DEMO.domain}`,
        roles: ['staff'],
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      try {
        const res = await w.api(w.adeleToken, 'POST', `/mailboxes/${created.json.id}/diagnose`);
        assert.equal(res.status, 200);
        assert.equal(res.json.brokenStep, 'settings');
        const s = step(res.json, 'settings');
        assert.equal(s.code, 'mailbox.not_connected');
        assert.equal(s.whoMustAct, 'administrator');
        assert.equal(s.docs, '/docs/troubleshooting#mailbox-not-connected');
      } finally {
        assert.equal(
          (await w.api(w.adeleToken, 'DELETE', `/system-mailboxes/${created.json.id}`)).status,
          204,
        );
      }
    });

    test('the pages: Diagnose on another user’s mailbox is 404, on a system mailbox 403 for staff, Diagnose all 403', async () => {
      const megan = await mailroomBrowser(w.emu, w.app, MEGAN);
      const own = await megan.get(`${w.app.url}/mailboxes/${w.mailboxes.megan}`);
      const form = parseForms(own.html, own.url).find((f) => f.action.endsWith('/diagnose'));
      assert.ok(form, 'no Diagnose button on the mailbox page');
      const post = (path: string) =>
        megan.request(`${w.app.url}${path}`, { method: 'POST', body: new URLSearchParams(form.fields) });
      const mine = await post(`/mailboxes/${w.mailboxes.megan}/diagnose`);
      assert.equal(mine.status, 200);
      assert.match(mine.html, /id="diagnosis"/);
      await assertNoToken(mine.html, w.mailboxes.megan);
      assert.equal((await post(`/mailboxes/${w.mailboxes.adele}/diagnose`)).status, 404);
      assert.equal((await post(`/mailboxes/${w.mailboxes.support}/diagnose`)).status, 403);
      assert.equal((await post('/settings/microsoft/diagnose-all')).status, 403);
    });

    describe('a system mailbox with application access (client credentials, an Exchange service principal)', () => {
      const HELPDESK = `helpdesk@${DEMO.domain}`;
      let helpdesk: string;
      let objectId: string;
      const sp = () => `/exchange/service-principals/${DEMO.tenantId}/${DEMO.appId}`;
      const createSp = (id: string) =>
        control(w.emu, 'POST', '/exchange/service-principals', {
          tenantId: DEMO.tenantId,
          appId: DEMO.appId,
          objectId: id,
        });

      before(async () => {
        objectId = (await control(w.emu, 'GET', `/apps/${DEMO.appId}/object-ids?tenantId=${DEMO.tenantId}`))
          .body.enterpriseApplicationObjectId;
        assert.equal(
          (await control(w.emu, 'POST', '/mailboxes', { tenantId: DEMO.tenantId, address: HELPDESK })).status,
          201,
        );
        const created = await w.api(w.adeleToken, 'POST', '/system-mailboxes', {
          label: 'Helpdesk',
          address: HELPDESK,
          roles: ['staff'],
        });
        assert.equal(created.status, 201, JSON.stringify(created.json));
        helpdesk = created.json.id;
        assert.equal((await createSp(objectId)).status, 201);
        await control(w.emu, 'POST', `/mailboxes/${HELPDESK}/grants`, {
          principal: objectId,
          rights: ['FullAccess', 'SendAs'],
        });
        const access = await w.api(w.adeleToken, 'PUT', `/system-mailboxes/${helpdesk}/access`, {
          access: 'application',
          enterpriseObjectId: objectId,
        });
        assert.equal(access.status, 200, JSON.stringify(access.json));
      });

      test('without admin consent: the token link shows a token without roles and names the missing consent', async () => {
        const s = await brokenAt(w.adeleToken, helpdesk, 'token_outlook');
        assert.equal(s.code, 'app_access.consent_missing');
        assert.equal(s.whoMustAct, 'administrator');
        assert.match(s.message, /no “roles” claim/);
        assert.deepEqual(s.token.roles, []);
        assert.deepEqual(s.token.scopes, []);
        assert.deepEqual(s.token.needed, { scopes: [], roles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'] });
        assert.deepEqual(s.token.missing, ['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
        assert.match(
          s.fix,
          /Application permissions: IMAP\.AccessAsApp, SMTP\.SendAsApp › Grant admin consent/,
        );
        const granted = await control(w.emu, 'POST', `/apps/${DEMO.appId}/app-role-grants`, {
          tenantId: DEMO.tenantId,
          roles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
        });
        assert.equal(granted.status, 200);
      });

      test('healthy: no refresh token asked for, the app token’s roles against those needed, IMAP and SMTP as the shared address', async () => {
        const d = await diagnose(w.adeleToken, helpdesk);
        assert.equal(d.verdict, 'ok', JSON.stringify(d.steps));
        const statuses = Object.fromEntries(d.steps.map((s: Json) => [s.step, s.status]));
        assert.deepEqual(statuses, {
          settings: 'ok',
          authority: 'ok',
          token_outlook: 'ok',
          token_graph: 'skipped',
          imap_login: 'ok',
          smtp_auth: 'ok',
          graph_mailbox: 'skipped',
          full_access: 'ok',
          send_as: 'skipped',
          credential_expiry: 'skipped',
        });
        assert.match(step(d, 'settings').message, /application access \(no person’s refresh token\)/);
        const token = step(d, 'token_outlook').token;
        assert.ok(token.roles.includes('IMAP.AccessAsApp') && token.roles.includes('SMTP.SendAsApp'));
        assert.deepEqual(token.needed.roles, ['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
        assert.deepEqual(token.missing, []);
        assert.match(step(d, 'imap_login').message, new RegExp(`signed in to IMAP as ${HELPDESK}`));
        assert.match(step(d, 'smtp_auth').message, new RegExp(`for ${HELPDESK}`));
        assert.match(step(d, 'full_access').message, new RegExp(objectId));
        assert.match(step(d, 'send_as').message, new RegExp(`-Trustee ${objectId}`));
      });

      test('the Exchange service principal missing, then made with the app registration’s object id: New-ServicePrincipal with the Enterprise application’s', async () => {
        const wrong = (
          await control(w.emu, 'GET', `/apps/${DEMO.appId}/object-ids?tenantId=${DEMO.tenantId}`)
        ).body.applicationObjectId;
        assert.notEqual(wrong, objectId);
        assert.equal((await control(w.emu, 'DELETE', sp())).status, 204);
        try {
          for (const setup of ['missing', 'wrong object id']) {
            if (setup === 'wrong object id') assert.equal((await createSp(wrong)).status, 201);
            const s = await brokenAt(w.adeleToken, helpdesk, 'imap_login');
            assert.equal(s.code, 'app_access.service_principal_missing', setup);
            assert.equal(s.whoMustAct, 'administrator');
            assert.match(
              s.message,
              /Exchange service principal is missing, or was created with the app registration's object id/,
            );
            assert.ok(
              s.fix.startsWith(`New-ServicePrincipal -AppId ${DEMO.appId} -ObjectId ${objectId} `),
              s.fix,
            );
            assert.ok(!s.fix.includes(wrong));
          }
        } finally {
          await control(w.emu, 'DELETE', sp());
          assert.equal((await createSp(objectId)).status, 201);
        }
        assert.equal((await diagnose(w.adeleToken, helpdesk)).verdict, 'ok');
      });

      test('no FullAccess for the service principal: the IMAP link, with Add-MailboxPermission for its object id', async () => {
        await withoutGrant(HELPDESK, objectId, 'FullAccess', async () => {
          const s = await brokenAt(w.adeleToken, helpdesk, 'imap_login');
          assert.equal(s.code, 'app_access.full_access_missing');
          assert.match(s.message, /authenticated but not connected/);
          assert.ok(
            s.fix.startsWith(
              `Add-MailboxPermission -Identity '${HELPDESK}' -User ${objectId} -AccessRights FullAccess`,
            ),
            s.fix,
          );
          assert.equal(s.docs, '/docs/troubleshooting#full-access');
        });
        assert.equal((await diagnose(w.adeleToken, helpdesk)).verdict, 'ok');
      });

      test('IMAP off for it: SMTP accepts the application, so the IMAP link says IMAP is off, not the service principal', async () => {
        await whileChanged(
          `/mailboxes/${HELPDESK}`,
          { imapEnabled: false },
          { imapEnabled: true },
          async () => {
            const s = await brokenAt(w.adeleToken, helpdesk, 'imap_login');
            assert.equal(s.code, 'imap.auth_failed');
            assert.ok(s.fix.startsWith(`Set-CASMailbox -Identity ${HELPDESK} -ImapEnabled $true`));
            assert.equal(s.docs, '/docs/troubleshooting#imap-disabled');
          },
        );
      });
    });

    test('the recorded credential expiry: near is an ok link with the renewal, past is the broken link', async () => {
      const putSettings = await settingsPut();
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      const record = async (clientSecretExpiresAt: string) => {
        const res = await putSettings({ clientSecretExpiresAt });
        assert.equal(res.status, 200, JSON.stringify(res.json));
      };
      try {
        await record(day(10));
        const near = await diagnose(w.adeleToken, w.mailboxes.adele);
        assert.equal(near.verdict, 'ok', JSON.stringify(near.steps));
        const s = step(near, 'credential_expiry');
        assert.equal(s.status, 'ok');
        assert.equal(s.code, 'credential.expiring');
        assert.match(s.message, /client secret expires at .* \(in (9|10) days\): renew it/);
        assert.match(s.fix, /New client secret/);
        await record(day(-2));
        const past = await brokenAt(w.adeleToken, w.mailboxes.adele, 'credential_expiry');
        assert.equal(past.code, 'AADSTS7000222');
        assert.equal(past.whoMustAct, 'administrator');
        assert.match(past.message, /expired at/);
        assert.equal(past.docs, '/docs/troubleshooting#credential-expiry');
      } finally {
        await record('');
      }
      assert.equal(
        step(await diagnose(w.adeleToken, w.mailboxes.adele), 'credential_expiry').status,
        'skipped',
      );
    });
  });
}
