import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { readTokens } from '../../src/mailboxes/token-store.ts';
import { launchChromium, signInWithPassword } from '../support/chromium.ts';
import { control } from '../support/control.ts';
import { ADELE, MEGAN, SUPPORT } from '../support/mailbox-setup.ts';
import { type SendWorld, startSendWorld } from '../support/send-fixture.ts';

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

/** No stored token of the mailbox, and nothing shaped like a JWT, is in the page. */
const assertNoToken = async (html: string, mailboxId: string) => {
  assert.doesNotMatch(html, /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/);
  const { db, secrets } = w.app.mailroom.deps;
  for (const resource of ['outlook', 'graph'] as const) {
    const stored = await readTokens(db, secrets, mailboxId, resource);
    if (stored?.accessToken) assert.ok(!html.includes(stored.accessToken));
    if (stored) assert.ok(!html.includes(stored.refreshToken));
  }
};

test('IMAP off for Megan’s mailbox: she presses Diagnose and reads the broken link, who must act and the fix', async () => {
  const context = await chromium.newContext({ baseURL: w.app.url });
  const page = await context.newPage();
  await signInWithPassword(page, MEGAN);
  await control(w.emu, 'PATCH', `/mailboxes/${MEGAN}`, { imapEnabled: false });
  try {
    await page.goto(`/mailboxes/${w.mailboxes.megan}`);
    await page.getByRole('button', { name: 'Diagnose', exact: true }).click();
    const verdict = page.locator('#verdict');
    await verdict.waitFor();
    assert.match((await verdict.textContent()) ?? '', /Broken link: IMAP sign-in and INBOX\./);
    assert.equal(await page.locator('#diagnosis').getAttribute('data-broken-step'), 'imap_login');
    const row = page.locator('tr[data-step="imap_login"]');
    const text = (await row.textContent()) ?? '';
    assert.match(text, /Who must act: An administrator/);
    assert.ok(text.includes(`Set-CASMailbox -Identity ${MEGAN} -ImapEnabled $true`));
    assert.ok(text.includes('/docs/troubleshooting#imap-disabled'));
    assert.equal(await page.locator('tr[data-step="token_outlook"]').getAttribute('data-status'), 'ok');
    assert.match(
      (await page.locator('[data-token-claims="outlook"]').textContent()) ?? '',
      /IMAP\.AccessAsUser\.All/,
    );
    assert.equal(await page.locator('tr[data-step="smtp_auth"]').getAttribute('data-status'), 'skipped');
    await assertNoToken(await page.content(), w.mailboxes.megan);
    await page.screenshot({ path: '.data/screenshots/diagnose-imap-off.png', fullPage: true });
  } finally {
    await control(w.emu, 'PATCH', `/mailboxes/${MEGAN}`, { imapEnabled: true });
    await context.close();
  }
});

test('Diagnose all on the Microsoft 365 page: a table of the mailboxes by verdict, the broken one first', async () => {
  const context = await chromium.newContext({ baseURL: w.app.url });
  const page = await context.newPage();
  await signInWithPassword(page, ADELE);
  await control(w.emu, 'DELETE', `/mailboxes/${SUPPORT}/grants`, {
    principal: ADELE,
    rights: ['FullAccess'],
  });
  try {
    await page.goto('/settings/microsoft');
    await page.getByRole('button', { name: 'Diagnose all' }).click();
    const rows = page.locator('#diagnose-all tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 3);
    assert.equal(await rows.nth(0).getAttribute('data-verdict'), 'failed');
    assert.equal(await rows.nth(0).getAttribute('data-broken-step'), 'full_access');
    assert.ok(
      ((await rows.nth(0).textContent()) ?? '').includes(
        `Add-MailboxPermission -Identity ${SUPPORT} -User ${ADELE} -AccessRights FullAccess`,
      ),
    );
    for (const i of [1, 2]) assert.equal(await rows.nth(i).getAttribute('data-verdict'), 'ok');
    const html = await page.content();
    await page.screenshot({ path: '.data/screenshots/diagnose-all.png', fullPage: true });
    for (const id of Object.values(w.mailboxes)) await assertNoToken(html, id);
  } finally {
    await control(w.emu, 'POST', `/mailboxes/${SUPPORT}/grants`, {
      principal: ADELE,
      rights: ['FullAccess'],
    });
    await context.close();
  }
});
