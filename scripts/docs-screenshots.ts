// `npm run docs:screenshots`: starts the demo (the emulator with its demo mail and Mailroom on SQLite, on
// free ports, in a temporary folder), drives it in headless Chromium as a newcomer would — sign in,
// check the Microsoft 365 settings, connect a mailbox, wait for the demo mail, read it, add the
// support@ system mailbox — and writes a 1280×800 PNG of each page into docs/images/, which the guide
// embeds. Run it again after changing a page so the pictures follow.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { demoMailOf } from '../emulator/mail/demo/seed-demo-mail.ts';
import { startDemoWorld } from './demo-world.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'images');
const VIEWPORT = { width: 1280, height: 800 };
const STEP_TIMEOUT_MS = 60_000;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-screenshots-'));
mkdirSync(OUT, { recursive: true });
const demo = await startDemoWorld({ port: await freePort(), host: '127.0.0.1', dataDir, logLevel: 'warn' });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const written: string[] = [];

/** A picture of what the viewport shows, `name`.png in docs/images. */
const shot = async (page: Page, name: string): Promise<void> => {
  await page.waitForLoadState('load');
  await page.screenshot({ path: join(OUT, `${name}.png`), type: 'png' });
  written.push(name);
};

const [adele] = demo.people;
const passwordOf = (upn: string) => demo.people.find((p) => p.upn === upn)!.password;

/** The emulator's Microsoft sign-in and consent pages, as the person fills them in. */
const signInAtMicrosoft = async (page: Page, upn: string, pictures: boolean): Promise<void> => {
  const picker = page.getByRole('button', { name: /Adele Vance/ });
  // isVisible() answers false for an absent element without waiting; it throws only for a real fault.
  if (await picker.isVisible()) await picker.click();
  else {
    await page.getByLabel('Email, phone, or Skype').fill(upn);
    await page.getByLabel('Password').fill(passwordOf(upn));
    if (pictures) await shot(page, 'microsoft-signin');
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  // Microsoft asks for consent once per account and set of permissions; after that it returns at once.
  const back = /\/mailboxes\/[0-9a-f-]{36}$/;
  const accept = page.getByRole('button', { name: 'Accept' });
  await Promise.race([accept.waitFor(), page.waitForURL(back)]);
  if (!back.test(page.url())) {
    if (pictures) await shot(page, 'microsoft-consent');
    await accept.click();
  }
  await page.waitForURL(back);
};

/** Waits until Mailroom has stored and read every demo message of `address`'s Inbox. */
const untilSynced = async (page: Page, address: string): Promise<void> => {
  const expected = demoMailOf(demo.emu.ctx, demo.emu.demo!, Date.now())
    .find((b) => b.address === address)!
    .messages.filter((m) => m.folder === 'INBOX').length;
  const mailboxId = /\/mailboxes\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
  const { db } = demo.mailroom.deps;
  const deadline = Date.now() + STEP_TIMEOUT_MS * 2;
  for (;;) {
    const row = await db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('mailbox_id', '=', mailboxId)
      .where('parse_state', '=', 'parsed')
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= expected) break;
    if (Date.now() > deadline) throw new Error(`${address}: ${row.n} of ${expected} messages after the wait`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await page.reload();
};

const openMessage = async (page: Page, subject: string | RegExp): Promise<void> => {
  await page.getByRole('link', { name: subject }).first().click();
  await page.waitForURL(/\/messages\//);
  // An HTML message is shown in a frame; a plain-text one on the page itself.
  if ((await page.locator('iframe').count()) > 0)
    await page.frameLocator('iframe').first().locator('body').waitFor();
};

try {
  const context = await browser.newContext({ viewport: VIEWPORT, baseURL: demo.publicUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);

  await page.goto('/signin');
  await shot(page, 'signin');
  await page.getByLabel('E-mail').fill(adele!.upn);
  await page.getByLabel('Password').fill(adele!.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
  await shot(page, 'home');

  await page.goto('/settings/microsoft');
  await shot(page, 'settings-microsoft');
  await page.locator('#azure-permissions').scrollIntoViewIfNeeded();
  await shot(page, 'settings-permissions');
  await page.getByRole('button', { name: 'Check configuration' }).click();
  await page.locator('#check-result').waitFor();
  await page.locator('#check-result').scrollIntoViewIfNeeded();
  await shot(page, 'settings-check');

  await page.goto('/mailboxes');
  await shot(page, 'mailboxes');
  await page.getByRole('link', { name: 'Connect my mailbox' }).click();
  await signInAtMicrosoft(page, adele!.upn, true);
  await untilSynced(page, adele!.upn);
  await shot(page, 'mailbox');

  await page.goto('/mail');
  await shot(page, 'mail');
  await page
    .getByRole('link', { name: new RegExp(adele!.upn) })
    .first()
    .click();
  await page.waitForURL(/\/mail\/[0-9a-f-]{36}/);
  await shot(page, 'messages');
  const list = page.url();

  await openMessage(page, 'Re: Order 4821 arrived with a cracked case');
  await shot(page, 'thread');
  await page.goto(list);
  await openMessage(page, /^Northwind Traders Weekly #48/);
  await shot(page, 'newsletter');
  await page.goto(list);
  await openMessage(page, 'Photos from the offsite');
  await shot(page, 'inline-picture');
  await page.goto(list);
  await openMessage(page, 'Q3 figures for the review');
  await page.getByRole('heading', { name: 'Attachments' }).scrollIntoViewIfNeeded();
  await shot(page, 'attachments');
  await page.goto(list);
  await openMessage(page, /^Rückfrage zur Lieferung/);
  await shot(page, 'german');
  // Drawn with the Japanese font `setup.sh --screenshots` installs (fonts-vlgothic).
  await page.goto(list);
  await openMessage(page, /^お見積り/);
  await shot(page, 'japanese');
  await page.goto(list);
  await openMessage(page, 'Re: Pricing for 40 seats');
  await page.getByRole('link', { name: 'Reply', exact: true }).first().click();
  await page.waitForURL(/\/compose/);
  await shot(page, 'compose');

  await page.goto('/settings/system-mailboxes');
  await page.getByLabel('Label').fill('Support');
  await page.getByLabel('Shared mailbox address').fill('support@contoso.example');
  await page.locator('input[name="roles"][value="staff"]').check();
  await shot(page, 'system-mailbox-add');
  await page.getByRole('button', { name: 'Add system mailbox' }).click();
  await page.waitForURL(/\/mailboxes\/[0-9a-f-]{36}$/);
  await page.getByRole('link', { name: 'Connect' }).first().click();
  await signInAtMicrosoft(page, adele!.upn, false);
  await untilSynced(page, 'support@contoso.example');
  await shot(page, 'system-mailbox');
  await page.goto('/settings/system-mailboxes');
  await shot(page, 'system-mailboxes');
  await page.goto('/mail');
  await page
    .getByRole('link', { name: /Support/ })
    .first()
    .click();
  await page.waitForURL(/\/mail\/[0-9a-f-]{36}/);
  await shot(page, 'support-messages');

  await page.goto('/audit');
  await shot(page, 'audit');
  // A refused sign-in: what a person sees when Microsoft's answer cannot be used (here: no sign-in started).
  await page.goto('/auth/microsoft/callback?code=x&state=not-a-sign-in-in-progress');
  await shot(page, 'signin-refused');
  await context.close();
  process.stdout.write(`docs/images: ${written.map((n) => `${n}.png`).join(', ')}\n`);
} finally {
  await browser.close();
  await demo.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
