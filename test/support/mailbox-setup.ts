import assert from 'node:assert/strict';
import type { RunningEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { createUser } from '../../src/users/create-user.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, type TestApp } from './app.ts';
import { completeSignIn, type Page } from './http-client.ts';
import { DEMO_PASSWORDS, msBrowser, registerRedirectUris } from './ms-signin.ts';

export const ADELE = `adele@${DEMO.domain}`;
export const MEGAN = `megan@${DEMO.domain}`;
export const SUPPORT = `support@${DEMO.domain}`;
/** Mailroom passwords of the demo people (their Microsoft passwords are in DEMO_PASSWORDS). */
export const LOCAL_PASSWORD = 'local-password-123';

/** The Microsoft 365 settings that point Mailroom at the emulator, sign-in and sync on. */
export const microsoftSettingsFor = (emu: RunningEmulator) => ({
  clientId: DEMO.appId,
  tenant: DEMO.tenantId,
  cloud: 'custom',
  customAuthorityUrl: emu.httpsUrl,
  customImapServer: `127.0.0.1:${emu.mail!.imap.tlsPort}`,
  customSmtpServer: `127.0.0.1:${emu.mail!.smtp.port}`,
  clientSecret: emu.demo!.appSecret,
  signinEnabled: true,
  syncEnabled: true,
});

/** Microsoft 365 settings for the emulator, mail sync on; returns an administrator's API token. */
export const configureForMail = async (
  emu: RunningEmulator,
  app: TestApp,
  extra: Record<string, unknown> = {},
): Promise<string> => {
  registerRedirectUris(emu, app);
  const admin = await findUserByEmail(app.mailroom.deps.db, ADMIN.email);
  const token = await createApiToken(app.mailroom.deps.db, admin!.id, 'test');
  const res = await fetch(`${app.url}/api/settings/microsoft`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...microsoftSettingsFor(emu), ...extra }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return token;
};

/** Mailroom users for Adele (administrator) and Megan (staff), signing in with a local password. */
export const createDemoPeople = async (app: TestApp): Promise<void> => {
  await createUser(app.mailroom.deps.db, {
    email: ADELE,
    displayName: 'Adele Vance',
    password: LOCAL_PASSWORD,
    role: 'administrator',
  });
  await createUser(app.mailroom.deps.db, {
    email: MEGAN,
    displayName: 'Megan Bowen',
    password: LOCAL_PASSWORD,
    role: 'staff',
  });
};

/** A browser signed in to Mailroom (password) that also trusts the emulator. */
export const mailroomBrowser = async (emu: RunningEmulator, app: TestApp, email: string) => {
  const browser = msBrowser(emu);
  const done = await browser.submit(await browser.get(`${app.url}/signin`), {
    fields: { email, password: LOCAL_PASSWORD },
  });
  assert.equal(done.status, 302);
  return browser;
};

/**
 * Connect (or reconnect) a mailbox through the emulator's real sign-in and consent pages, as `login`.
 * Returns Mailroom's answer to the callback (a redirect to the mailbox, or with an error flash).
 */
export const connectThroughMicrosoft = async (
  browser: ReturnType<typeof msBrowser>,
  app: TestApp,
  login: string,
  mailboxId?: string,
  /** For a Microsoft user the test made itself (the demo users' passwords are known). */
  password?: string,
): Promise<Page> => {
  const start = await browser.get(
    `${app.url}/mailboxes/connect/microsoft${mailboxId ? `?mailbox=${mailboxId}` : ''}`,
  );
  assert.ok(start.location, `connect did not start: ${start.status}`);
  let page = await browser.get(start.location!);
  // prompt=select_account shows the account picker when a Microsoft session exists: pick another account.
  if (page.status === 200 && !page.html.includes('name="passwd"') && page.html.includes('value="other"')) {
    page = await browser.submit(page, { button: 'Use another account' });
  }
  const back = await completeSignIn(browser, page, {
    login,
    password: password ?? DEMO_PASSWORDS[login] ?? '',
  });
  assert.ok(
    back.location?.startsWith(`${app.url}/mailboxes/connect/microsoft/callback`),
    `Microsoft did not return: ${back.status} ${back.html.slice(0, 300)}`,
  );
  return browser.get(back.location!);
};

export const mailboxIdOf = (page: Page): string => {
  const id = /\/mailboxes\/([0-9a-f-]{36})$/.exec(page.location ?? '')?.[1];
  assert.ok(id, `not redirected to a mailbox: ${page.location}`);
  return id;
};
