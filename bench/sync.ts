// bench/sync.ts: how fast Mailroom's sync stores a freshly seeded folder, beside imapflow's raw full FETCH of
// the same folder in the same run (the ceiling measured in ../shared/reference/performance-baselines.md).
// Run: npx tsx bench/sync.ts [messages] [sqlite|postgres]
import { ImapFlow } from 'imapflow';
import { startEmulator } from '../emulator/start.ts';
import { findMailbox } from '../src/mailboxes/repository.ts';
import { syncMailbox } from '../src/sync/sync-mailbox.ts';
import { startTestApp } from '../test/support/app.ts';
import { control } from '../test/support/control.ts';
import { outlookToken } from '../test/support/mail-token.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../test/support/mailbox-setup.ts';

const count = Number(process.argv[2] ?? 5000);
const kind = (process.argv[3] ?? 'sqlite') as 'sqlite' | 'postgres';
const emu = await startEmulator();
const app = await startTestApp(kind, {
  MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
  MAILROOM_LOG_LEVEL: 'silent',
});
try {
  await configureForMail(emu, app);
  await createDemoPeople(app);
  const mailboxId = mailboxIdOf(
    await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
  );
  const seeded = await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'Archive', count });
  if (seeded.status !== 201) throw new Error(`seeding failed: ${seeded.status}`);
  await app.mailroom.deps.db
    .updateTable('mailbox_folders')
    .set({ selected: 1 })
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', 'Archive')
    .execute();

  // Baseline: imapflow's full FETCH (uid, flags, envelope, source) of the same folder, no storing, over
  // the same implicit-TLS port Mailroom uses, the session's set-up timed as Mailroom's is.
  const accessToken = await outlookToken(emu, MEGAN);
  let started = performance.now();
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.tlsPort,
    secure: true,
    tls: { ca: emu.tls.caPem },
    auth: { user: MEGAN, accessToken },
    logger: false,
  });
  await client.connect();
  const lock = await client.getMailboxLock('Archive');
  let fetched = 0;
  for await (const _ of client.fetch('1:*', { uid: true, flags: true, envelope: true, source: true }))
    fetched++;
  lock.release();
  await client.logout();
  const fetchMs = performance.now() - started;

  started = performance.now();
  const rss = process.memoryUsage().rss;
  const results = await syncMailbox(app.mailroom.deps, (await findMailbox(app.mailroom.deps.db, mailboxId))!);
  const synced = Object.values(results).reduce((n, r) => n + r.fetched, 0);
  const syncMs = performance.now() - started;
  const grew = (process.memoryUsage().rss - rss) / 1e6;
  console.log(`${count} messages of ~4 KB, ${kind}, emulator IMAP on loopback`);
  console.log(
    `imapflow full FETCH (baseline): ${fetched} in ${fetchMs.toFixed(0)} ms = ${((fetched / fetchMs) * 1000).toFixed(0)} msg/s`,
  );
  console.log(
    `Mailroom sync (fetch, parse, store): ${synced} in ${syncMs.toFixed(0)} ms = ${((synced / syncMs) * 1000).toFixed(0)} msg/s, RSS at the end +${grew.toFixed(0)} MB`,
  );
  console.log(`ratio sync / FETCH (msg/s): ${(synced / syncMs / (fetched / fetchMs)).toFixed(2)}`);
} finally {
  await app.stop();
  await emu.stop();
}
