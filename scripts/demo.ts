// `npm run demo`: Mailroom on SQLite together with the Microsoft 365 emulator, configured with the
// emulator's demo app registration, with a demo administrator and staff member. Offline; Ctrl-C stops all.
import { rmSync } from 'node:fs';
import { startEmulator } from '../emulator/start.ts';
import { parseConfig } from '../src/config.ts';
import { startWorkers } from '../src/jobs/workers.ts';
import { startMailroom } from '../src/main.ts';
import { saveMicrosoftSettings } from '../src/microsoft/save-settings.ts';
import { loadMicrosoftSettings } from '../src/microsoft/settings.ts';
import { validateSettings } from '../src/microsoft/settings-input.ts';
import { createUser } from '../src/users/create-user.ts';
import { findUserByEmail } from '../src/users/users.repository.ts';
import type { User } from '../src/users/users.table.ts';

const port = Number(process.env.PORT ?? 3000);
const publicUrl = `http://localhost:${port}`;
const DEFAULT_DATA_DIR = './data/demo';
const dataDir = process.env.MAILROOM_DATA_DIR ?? DEFAULT_DATA_DIR;
// The emulator keeps its tenants, tokens and mail in memory: a demo's data is only good for the emulator
// that made it, so the default demo folder starts empty each time (one you name is never deleted).
if (dataDir === DEFAULT_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });

const emu = await startEmulator({
  // Six weeks of a team's mail in every demo mailbox (emulator/mail/demo/), waiting to be connected.
  demoMail: true,
  demoRedirectUris: [
    `${publicUrl}/auth/microsoft/callback`,
    `${publicUrl}/mailboxes/connect/microsoft/callback`,
  ],
});
const config = parseConfig({
  ...process.env,
  PORT: String(port),
  HOST: process.env.HOST ?? '127.0.0.1',
  MAILROOM_PUBLIC_URL: publicUrl,
  MAILROOM_DATA_DIR: dataDir,
  MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
  MAILROOM_LOG_LEVEL: process.env.MAILROOM_LOG_LEVEL ?? 'warn',
});
const mailroom = await startMailroom(config);
const { db, secrets } = mailroom.deps;
// Mail syncs in the same process, as `mailroom serve` does for a small install.
const workers = await startWorkers(mailroom.deps, config);

const people = emu.demo!.users.filter((u) => u.role === 'administrator' || u.role === 'staff');
const ensureUser = async (u: (typeof people)[number]): Promise<User> =>
  (await findUserByEmail(db, u.upn)) ??
  createUser(db, {
    email: u.upn,
    displayName: u.displayName,
    password: u.password,
    role: u.role === 'administrator' ? 'administrator' : 'staff',
  });
const users = await Promise.all(people.map(ensureUser));

const demoApp = [...emu.ctx.dir.apps.values()][0]!;
const settings = validateSettings(
  {
    clientId: demoApp.appId,
    tenant: demoApp.homeTenantId,
    cloud: 'custom',
    // Plain HTTP on loopback, so a newcomer's browser needs no certificate; IMAP and SMTP use TLS with the emulator's CA.
    customAuthorityUrl: emu.httpUrl,
    customImapServer: `127.0.0.1:${emu.mail!.imap.tlsPort}`,
    customSmtpServer: `127.0.0.1:${emu.mail!.smtp.port}`,
    clientSecret: emu.demo!.appSecret,
    signinEnabled: true,
    syncEnabled: true,
    allowedDomains: ['contoso.example'],
  },
  await loadMicrosoftSettings(db),
  config,
);
if (!settings.ok) throw new Error(`demo settings invalid: ${JSON.stringify(settings.errors)}`);
await saveMicrosoftSettings(db, secrets, users[0]!, settings.value);

process.stdout.write(`
Mailroom demo is running: open ${publicUrl}

  Sign in to Mailroom (password sign-in):
${people.map((u) => `    ${u.upn.padEnd(24)} ${u.password.padEnd(14)} ${u.role}`).join('\n')}

  Or press "Sign in with Microsoft 365": the same accounts and passwords sign in at the emulator's
  Microsoft pages. Then open Mailboxes › Connect my mailbox: six weeks of a team's mail are waiting in
  each Inbox (customer conversations, newsletters, invoices, an invitation, mail in German and Japanese)
  and arrive in Mailroom as it syncs; read them under Mail. New message, Reply and Forward send through
  the emulator's SMTP. The Microsoft 365 settings are filled in with the emulator's demo app registration;
  an administrator can press "Check configuration" there, and add support@contoso.example under System
  mailboxes (connected as Adele, who has FullAccess): its customer conversations arrive the same way.

  Microsoft 365 emulator: ${emu.httpsUrl} (control API ${emu.httpUrl}/_emulator)
  IMAP 127.0.0.1:${emu.mail!.imap.port}, SMTP 127.0.0.1:${emu.mail!.smtp.port}; data in ${dataDir}${dataDir === DEFAULT_DATA_DIR ? ' (fresh each run)' : ''}

Press Ctrl-C to stop.
`);

const stop = async () => {
  await workers.stop();
  await mailroom.stop();
  await emu.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
