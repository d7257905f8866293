// bench/sync.ts: how fast Mailroom's sync stores a freshly seeded folder, beside imapflow's raw full FETCH of
// the same folder in the same run (the ceiling measured in ../shared/reference/performance-baselines.md).
// Run: npx tsx bench/sync.ts [messages] [sqlite|postgres]
import { ImapFlow } from 'imapflow';
import { startEmulator } from '../emulator/start.ts';
import { findMailbox } from '../src/mailboxes/repository.ts';
import { syncMailbox } from '../src/sync/sync-mailbox.ts';
import { startTestApp } from '../test/support/app.ts';
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
  await fetch(`${emu.httpUrl}/_emulator/mail/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address: MEGAN, folder: 'Archive', count }),
  });
  await app.mailroom.deps.db
    .updateTable('mailbox_folders')
    .set({ selected: 1 })
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', 'Archive')
    .execute();

  // Baseline: imapflow's full FETCH (uid, flags, envelope, source) of the same folder, no storing.
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.port,
    secure: false,
    auth: { user: MEGAN, accessToken: await outlookToken(emu, MEGAN) },
    logger: false,
  });
  await client.connect();
  const lock = await client.getMailboxLock('Archive');
  let started = performance.now();
  let fetched = 0;
  for await (const _ of client.fetch('1:*', { uid: true, flags: true, envelope: true, source: true }))
    fetched++;
  const fetchMs = performance.now() - started;
  lock.release();
  await client.logout();

  started = performance.now();
  const rss = process.memoryUsage().rss;
  await syncMailbox(app.mailroom.deps, (await findMailbox(app.mailroom.deps.db, mailboxId))!);
  const syncMs = performance.now() - started;
  const grew = (process.memoryUsage().rss - rss) / 1e6;
  console.log(`${count} messages of ~4 KB, ${kind}, emulator IMAP on loopback`);
  console.log(
    `imapflow full FETCH (baseline): ${fetched} in ${fetchMs.toFixed(0)} ms = ${((fetched / fetchMs) * 1000).toFixed(0)} msg/s`,
  );
  console.log(
    `Mailroom sync (fetch, parse, store): ${count} in ${syncMs.toFixed(0)} ms = ${((count / syncMs) * 1000).toFixed(0)} msg/s, RSS +${grew.toFixed(0)} MB`,
  );
  console.log(`ratio sync / FETCH: ${(fetchMs / syncMs).toFixed(2)}`);
} finally {
  await app.stop();
  await emu.stop();
}
