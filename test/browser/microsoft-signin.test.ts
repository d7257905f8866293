import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { createUser } from '../../src/users/create-user.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium } from '../support/chromium.ts';
import { registerRedirectUris } from '../support/ms-signin.ts';

let emu: RunningEmulator;
let app: TestApp;
let chromium: Browser;
let token: string;
before(async () => {
  emu = await startEmulator({ mail: false });
  app = await startTestApp('sqlite');
  registerRedirectUris(emu, app);
  const admin = await findUserByEmail(app.mailroom.deps.db, ADMIN.email);
  token = await createApiToken(app.mailroom.deps.db, admin!.id, 'browser');
  await createUser(app.mailroom.deps.db, {
    email: `adele@${DEMO.domain}`,
    displayName: 'Adele Vance',
    role: 'staff',
  });
  await createUser(app.mailroom.deps.db, {
    email: `alex@${DEMO.otherDomain}`,
    displayName: 'Alex Wilber',
    role: 'staff',
  });
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await app?.stop();
  await emu?.stop();
});

const configure = async (tenant: string) => {
  // The browser reaches the emulator over plain HTTP on loopback (allowed for a local authority), so no
  // certificate needs trusting in Chromium; the HTTPS path is covered by test/app/microsoft-signin.test.ts.
  const res = await fetch(`${app.url}/api/settings/microsoft`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      clientId: DEMO.appId,
      tenant,
      cloud: 'custom',
      customAuthorityUrl: emu.httpUrl,
      clientSecret: emu.demo!.appSecret,
      signinEnabled: true,
      ...(tenant === 'organizations' ? { allowedTenantIds: [DEMO.tenantId, DEMO.otherTenantId] } : {}),
    }),
  });
  assert.equal(res.status, 200);
};

for (const [tenant, login, name] of [
  [DEMO.tenantId, `adele@${DEMO.domain}`, 'Adele Vance'],
  [DEMO.domain, `adele@${DEMO.domain}`, 'Adele Vance'],
  ['organizations', `alex@${DEMO.otherDomain}`, 'Alex Wilber'],
] as const) {
  test(`signs in through Microsoft's pages with tenant ${tenant} and lands as ${name}`, async () => {
    await configure(tenant);
    const context = await chromium.newContext({ baseURL: app.url });
    const page = await context.newPage();
    await page.goto('/signin');
    await page.getByRole('link', { name: 'Sign in with Microsoft 365' }).click();
    await page.getByLabel('Email, phone, or Skype').fill(login);
    await page.getByLabel('Password').fill(login.startsWith('adele') ? 'Adele-demo-1' : 'Alex-demo-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const accept = page.getByRole('button', { name: 'Accept' });
    // The consent page appears the first time the user meets the app; later sign-ins go straight back.
    const consented = accept
      .waitFor({ timeout: 10_000 })
      .then(() => accept.click())
      .catch(() => undefined);
    await Promise.race([consented, page.waitForURL(`${app.url}/`, { timeout: 10_000 })]);
    await page.waitForURL(`${app.url}/`);
    assert.match(await page.locator('h1').innerText(), new RegExp(`Hello, ${name}`));
    await page.screenshot({ path: `.data/screenshots/signin-${tenant.replace(/[^a-z0-9]/gi, '-')}.png` });
    await context.close();
  });
}
