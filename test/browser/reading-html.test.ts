import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { LOCAL_PASSWORD, MEGAN } from '../support/mailbox-setup.ts';
import { type ReadingWorld, startReadingWorld } from '../support/reading-fixture.ts';

/** A 1×1 transparent PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

// The "remote" server of the message's images and scripts: it counts every request that reaches it.
const hits: string[] = [];
let pixelServer: Server;
let world: ReadingWorld;
let chromium: Browser;

before(async () => {
  pixelServer = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
  });
  await new Promise<void>((resolve) => pixelServer.listen(0, '127.0.0.1', resolve));
  const { port } = pixelServer.address() as AddressInfo;
  world = await startReadingWorld('sqlite', `http://127.0.0.1:${port}/pixel.png`);
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await world?.stop();
  await new Promise((resolve) => pixelServer?.close(resolve));
});

test('a message whose HTML carries scripts, handlers and remote images runs and loads none of them', async () => {
  const context = await chromium.newContext({ baseURL: world.app.url });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const consoleLines: string[] = [];
  const pageErrors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => consoleLines.push(`${m.text()} (${m.location().url})`));
  page.on('pageerror', (e) => pageErrors.push(e.message));

  await page.goto('/signin');
  await page.getByLabel('E-mail').fill(MEGAN);
  await page.getByLabel('Password').fill(LOCAL_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Mail', exact: true }).click();
  await page.getByRole('link', { name: MEGAN }).click();
  await page.getByRole('link', { name: 'Your account statement' }).click();

  const frame = page.frameLocator('iframe[name="message-body"]');
  await frame.getByText('Dear customer, nothing is wrong.').waitFor();
  await frame.getByText('Red text').waitFor();
  // The GET marked nothing read; the page's own receipt (a PATCH with the CSRF token) did, once shown.
  await page.getByRole('button', { name: 'Mark unread' }).waitFor();
  const messageId = new URL(page.url()).pathname.split('/').at(-1)!;
  const copy = await world.app.mailroom.deps.db
    .selectFrom('message_locations')
    .select('seen')
    .where('message_id', '=', messageId)
    .executeTakeFirstOrThrow();
  assert.equal(copy.seen, 1, 'the message is read once the page is shown');
  // Whatever could still run or load has had its chance.
  await sleep(1000);

  assert.deepEqual([...hits], [], 'nothing reached the remote server');
  assert.deepEqual(dialogs, [], 'no alert');
  assert.deepEqual(pageErrors, []);
  // The only console lines allowed are Chromium's own: CSP refusals and the missing /favicon.ico.
  assert.deepEqual(
    consoleLines.filter((line) => !/Content Security Policy|\/favicon\.ico\)$/.test(line)),
    [],
    'no script wrote to the console',
  );
  assert.ok(
    !consoleLines.some((line) => /pixel\.png\?css/.test(line)),
    'the sanitiser, the first wall, removed the style sheet’s remote background: the CSP had nothing to refuse',
  );
  assert.equal(await page.evaluate(() => 'pwned' in globalThis), false);
  const inner = page.frame({ name: 'message-body' });
  assert.ok(inner);
  assert.equal(
    await inner.evaluate(() => 'pwned' in globalThis),
    false,
    'no script in the frame set the global',
  );
  assert.equal(await inner.locator('script, form, iframe, svg, meta[http-equiv], base').count(), 0);
  assert.equal(
    await inner.evaluate(() => (globalThis as unknown as { origin: string }).origin),
    'null',
    'the frame has no origin (sandboxed)',
  );
  // The tracking pixel and the <style> block's background.
  assert.match((await page.locator('#remote-images').textContent()) ?? '', /2 remote images are blocked/);

  await page.getByRole('link', { name: 'Show remote images' }).click();
  for (let i = 0; i < 50 && !hits.includes('/pixel.png'); i++) await sleep(100);
  assert.ok(hits.includes('/pixel.png'), `the image loads once asked for (${hits.join(', ')})`);
  for (let i = 0; i < 50 && !hits.includes('/pixel.png?css'); i++) await sleep(100);
  assert.ok(hits.includes('/pixel.png?css'), `so does the style sheet's (${hits.join(', ')})`);
  await frame.getByText('Dear customer, nothing is wrong.').waitFor();
  await sleep(500);
  assert.deepEqual(
    hits.filter((h) => /script|onload|onerror|refresh|form|iframe|base/.test(h)),
    [],
    'still no script, handler, refresh, form or frame reached it',
  );
  assert.deepEqual(dialogs, []);
  assert.equal(await page.frame({ name: 'message-body' })!.evaluate(() => 'pwned' in globalThis), false);

  mkdirSync('.data/screenshots', { recursive: true });
  await page.screenshot({ path: '.data/screenshots/reading.png', fullPage: true });
  await context.close();
});
