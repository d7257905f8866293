import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium } from '../support/chromium.ts';

let emu: RunningEmulator;
let app: TestApp;
let chromium: Browser;
before(async () => {
  emu = await startEmulator({ mail: false });
  app = await startTestApp('sqlite', { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await app?.stop();
  await emu?.stop();
});

test('an administrator fills the Microsoft 365 settings, copies a Redirect URI and checks the configuration', async () => {
  const context = await chromium.newContext({ baseURL: app.url });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
  const page = await context.newPage();
  const scriptErrors: string[] = [];
  page.on('pageerror', (e) => scriptErrors.push(e.message));

  await page.goto('/settings/microsoft');
  await page.getByLabel('E-mail').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/settings/microsoft');

  const fill = async (secret: string) => {
    await page.getByLabel('Application (client) ID').fill(DEMO.appId);
    await page.getByLabel('Client secret (Value)').fill(secret);
    await page.getByLabel('Directory (tenant) ID').fill(DEMO.tenantId);
    await page.getByLabel('Cloud').selectOption('custom');
    await page.getByLabel('Custom authority URL').fill(emu.httpsUrl);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
  };

  // A secret ID pasted by mistake is refused with the advice to use the Value.
  await fill(emu.demo!.appSecretId);
  assert.match(
    await page.locator('#clientSecret-error').innerText(),
    /This is the secret’s ID, not its value/,
  );

  await fill(emu.demo!.appSecret);
  await page.getByText('Microsoft 365 settings saved.').waitFor();

  await page.locator('[data-copy="redirect-signin"]').click();
  assert.equal(await page.evaluate('navigator.clipboard.readText()'), `${app.url}/auth/microsoft/callback`);
  await page.getByRole('button', { name: 'Copied' }).waitFor();

  await page.getByRole('button', { name: 'Check configuration' }).click();
  assert.match(await page.locator('#check-result').innerText(), /Configuration works\./);

  await fill('Wrong8Q~not-the-demo-secret-value-at-all-x');
  await page.getByRole('button', { name: 'Check configuration' }).click();
  const failure = await page.locator('#check-result').innerText();
  assert.match(failure, /AADSTS7000215/);
  assert.match(failure, /Paste the secret’s Value, not its Secret ID/);

  await page.screenshot({ path: '.data/screenshots/microsoft-settings.png', fullPage: true });
  assert.deepEqual(scriptErrors, []);
  await context.close();
});
