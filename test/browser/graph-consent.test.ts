import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, signInWithPassword } from '../support/chromium.ts';
import { control } from '../support/control.ts';
import { ADELE, MEGAN } from '../support/mailbox-setup.ts';
import { copiesIn, type SendWorld, startSendWorld } from '../support/send-fixture.ts';

let w: SendWorld;
let chromium: Browser;

before(async () => {
  // Chromium reaches the emulator's sign-in pages over plain HTTP on loopback.
  w = await startSendWorld('sqlite', {}, (emu) => ({ customAuthorityUrl: emu.httpUrl }));
  chromium = await launchChromium();
  mkdirSync('.data/screenshots', { recursive: true });
});
after(async () => {
  await chromium?.close();
  await w?.stop();
});

test('the owner sets the mailbox to Graph, presses “Allow Mailroom to use Microsoft Graph”, consents at Microsoft, and the next message goes through Graph', async () => {
  const context = await chromium.newContext({ baseURL: w.app.url });
  const page = await context.newPage();
  await signInWithPassword(page, MEGAN);
  await page.goto(`/mailboxes/${w.mailboxes.megan}`);
  assert.equal(await page.locator('#graph-access').getAttribute('data-graph'), 'not_allowed');

  await page.getByLabel('Reach this mailbox through').selectOption('graph');
  await page.getByRole('button', { name: 'Save the way to Microsoft 365' }).click();
  await page.getByText('Mailroom is not allowed to use Microsoft Graph for it yet').first().waitFor();
  const box = page.locator('#graph-access');
  assert.equal(await box.getAttribute('data-needed'), 'yes', 'urged: the mailbox now sends through Graph');
  assert.match((await box.textContent()) ?? '', /an administrator must approve/);
  await page.screenshot({ path: '.data/screenshots/graph-consent-needed.png', fullPage: true });

  await page.getByRole('button', { name: 'Allow Mailroom to use Microsoft Graph' }).click();
  // Microsoft's pages: account, password, then consent to Graph's mail permissions only.
  await page.getByLabel('Email, phone, or Skype').fill(MEGAN);
  await page.getByLabel('Password').fill('Megan-demo-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const consent = (await page.locator('body').textContent()) ?? '';
  assert.match(consent, /Read and write access to your mail/);
  assert.match(consent, /Send mail as you/);
  assert.doesNotMatch(consent, /IMAP|SMTP/, 'IMAP and SMTP were consented when connecting: not asked again');
  await page.getByRole('button', { name: 'Accept' }).click();

  await page.getByText('Mailroom may now use Microsoft Graph for megan@contoso.example.').waitFor();
  assert.equal(new URL(page.url()).pathname, `/mailboxes/${w.mailboxes.megan}`);
  assert.equal(await page.locator('#graph-access').getAttribute('data-graph'), 'allowed');

  await page.goto(`/mail/${w.mailboxes.megan}`);
  await page.getByRole('link', { name: 'New message' }).first().click();
  await page.getByLabel('To').fill(ADELE);
  await page.getByLabel('Subject').fill('Through Graph');
  await page.getByLabel('Message').fill('Sent after allowing Graph.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#outgoing[data-state="sent"]').waitFor({ timeout: 20_000 });
  const outgoingId = page.url().split('/').at(-1)!;
  const sent = await w.waitFor(w.mailboxes.megan, outgoingId, ['sent']);
  assert.match(sent.serverReply, /Microsoft Graph/);
  assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', sent.messageId)).length, 1);
  const viaGraph = (await control(w.emu, 'GET', `/graph/sent?mailbox=${MEGAN}`)).body.messages;
  assert.equal(viaGraph.length, 1, 'through Graph, not SMTP');
  await page.screenshot({ path: '.data/screenshots/graph-consent-sent.png', fullPage: true });
  await context.close();
});
