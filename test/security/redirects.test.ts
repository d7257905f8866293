import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser as Chromium } from 'playwright-core';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { localTarget } from '../../src/http/redirect.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { createUser } from '../../src/users/create-user.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, STAFF, startTestApp, type TestApp } from '../support/app.ts';
import { textOf } from '../support/app-browser.ts';
import { launchChromium } from '../support/chromium.ts';
import { DATABASES } from '../support/databases.ts';
import { Browser, completeSignIn, type Page } from '../support/http-client.ts';
import { DEMO_PASSWORDS, msBrowser, refusalCode, registerRedirectUris } from '../support/ms-signin.ts';

// Every redirect Mailroom emits must resolve, with the WHATWG URL parser (what Firefox, Safari and Node's
// `new URL` use), to Mailroom's own origin (DESIGN.md, Trust boundaries). The parser drops tabs and new
// lines, turns backslashes into slashes, trims spaces and control characters at the ends and collapses
// `/./`, so a `next` that looks like a local path may not be one.

const ADELE = `adele@${DEMO.domain}`;

/** Values of `next` an attacker puts in a link to Mailroom's sign-in. */
const HOSTILE = [
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '/\\/evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/\t\t/evil.example',
  '/\u0000/evil.example',
  '/\u000b/evil.example',
  '/\u007f/evil.example',
  '/\u0085/evil.example',
  ' //evil.example',
  '\t//evil.example',
  '/.//evil.example',
  '/a/..//evil.example',
  '/%2e//evil.example',
  'https://evil.example',
  'https:evil.example',
  'https://evil.example@127.0.0.1/',
  '//127.0.0.1@evil.example/',
  'javascript:alert(document.cookie)',
  'data:text/html,<script>alert(1)</script>',
  `/${'a'.repeat(4_000)}`,
  `/?${'q='.repeat(2_000)}`,
];

/** Odd but Mailroom's own once a browser has parsed them: they may be followed, and stay on Mailroom. */
const ODD = [
  '/\u2028/evil.example',
  '/%2F%2Fevil.example',
  'http:evil.example',
  '/%09/evil.example',
  '/é?q=ü#frag',
];

/** Honest values keep working: the sign-in returns exactly there. */
const HONEST = ['/mailboxes', '/mail?folder=Sent%20Items', '/settings/microsoft'];

const publicUrlOf = (app: TestApp) => app.mailroom.deps.config.publicUrl;

/** The raw Location header, resolved the way a WHATWG browser would against the public URL. */
const resolved = (app: TestApp, page: Page): URL | null => {
  const raw = page.headers.get('location');
  return raw === null ? null : new URL(raw, publicUrlOf(app));
};

const assertStaysHome = (app: TestApp, page: Page, what: string): URL | null => {
  assert.notEqual(page.status, 500, `${what}: answered 500`);
  const to = resolved(app, page);
  if (to) assert.equal(to.origin, new URL(publicUrlOf(app)).origin, `${what}: Location ${to.href}`);
  return to;
};

const label = (next: string) => JSON.stringify(next.length > 40 ? `${next.slice(0, 40)}…` : next);

