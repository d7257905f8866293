// `npm run demo`: Mailroom on SQLite together with the Microsoft 365 emulator, configured with the
// emulator's demo app registration, with a demo administrator and staff member. Offline; Ctrl-C stops all.
import { rmSync } from 'node:fs';
import { startDemoWorld } from './demo-world.ts';

const port = Number(process.env.PORT ?? 3000);
const DEFAULT_DATA_DIR = './data/demo';
const dataDir = process.env.MAILROOM_DATA_DIR ?? DEFAULT_DATA_DIR;
// The emulator keeps its tenants, tokens and mail in memory: a demo's data is only good for the emulator
// that made it, so the default demo folder starts empty each time (one you name is never deleted).
if (dataDir === DEFAULT_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });

const demo = await startDemoWorld({
  port,
  host: process.env.HOST ?? '127.0.0.1',
  dataDir,
  logLevel: process.env.MAILROOM_LOG_LEVEL ?? 'warn',
});
const { emu, people, publicUrl } = demo;

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
  The guide (docs/index.md) shows each page.

  Microsoft 365 emulator: ${emu.httpsUrl} (control API ${emu.httpUrl}/_emulator)
  IMAP 127.0.0.1:${emu.mail!.imap.port}, SMTP 127.0.0.1:${emu.mail!.smtp.port}; data in ${dataDir}${dataDir === DEFAULT_DATA_DIR ? ' (fresh each run)' : ''}

Press Ctrl-C to stop.
`);

const stop = async () => {
  await demo.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
