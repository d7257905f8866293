import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium } from '../support/chromium.ts';
import { configureForMail, createDemoPeople, LOCAL_PASSWORD, MEGAN } from '../support/mailbox-setup.ts';

let emu: RunningEmulator;
let app: TestApp;
let chromium: Browser;
before(async () => {
  emu = await startEmulator();
  app = await startTestApp('sqlite', { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
  // Chromium reaches the emulator's pages over plain HTTP on loopback; Mailroom's IMAP and SMTP use TLS.
  await configureForMail(emu, app, { customAuthorityUrl: emu.httpUrl });
  await createDemoPeople(app);
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await app?.stop();
  await emu?.stop();
});

test('a staff member connects their mailbox through Microsoft, picks folders, disconnects and reconnects', async () => {
  const context = await chromium.newContext({ baseURL: app.url });
  const page = await context.newPage();
  await page.goto('/signin');
  await page.getByLabel('E-mail').fill(MEGAN);
  await page.getByLabel('Password').fill(LOCAL_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.getByRole('link', { name: 'Mailboxes' }).click();
  await page.getByRole('link', { name: 'Connect my mailbox' }).click();
  // Microsoft's pages: account, password, consent listing the permissions.
  await page.getByLabel('Email, phone, or Skype').fill(MEGAN);
  await page.getByLabel('Password').fill('Megan-demo-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(
    await page.locator('body').innerText(),
    /Read and write access to mailboxes via IMAP.[\s\S]*Send emails from mailboxes using SMTP AUTH./,
  );
  await page.getByRole('button', { name: 'Accept' }).click();

  await page.getByText('megan@contoso.example is connected. Tick the folders to sync.').waitFor();
  assert.equal(await page.getByLabel(/^INBOX|^Inbox/).isChecked(), true);
  await page.getByLabel(/^Archive/).check();
  await page.getByRole('button', { name: 'Save folders' }).click();
  await page.getByText('2 folders will sync.').waitFor();
  assert.equal(await page.getByLabel(/^Archive/).isChecked(), true);
  await page.screenshot({ path: '.data/screenshots/mailbox.png', fullPage: true });

  await page.getByLabel(/Keep it/).check();
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByText('megan@contoso.example is disconnected; its folders and mail are kept.').waitFor();
  assert.match(await page.locator('#mailbox-state').innerText(), /Not connected/);

  await page.getByRole('link', { name: 'Reconnect' }).click();
  // Microsoft remembers the session: pick the account (or sign in again), consent is remembered.
  const picker = page.getByRole('button', { name: /Megan Bowen/ });
  if (await picker.isVisible().catch(() => false)) await picker.click();
  await page.getByText('megan@contoso.example is connected. Tick the folders to sync.').waitFor();
  assert.equal(
    await page.getByLabel(/^Archive/).isChecked(),
    true,
    'the folder choice survived disconnect and reconnect',
  );
  assert.match(await page.locator('#mailbox-state').innerText(), /Connected/);
  await context.close();
});
