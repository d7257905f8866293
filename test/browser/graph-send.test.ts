import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { GRAPH_MAIL_SCOPES } from '../../src/microsoft/redirect-uris.ts';
import { launchChromium, signInWithPassword } from '../support/chromium.ts';
import { control } from '../support/control.ts';
import { ADELE, MEGAN } from '../support/mailbox-setup.ts';
import { signInAndGetTokens } from '../support/oauth-flow.ts';
import { copiesIn, type SendWorld, startSendWorld } from '../support/send-fixture.ts';

let w: SendWorld;
let chromium: Browser;

before(async () => {
  w = await startSendWorld('sqlite');
  // Megan allowed Mailroom to use Microsoft Graph (incremental consent).
  await signInAndGetTokens(w.emu, MEGAN, 'Megan-demo-1', ['openid', ...GRAPH_MAIL_SCOPES]);
  chromium = await launchChromium();
  mkdirSync('.data/screenshots', { recursive: true });
});
after(async () => {
  await chromium?.close();
  await w?.stop();
});

test('SMTP AUTH off for the tenant: a reply written in the back office goes through Graph, threaded, once in Sent Items; the mailbox page says so and why', async () => {
  const original = await w.send(w.adeleToken, w.mailboxes.adele, {
    to: [MEGAN],
    subject: 'Room booking',
    text: 'Is room 4 free on Monday?',
  });
  assert.equal(original.state, 'sent');
  await w.sync(w.mailboxes.megan);

  const context = await chromium.newContext({ baseURL: w.app.url });
  const page = await context.newPage();
  await signInWithPassword(page, MEGAN);
  await control(w.emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: false });
  try {
    await page.goto(`/mail/${w.mailboxes.megan}`);
    await page.getByRole('link', { name: 'Room booking' }).click();
    await page.getByRole('link', { name: 'Reply', exact: true }).click();
    await page.getByLabel('Message').fill('Yes, booked for you.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#outgoing[data-state="sent"]').waitFor({ timeout: 20_000 });
    const outgoingId = page.url().split('/').at(-1)!;
    const sent = await w.waitFor(w.mailboxes.megan, outgoingId, ['sent']);
    assert.match(sent.serverReply, /Microsoft Graph/);
    const [arrived, ...more] = await copiesIn(w.emu, ADELE, 'INBOX', sent.messageId);
    assert.equal(more.length, 0);
    const parsed = await simpleParser(arrived!);
    assert.equal(parsed.messageId, `<${sent.messageId}>`);
    assert.equal(parsed.inReplyTo, `<${original.messageId}>`);
    assert.deepEqual([parsed.references].flat(), [`<${original.messageId}>`]);
    assert.equal((await copiesIn(w.emu, MEGAN, 'Sent Items', sent.messageId)).length, 1);

    await page.goto(`/mailboxes/${w.mailboxes.megan}`);
    const way = page.locator('#sends-through');
    assert.equal(await way.getAttribute('data-sends-through'), 'graph');
    const text = (await way.textContent()) ?? '';
    assert.match(text, /Sends through Microsoft Graph/);
    assert.match(text, /SMTP AUTH is switched off/);
    await page.screenshot({ path: '.data/screenshots/send-through-graph.png', fullPage: true });
  } finally {
    await control(w.emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: true });
  }
  // SMTP AUTH is on again: the owner chooses SMTP on the mailbox page.
  await page.getByLabel('Reach this mailbox through').selectOption('smtp');
  await page.getByRole('button', { name: 'Save the way to Microsoft 365' }).click();
  await page.locator('#sends-through[data-sends-through="smtp"]').waitFor();
  assert.equal(await page.locator('#sends-through').getAttribute('data-send-via'), 'smtp');
  assert.match(
    (await page.locator('#sends-through').textContent()) ?? '',
    /Set to IMAP and SMTP only: it sends over SMTP only/,
  );
  await context.close();
});
