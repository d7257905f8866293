import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { DATABASES } from '../support/databases.ts';
import { allowGraphThroughMicrosoft, graphConsentForm } from '../support/graph-consent.ts';
import { completeSignIn, parseForms } from '../support/http-client.ts';
import { ADELE, MEGAN, mailroomBrowser } from '../support/mailbox-setup.ts';
import { copiesIn, type SendWorld, startSendWorld } from '../support/send-fixture.ts';

const GRAPH = 'https://graph.microsoft.com';

for (const kind of DATABASES) {
  describe(`allowing Mailroom to use Microsoft Graph for one mailbox (incremental consent), on ${kind}`, () => {
    let w: SendWorld;
    before(async () => {
      w = await startSendWorld(kind);
    });
    after(async () => {
      await w?.stop();
    });

    const graphTokenRows = (mailboxId: string) =>
      w.app.mailroom.deps.db
        .selectFrom('mailbox_access_tokens')
        .select('id')
        .where('mailbox_id', '=', mailboxId)
        .where('resource', '=', 'graph')
        .execute();

    test('connecting asks for IMAP and SMTP only; the Graph scopes come with the button, for that mailbox', async () => {
      const browser = await mailroomBrowser(w.emu, w.app, MEGAN);
      const start = await browser.get(
        `${w.app.url}/mailboxes/connect/microsoft?mailbox=${w.mailboxes.megan}`,
      );
      const scope = new URL(start.location!).searchParams.get('scope') ?? '';
      assert.match(scope, /IMAP\.AccessAsUser\.All/);
      assert.doesNotMatch(scope, /Mail\.(Send|ReadWrite)/, 'no Graph scope when connecting');

      const page = await browser.get(`${w.app.url}/mailboxes/${w.mailboxes.megan}`);
      assert.match(page.html, /data-graph="not_allowed"/);
      assert.equal(
        (await w.api(w.meganToken, 'GET', `/mailboxes/${w.mailboxes.megan}`)).json.graphAllowed,
        false,
      );
      assert.match(page.html, /data-needed="no"/, 'nothing needs Graph yet: offered, not urged');
      assert.match(page.html, /an administrator must approve/);
    });

    test('the answer must come from the mailbox’s own Microsoft account: another account’s consent is refused, nothing stored', async () => {
      const browser = await mailroomBrowser(w.emu, w.app, MEGAN);
      // Megan presses the button but signs in at Microsoft as Adele.
      const { back } = await allowGraphThroughMicrosoft(browser, w.app, w.mailboxes.megan, ADELE);
      assert.equal(back.location, `${w.app.url}/mailboxes/${w.mailboxes.megan}`);
      const page = await browser.get(back.location!);
      assert.match(
        page.html,
        /megan@contoso\.example is connected with the Microsoft account megan@contoso\.example; sign in with that account/,
      );
      assert.match(page.html, /data-graph="not_allowed"/);
      assert.equal(
        (await w.api(w.meganToken, 'GET', `/mailboxes/${w.mailboxes.megan}`)).json.graphAllowed,
        false,
      );
      assert.equal((await graphTokenRows(w.mailboxes.megan)).length, 0, 'Adele’s Graph token is not Megan’s');
      const check = await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.megan}/check`);
      assert.equal(check.json.imap.ok, true, 'Megan’s own connection is untouched');
    });

    test('declined at Microsoft: the page says nothing changed, and nothing is stored', async () => {
      const browser = await mailroomBrowser(w.emu, w.app, MEGAN);
      const { back } = await allowGraphThroughMicrosoft(browser, w.app, w.mailboxes.megan, MEGAN, {
        consent: 'Cancel',
      });
      const page = await browser.get(back.location!);
      assert.match(
        page.html,
        /The permissions were declined at Microsoft, so nothing changed\. \(AADSTS65004\)/,
      );
      assert.equal((await graphTokenRows(w.mailboxes.megan)).length, 0);
    });

    test('before consent, a message sent through Graph fails saying who presses which button; after it, Retry sends it', async () => {
      const set = await w.api(w.meganToken, 'PUT', `/mailboxes/${w.mailboxes.megan}/send-via`, {
        sendVia: 'graph',
      });
      assert.equal(set.status, 200, JSON.stringify(set.json));
      const failed = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [ADELE],
        subject: `Before consent ${kind}`,
        text: 'Through Graph, please.',
      });
      // The emulator refuses a Graph token for a user who never consented (AADSTS65001).
      assert.equal(failed.state, 'failed');
      assert.equal(failed.error.code, 'graph.consent_missing');
      assert.equal(failed.error.forWhom, 'mailbox_owner', 'the owner can allow it: their mailbox');
      assert.match(failed.error.message, /owner must open megan@contoso\.example/);
      assert.match(failed.error.message, /“Allow Mailroom to use Microsoft Graph”/);
      assert.match(failed.error.message, /Mail\.ReadWrite and Mail\.Send/);
      assert.match(failed.error.message, /admin consent for Microsoft Graph/);
      assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', failed.messageId)).length, 0, 'nothing sent');
      const kept = await w.api(w.meganToken, 'GET', `/mailboxes/${w.mailboxes.megan}/outgoing/${failed.id}`);
      assert.equal(kept.json.state, 'failed', 'the message is kept, failed, not lost');

      const browser = await mailroomBrowser(w.emu, w.app, MEGAN);
      const before = await browser.get(`${w.app.url}/mailboxes/${w.mailboxes.megan}`);
      assert.match(
        before.html,
        /data-graph="not_allowed" data-needed="yes"/,
        'urged: the mailbox sends through Graph',
      );
      assert.match(before.html, /id="send-problem" data-code="graph.consent_missing"/);
      // The button's POST is answered by a redirect to Microsoft: the page lets forms go there, and only there.
      assert.match(
        before.headers.get('content-security-policy') ?? '',
        new RegExp(`form-action 'self' ${new URL(w.emu.httpsUrl).origin.replace(/\./g, '\\.')}(;|$)`),
      );
      const mailbox = await findMailbox(w.app.mailroom.deps.db, w.mailboxes.megan);
      assert.equal(mailbox?.state, 'connected', 'reading goes on');

      const { authorize, consentPage, back } = await allowGraphThroughMicrosoft(
        browser,
        w.app,
        w.mailboxes.megan,
        MEGAN,
      );
      const scopes = (authorize.searchParams.get('scope') ?? '').split(' ');
      assert.ok(scopes.includes(`${GRAPH}/Mail.Send`) && scopes.includes(`${GRAPH}/Mail.ReadWrite`));
      assert.ok(!scopes.some((s) => s.endsWith('.Shared')), 'a personal mailbox asks for no .Shared scope');
      assert.ok(!scopes.some((s) => s.includes('outlook.office.com')), 'one resource: Graph');
      assert.equal(authorize.searchParams.get('login_hint'), MEGAN);
      assert.match(consentPage.html, /Send mail as you/, 'Microsoft asks Megan to consent to Graph mail');
      assert.equal(back.location, `${w.app.url}/mailboxes/${w.mailboxes.megan}`);
      const after = await browser.get(back.location!);
      assert.match(after.html, /Mailroom may now use Microsoft Graph for megan@contoso\.example\./);
      assert.match(after.html, /data-graph="allowed"/);
      assert.match(
        after.headers.get('content-security-policy') ?? '',
        /form-action 'self'; |form-action 'self'$/,
      );
      assert.doesNotMatch(after.html, /id="send-problem"/, 'the sending problem is cleared');
      assert.equal((await graphTokenRows(w.mailboxes.megan)).length, 1, 'the Graph token is stored');
      const view = await w.api(w.meganToken, 'GET', `/mailboxes/${w.mailboxes.megan}`);
      assert.equal(view.json.graphAllowed, true, 'the API says so too');

      const retried = await w.api(
        w.meganToken,
        'POST',
        `/mailboxes/${w.mailboxes.megan}/outgoing/${failed.id}/retry`,
      );
      assert.equal(retried.status, 202, JSON.stringify(retried.json));
      const sent = await w.waitFor(w.mailboxes.megan, failed.id, ['sent', 'failed']);
      assert.equal(sent.state, 'sent', JSON.stringify(sent.error));
      assert.match(sent.serverReply, /Microsoft Graph/);
      assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', sent.messageId)).length, 1);
      assert.equal((await copiesIn(w.emu, MEGAN, 'Sent Items', sent.messageId)).length, 1);

      // Megan's Graph consent is revoked in the directory (her IMAP and SMTP consent stays): the next
      // refresh is refused, the Graph token is forgotten and the page offers the button again.
      const dir = w.emu.ctx.dir;
      const megan = [...dir.users.values()].find((u) => u.upn === MEGAN)!;
      for (let i = dir.consents.length - 1; i >= 0; i--) {
        const c = dir.consents[i]!;
        if (c.userOid === megan.oid && c.resource === GRAPH) dir.consents.splice(i, 1);
      }
      const check = await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.megan}/check`);
      assert.equal(check.json.imap.ok, true, 'reading is untouched');
      assert.equal(check.json.smtp.code, 'graph.consent_missing');
      assert.equal((await graphTokenRows(w.mailboxes.megan)).length, 0, 'the Graph token is forgotten');
      const again = await browser.get(`${w.app.url}/mailboxes/${w.mailboxes.megan}`);
      assert.match(again.html, /data-graph="not_allowed" data-needed="yes"/);
    });

    test('nobody starts Graph consent for a mailbox they may not manage', async () => {
      // Adele (an administrator) gets her own page's CSRF token, then aims at Megan's personal mailbox.
      const adele = await mailroomBrowser(w.emu, w.app, ADELE);
      const own = await graphConsentForm(adele, w.app, w.mailboxes.adele);
      assert.ok(own, 'Adele is offered the button for her own mailbox');
      const other = await adele.request(`${w.app.url}/mailboxes/${w.mailboxes.megan}/graph-consent`, {
        method: 'POST',
        body: new URLSearchParams(own.fields),
      });
      assert.equal(other.status, 404, 'someone else’s personal mailbox is not even visible');
      assert.equal(other.location, null, 'no authorize request');
      // The same token works for her own mailbox: the refusal above is the mailbox's, not the CSRF check's.
      const mine = await adele.request(own.action, { method: 'POST', body: new URLSearchParams(own.fields) });
      assert.equal(mine.status, 302);

      // Megan uses the Support system mailbox but may not manage it: no button, and the route refuses.
      const megan = await mailroomBrowser(w.emu, w.app, MEGAN);
      const supportPage = await megan.get(`${w.app.url}/mailboxes/${w.mailboxes.support}`);
      assert.equal(supportPage.status, 200);
      assert.equal(await graphConsentForm(megan, w.app, w.mailboxes.support), undefined);
      const meganForm = parseForms(
        (await megan.get(`${w.app.url}/mailboxes/${w.mailboxes.megan}`)).html,
        w.app.url,
      ).find((f) => f.action.endsWith('/send-via'));
      assert.ok(meganForm?.fields._csrf, 'a CSRF token of Megan’s session');
      const refused = await megan.request(`${w.app.url}/mailboxes/${w.mailboxes.support}/graph-consent`, {
        method: 'POST',
        body: new URLSearchParams(meganForm.fields),
      });
      assert.equal(refused.status, 403, 'a user of a system mailbox is not its manager');
      assert.equal(refused.location, null);
    });

    test('where only an administrator may grant them: the button says so, an administrator grants admin consent for Graph, then the button works', async () => {
      // The app registration's Graph mail permissions need an administrator (Entra: "Admin consent required").
      const registration = w.emu.ctx.dir.apps.get(DEMO.appId)!;
      const original = registration.permissions;
      registration.permissions = original.map((p) =>
        p.resource === GRAPH && p.value.startsWith('Mail.') ? { ...p, adminConsentRequired: true } : p,
      );
      try {
        const adele = await mailroomBrowser(w.emu, w.app, ADELE);
        const refused = await allowGraphThroughMicrosoft(adele, w.app, w.mailboxes.support, ADELE);
        assert.match(refused.consentPage.html, /Need admin approval/);
        const page = await adele.get(refused.back.location!);
        assert.match(page.html, /lets only an administrator grant these permissions/);
        assert.match(page.html, /AADSTS90094/);
        assert.equal((await graphTokenRows(w.mailboxes.support)).length, 0);

        const start = await adele.get(`${w.app.url}/settings/microsoft/admin-consent?for=graph`);
        const consentUrl = new URL(start.location!);
        assert.match(consentUrl.pathname, /\/v2\.0\/adminconsent$/);
        const scope = consentUrl.searchParams.get('scope') ?? '';
        assert.match(scope, /Mail\.Send\.Shared/);
        assert.doesNotMatch(scope, /IMAP|SMTP/, 'the Graph permissions only');
        const granted = await completeSignIn(adele, await adele.get(consentUrl.href), {
          login: ADELE,
          password: 'Adele-demo-1',
        });
        assert.ok(
          granted.location?.startsWith(`${w.app.url}/auth/microsoft/callback?`),
          granted.html.slice(0, 300),
        );
        await adele.get(granted.location!);

        const allowed = await allowGraphThroughMicrosoft(adele, w.app, w.mailboxes.support, ADELE);
        assert.doesNotMatch(allowed.consentPage.html, /Need admin approval/);
        const after = await adele.get(allowed.back.location!);
        assert.match(after.html, /Mailroom may now use Microsoft Graph for support@contoso\.example\./);
        assert.equal((await graphTokenRows(w.mailboxes.support)).length, 1);
      } finally {
        registration.permissions = original;
      }
    });
  });
}
