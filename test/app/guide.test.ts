// The guide served by Mailroom at /docs (docs/*.md rendered, its pictures), and the "More in the guide"
// links on the pages that explain a failure: each points at the section of its code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { GUIDE_CODES, guideUrlFor } from '../../src/guide/guide-link.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { signedInBrowser } from '../support/app-browser.ts';
import { DATABASES } from '../support/databases.ts';
import { parseForms } from '../support/http-client.ts';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ mail: false });
});
after(async () => {
  await emu?.stop();
});

const guideLinks = (html: string): string[] =>
  [...html.matchAll(/<a class="guide-link" href="([^"]+)"/g)].map((m) => m[1]!);

for (const kind of DATABASES) {
  describe(`the guide in Mailroom on ${kind}`, () => {
    let app: TestApp;
    let token: string;
    before(async () => {
      app = await startTestApp(kind);
      const db = app.mailroom.deps.db;
      token = await createApiToken(db, (await findUserByEmail(db, ADMIN.email))!.id, 'admin');
    });
    after(async () => {
      await app?.stop();
    });

    test('the pages are served to anyone, with an anchor for every code Mailroom links to', async () => {
      const index = await fetch(`${app.url}/docs`);
      assert.equal(index.status, 200);
      const indexHtml = await index.text();
      assert.match(indexHtml, /<h1 id="the-mailroom-guide">The Mailroom guide<\/h1>/);
      assert.match(indexHtml, /<a href="\/docs\/troubleshooting">Troubleshooting by error code<\/a>/);
      assert.match(indexHtml, /<img src="\/docs\/images\/signin.png" alt="Mailroom's sign-in page"/);
      const page = await fetch(`${app.url}/docs/troubleshooting`);
      assert.equal(page.status, 200);
      const html = await page.text();
      for (const code of GUIDE_CODES) {
        const anchor = guideUrlFor(code)!.split('#')[1]!;
        assert.ok(html.includes(`id="${anchor}"`), `${code}: no id="${anchor}"`);
      }
      const picture = await fetch(`${app.url}/docs/images/thread.png`);
      assert.equal(picture.status, 200);
      assert.equal(picture.headers.get('content-type'), 'image/png');
      assert.equal(
        Buffer.from(await picture.arrayBuffer())
          .subarray(1, 4)
          .toString(),
        'PNG',
      );
    });

    test('a name that is not a page or picture of the guide is a 404, traversal included', async () => {
      for (const path of [
        '/docs/nope',
        '/docs/images/nope.png',
        '/docs/..%2Fpackage.json',
        '/docs/images/..%2F..%2Fpackage.json',
        '/docs/images/thread.PNG',
      ])
        assert.equal((await fetch(`${app.url}${path}`)).status, 404, path);
    });

    test('a refused sign-in links to the section of its code', async () => {
      const refused = await fetch(`${app.url}/auth/microsoft/callback?code=x&state=not-started`, {
        redirect: 'manual',
      });
      const html = await refused.text();
      assert.match(html, /data-code="signin\.(state_unknown|state_missing|not_configured|disabled)"/);
      const code = /data-code="([^"]+)"/.exec(html)![1]!;
      assert.deepEqual(guideLinks(html), [guideUrlFor(code)]);
    });

    test('a mailbox waiting on an administrator links to the section of its state code', async () => {
      const created = await fetch(`${app.url}/api/system-mailboxes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ label: 'Support', address: `support@${DEMO.domain}`, roles: ['staff'] }),
      });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: string };
      await app.mailroom.deps.db
        .updateTable('mailboxes')
        .set({
          state: 'admin_action_required',
          state_code: 'imap.not_connected',
          state_message: 'adele@contoso.example has no FullAccess to support@contoso.example.',
        })
        .where('id', '=', id)
        .execute();
      const browser = await signedInBrowser(app.url, ADMIN.email, ADMIN.password);
      const page = await browser.get(`${app.url}/mailboxes/${id}`);
      assert.equal(page.status, 200);
      assert.deepEqual(guideLinks(page.html), ['/docs/troubleshooting#imapnot_connected']);
    });

    test('a failed configuration check links to the section of its AADSTS code', async () => {
      const put = await fetch(`${app.url}/api/settings/microsoft`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          clientId: DEMO.appId,
          tenant: DEMO.tenantId,
          cloud: 'custom',
          customAuthorityUrl: emu.httpUrl,
          clientSecret: 'Wrong8Q~secretvalue-for-the-demo-app-xyz',
        }),
      });
      assert.equal(put.status, 200, await put.text());
      const browser = await signedInBrowser(app.url, ADMIN.email, ADMIN.password);
      const page = await browser.get(`${app.url}/settings/microsoft`);
      const checkForm = parseForms(page.html, page.url).findIndex((f) => f.action.endsWith('/check'));
      const checked = await browser.submit(page, { formIndex: checkForm });
      assert.match(checked.html, /AADSTS7000215/);
      assert.deepEqual(guideLinks(checked.html), ['/docs/troubleshooting#aadsts7000215']);
    });
  });
}
