import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { launchChromium, signInWithPassword } from '../support/chromium.ts';
import { control } from '../support/control.ts';
import { ADELE, MEGAN } from '../support/mailbox-setup.ts';
import { copiesIn, type SendWorld, startSendWorld } from '../support/send-fixture.ts';

let w: SendWorld;
let chromium: Browser;

before(async () => {
  w = await startSendWorld('sqlite');
  chromium = await launchChromium();
  mkdirSync('.data/screenshots', { recursive: true });
});
after(async () => {
  await chromium?.close();
  await w?.stop();
});

/** The outbox page refreshes itself while the message is on its way. */
const untilState = async (page: Page, state: string) => {
  await page.locator(`#outgoing[data-state="${state}"]`).waitFor({ timeout: 20_000 });
};

test('reply with a file from the message page: sent, threaded, and the file arrives', async () => {
  const original = await w.send(w.adeleToken, w.mailboxes.adele, {
    to: [MEGAN],
    subject: 'Lunch on Friday?',
    text: 'Shall we try the new place?',
  });
  assert.equal(original.state, 'sent');
  await w.sync(w.mailboxes.megan);

  const context = await chromium.newContext({ baseURL: w.app.url });
  const page = await context.newPage();
  await signInWithPassword(page, MEGAN);
  await page.goto(`/mail/${w.mailboxes.megan}`);
  await page.getByRole('link', { name: 'Lunch on Friday?' }).click();
  await page.getByRole('link', { name: 'Reply', exact: true }).click();
  assert.equal(await page.getByLabel('To').inputValue(), ADELE);
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Re: Lunch on Friday?');
  await page.getByText('> Shall we try the new place?').waitFor();

  // A wrong address comes back beside its field, with the text kept.
  await page.getByLabel('To').fill('adele at contoso');
  await page.getByLabel('Message').fill('Yes, 12:30!');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Not an e-mail address: “adele at contoso”.').waitFor();
  assert.equal(await page.getByLabel('Message').inputValue(), 'Yes, 12:30!');

  await page.getByLabel('To').fill(ADELE);
  await page.getByLabel('Attachments').setInputFiles({
    name: 'menu.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('Soup of the day\n'),
  });
  await page.getByRole('button', { name: 'Send' }).click();
  await untilState(page, 'sent');
  const outgoingId = page.url().split('/').at(-1)!;
  const sent = await w.waitFor(w.mailboxes.megan, outgoingId, ['sent']);
  const [arrived] = await copiesIn(w.emu, ADELE, 'INBOX', sent.messageId);
  const parsed = await simpleParser(arrived!);
  assert.equal(parsed.inReplyTo, `<${original.messageId}>`);
  assert.deepEqual(
    parsed.attachments.map((a) => [a.filename, a.content.toString()]),
    [['menu.txt', 'Soup of the day\n']],
  );
  await page.getByRole('link', { name: 'See it in its conversation' }).click();
  await page.locator('#thread li').nth(1).waitFor();
  assert.equal(await page.locator('#thread li').count(), 2, 'the reply is in the thread with the original');
  await context.close();
});

test('SMTP AUTH switched off on a mailbox set to SMTP: the message page says it failed, why, and who must act; Retry sends it', async () => {
  // On Automatic it would go through Graph instead (the test below).
  await w.api(w.meganToken, 'PUT', `/mailboxes/${w.mailboxes.megan}/send-via`, { sendVia: 'smtp' });
  const context = await chromium.newContext({ baseURL: w.app.url });
  const page = await context.newPage();
  await signInWithPassword(page, MEGAN);
  await page.goto(`/mail/${w.mailboxes.megan}`);
  await control(w.emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: false });
  try {
    await page.getByRole('link', { name: 'New message' }).click();
    await page.getByLabel('To').fill(`Adele Vance <${ADELE}>`);
    await page.getByLabel('Subject').fill('Budget');
    await page.getByLabel('Message').fill('See the figures.');
    await page.getByRole('button', { name: 'Send' }).click();
    await untilState(page, 'failed');
    const error = await page.locator('#outgoing-error').innerText();
    assert.match(error, /^For an administrator to fix: /);
    assert.match(error, /535 5\.7\.139/);
    assert.match(
      error,
      /Set-CASMailbox -Identity megan@contoso\.example -SmtpClientAuthenticationDisabled \$false/,
    );
    assert.match(error, /reading mail still works/);
    await page.screenshot({ path: '.data/screenshots/send-smtp-auth-disabled.png', fullPage: true });
    // The writer is reminded on every page; an administrator sees what blocks the mailbox.
    await page.goto('/');
    await page.getByText('A message you wrote could not be sent.').waitFor();
    const admin = await chromium.newContext({ baseURL: w.app.url });
    const adminPage = await admin.newPage();
    await signInWithPassword(adminPage, ADELE);
    await adminPage
      .getByText(
        'Mail cannot be sent from megan@contoso.example: Exchange has SMTP AUTH switched off for it.',
      )
      .waitFor();
    await admin.close();
  } finally {
    await control(w.emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: true });
  }
  await page.getByRole('link', { name: 'See why' }).click();
  await page.getByRole('button', { name: 'Retry' }).click();
  await untilState(page, 'sent');
  await page.goto('/');
  assert.doesNotMatch(await page.locator('body').innerText(), /could not be sent/);
  await context.close();
});