test('localTarget keeps path and query of Mailroom, nothing else', () => {
  const base = 'http://mailroom.example';
  for (const next of HOSTILE) assert.equal(localTarget(base, next), null, label(next));
  for (const [next, local] of [
    ['/mailboxes', '/mailboxes'],
    ['/mail?folder=Sent%20Items#top', '/mail?folder=Sent%20Items'],
    ['http://mailroom.example/settings/microsoft', '/settings/microsoft'],
    ['/é', '/%C3%A9'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['mailboxes', '/mailboxes'],
    ['https://mailroom.example/', null],
    ['http://mailroom.example:8080/', null],
    ['', null],
    [`/${'a'.repeat(2047)}`, `/${'a'.repeat(2047)}`],
    [`/${'a'.repeat(2048)}`, null],
  ] as const)
    assert.equal(localTarget(base, next), local, label(next));
});

let emu: RunningEmulator;
let chromium: Chromium;
before(async () => {
  emu = await startEmulator({ mail: false });
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await emu?.stop();
});

for (const kind of DATABASES) {
  describe(`redirects on ${kind}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind);
      registerRedirectUris(emu, app);
      const admin = await findUserByEmail(app.mailroom.deps.db, ADMIN.email);
      const token = await createApiToken(app.mailroom.deps.db, admin!.id, 'test');
      await createUser(app.mailroom.deps.db, { email: ADELE, displayName: 'Adele Vance', role: 'staff' });
      // Plain HTTP on loopback (allowed for a local authority), so chromium needs no certificate.
      const res = await fetch(`${app.url}/api/settings/microsoft`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          clientId: DEMO.appId,
          tenant: DEMO.tenantId,
          cloud: 'custom',
          customAuthorityUrl: emu.httpUrl,
          clientSecret: emu.demo!.appSecret,
          signinEnabled: true,
        }),
      });
      assert.equal(res.status, 200, await res.text());
    });
    after(async () => {
      await app?.stop();
    });

    /** GET /signin?next=…, then POST /signin with that `next` (also forced into the form). */
    const passwordSignIn = async (next: string) => {
      const browser = new Browser();
      const form = await browser.get(`${app.url}/signin?${new URLSearchParams({ next })}`);
      assertStaysHome(app, form, `GET /signin next=${label(next)}`);
      assert.equal(form.status, 200, `GET /signin next=${label(next)}: the plain sign-in page`);
      const done = await browser.submit(form, {
        fields: { email: STAFF.email, password: STAFF.password, next },
      });
      assert.equal(done.status, 302, `POST /signin next=${label(next)}: ${textOf(done).slice(0, 200)}`);
      return { browser, to: assertStaysHome(app, done, `POST /signin next=${label(next)}`) };
    };

    /** /auth/microsoft?next=… → the emulator's pages → the callback. */
    const microsoftSignIn = async (next: string) => {
      const browser = msBrowser(emu);
      const start = await browser.get(`${app.url}/auth/microsoft?${new URLSearchParams({ next })}`);
      assert.notEqual(start.status, 500, `/auth/microsoft next=${label(next)}: answered 500`);
      assert.equal(start.status, 302, `/auth/microsoft next=${label(next)}: ${refusalCode(start)}`);
      // The one redirect that leaves Mailroom: to the configured authority's authorization endpoint.
      assert.equal(new URL(start.location!).origin, new URL(emu.httpUrl).origin);
      const atMicrosoft = await completeSignIn(browser, await browser.get(start.location!), {
        login: ADELE,
        password: DEMO_PASSWORDS[ADELE]!,
      });
      assert.ok(atMicrosoft.location?.startsWith(`${app.url}/auth/microsoft/callback`), atMicrosoft.html);
      const done = await browser.get(atMicrosoft.location!);
      assert.equal(done.status, 302, `callback next=${label(next)}: ${refusalCode(done)}`);
      return assertStaysHome(app, done, `callback next=${label(next)}`);
    };

    test('a hostile next never leads a password sign-in off Mailroom, nor to an error', async () => {
      for (const next of HOSTILE) {
        const { to } = await passwordSignIn(next);
        assert.equal(to?.pathname, '/', `next=${label(next)} is dropped`);
      }
      for (const next of ODD) await passwordSignIn(next);
    });

    test('a hostile next never leads a Microsoft sign-in off Mailroom, nor to an error', async () => {
      for (const next of HOSTILE) {
        const to = await microsoftSignIn(next);
        assert.equal(to?.pathname, '/', `next=${label(next)} is dropped`);
      }
      for (const next of ODD) await microsoftSignIn(next);
    });

    test('an honest next still brings the user back where they were going', async () => {
      for (const next of HONEST) {
        const { to: back } = await passwordSignIn(next);
        assert.equal(`${back?.pathname}${back?.search}`, next);
        const to = await microsoftSignIn(next);
        assert.equal(`${to?.pathname}${to?.search}`, next);
      }
    });

    test('pages that need a user send it to the sign-in with a next that comes back, hostile paths too', async () => {
      for (const path of [
        '/mailboxes',
        '/mail?folder=Inbox',
        '/mailboxes/%0d%0a',
        '/mailboxes/%09',
        '//evil.example/',
        '/\\evil.example/',
      ]) {
        const browser = new Browser();
        const page = await browser.request(`${app.url}${path}`);
        const to = assertStaysHome(app, page, `GET ${path}`);
        if (!to) continue;
        assert.equal(to.pathname, '/signin', `GET ${path}`);
        const form = await browser.get(to.href);
        const done = await browser.submit(form, { fields: { email: STAFF.email, password: STAFF.password } });
        assertStaysHome(app, done, `sign-in after GET ${path}`);
      }
      const browser = new Browser();
      const to = resolved(app, await browser.get(`${app.url}/mailboxes`));
      const done = await browser.submit(await browser.get(to!.href), {
        fields: { email: STAFF.email, password: STAFF.password },
      });
      assert.equal(resolved(app, done)?.pathname, '/mailboxes', 'back where the user was going');
    });

    test('chromium signs in with a hostile next and stays on Mailroom', async () => {
      /** A fresh browser whose requests to any other origin than Mailroom's and the emulator's are caught. */
      const guarded = async (offsite: string[]) => {
        const context = await chromium.newContext({ baseURL: app.url });
        const allowed = [new URL(app.url).origin, new URL(emu.httpUrl).origin];
        await context.route(
          (url) => !allowed.includes(url.origin),
          (route) => {
            offsite.push(route.request().url());
            return route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Evil</h1>' });
          },
        );
        return context;
      };
      const offsite: string[] = [];
      for (const next of ['/\t/evil.example', '/\n/evil.example', '//evil.example', '/.//evil.example']) {
        const context = await guarded(offsite);
        const page = await context.newPage();
        await page.goto(`/signin?${new URLSearchParams({ next })}`);
        await page.getByLabel('E-mail').fill(STAFF.email);
        await page.getByLabel('Password').fill(STAFF.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${app.url}/`, { timeout: 10_000 });
        assert.match((await page.locator('h1').textContent()) ?? '', /Hello, Sam Staff/, label(next));
        await context.close();
      }
      // The same through Microsoft's pages (the link on the sign-in page carries `next`), as Adele.
      for (const next of ['/\t/evil.example', '/\n/evil.example']) {
        const context = await guarded(offsite);
        const page = await context.newPage();
        await page.goto(`/signin?${new URLSearchParams({ next })}`);
        await page.getByRole('link', { name: 'Sign in with Microsoft 365' }).click();
        await page.getByLabel('Email, phone, or Skype').fill(ADELE);
        await page.getByLabel('Password').fill(DEMO_PASSWORDS[ADELE]!);
        await page.getByRole('button', { name: 'Sign in' }).click();
        // The consent page appears the first time Adele meets the app; later sign-ins go straight back.
        const accept = page.getByRole('button', { name: 'Accept' });
        const home = page.waitForURL(`${app.url}/`, { timeout: 10_000 });
        await Promise.race([home, accept.waitFor({ timeout: 10_000 }).then(() => accept.click())]);
        await home;
        assert.match((await page.locator('h1').textContent()) ?? '', /Hello, Adele Vance/, label(next));
        await context.close();
      }
      assert.deepEqual(offsite, [], 'no request reached another origin');
    });
  });
}
