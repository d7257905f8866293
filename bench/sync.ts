// bench/sync.ts: how fast a freshly seeded folder is listed by Mailroom's sync, beside imapflow's raw
// FETCH of the same folder in the same run (the ceiling, ../shared/reference/performance-baselines.md).
// The emulator runs in a child process (bench/emulator-process.ts), so Mailroom's CPU here is its own.
// Run: npx tsx bench/sync.ts [messages] [sqlite|postgres] [--no-graph] [--profile=<file.cpuprofile>]
// (`--profile`: the main thread's CPU profile from the start of the sync to the last message listed.)
//
// Printed: the raw FETCH rate; Mailroom's listing rate, from the start of the sync to the last message
// listed in the API (its batch committed), and their ratio (issue 12: >= 0.7 on SQLite, >= 0.5 on
// PostgreSQL); the rate at which messages become readable and searchable (the sync's end: every body
// read by the parse threads); the peak RSS of this process (Mailroom's) while it syncs. Then the same
// number of messages in a second folder listed through Microsoft Graph (messages/delta and `$value`, the
// mailbox set to Graph), beside the IMAP rows.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import { findMailbox } from '../src/mailboxes/repository.ts';
import { setSendVia } from '../src/mailboxes/send-via.ts';
import { GRAPH_MAIL_SCOPES } from '../src/microsoft/redirect-uris.ts';
import { syncMailbox } from '../src/sync/sync-mailbox.ts';
import { createApiToken } from '../src/users/api-tokens.ts';
import { findUserByEmail } from '../src/users/users.repository.ts';
import { control } from '../test/support/control.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../test/support/mailbox-setup.ts';
import { signInAndGetTokens } from '../test/support/oauth-flow.ts';
import { startBesideEmulator } from './emulator-process.ts';

const count = Number(process.argv[2] ?? 5000);
const kind = (process.argv[3] ?? 'sqlite') as 'sqlite' | 'postgres';
/** `--no-graph`: the IMAP rows only (the Graph listing of 20,000 messages takes minutes). */
const withGraph = !process.argv.includes('--no-graph');
const profileFile = process.argv.find((a) => a.startsWith('--profile='))?.slice('--profile='.length);
const FOLDER = 'Archive';
/** The folder listed through Graph: the same number of messages, seeded alike. */
const GRAPH_FOLDER = 'Junk Email';

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

const { url, child, emu, app } = await startBesideEmulator(
  kind,
  process.env.MAILROOM_PARSE_WORKERS ? { MAILROOM_PARSE_WORKERS: process.env.MAILROOM_PARSE_WORKERS } : {},
);
const db = app.mailroom.deps.db;
try {
  await configureForMail(emu, app);
  await createDemoPeople(app);
  const mailboxId = mailboxIdOf(
    await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
  );
  const seeded = await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: FOLDER, count });
  if (seeded.status !== 201) throw new Error(`seeding failed: ${seeded.status}`);
  const seededForGraph = await control(emu, 'POST', '/mail/seed', {
    address: MEGAN,
    folder: GRAPH_FOLDER,
    count,
  });
  if (seededForGraph.status !== 201) throw new Error(`seeding failed: ${seededForGraph.status}`);
  await db
    .updateTable('mailbox_folders')
    .set({ selected: 1 })
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', FOLDER)
    .execute();
  const apiToken = await createApiToken(db, (await findUserByEmail(db, MEGAN))!.id, 'bench');

  // Baseline: imapflow's full FETCH (uid, flags, envelope, source) of the same folder, no storing, over
  // the same implicit-TLS port Mailroom uses, the session's set-up timed as Mailroom's is.
  const accessToken = await child.token(MEGAN);
  let started = performance.now();
  let cpu = process.cpuUsage();
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.tlsPort,
    secure: true,
    tls: { ca: emu.tls.caPem },
    auth: { user: MEGAN, accessToken },
    logger: false,
  });
  await client.connect();
  const lock = await client.getMailboxLock(FOLDER);
  let fetched = 0;
  for await (const _ of client.fetch('1:*', { uid: true, flags: true, envelope: true, source: true }))
    fetched++;
  lock.release();
  await client.logout();
  const fetchMs = performance.now() - started;
  const fetchCpuMs = cpuMs(process.cpuUsage(cpu));

  // Mailroom: the sync runs; the folder's stored count (written with each committed batch) says when the
  // last message is listed; RSS sampled meanwhile.
  let peakRss = process.memoryUsage().rss;
  const rssAtStart = peakRss;
  // Where the memory is at the peaks, of the listing and of the whole sync (the parse threads' heaps are
  // in the RSS only).
  let atListingPeak = process.memoryUsage();
  let atPeak = atListingPeak;
  const profiler = profileFile ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  started = performance.now();
  cpu = process.cpuUsage();
  let listedCpuMs = 0;
  let listedMs = 0;
  let syncing = true;
  const sync = syncMailbox(app.mailroom.deps, (await findMailbox(db, mailboxId))!).finally(() => {
    syncing = false;
  });
  const watch = (async () => {
    while (syncing || listedMs === 0) {
      const memory = process.memoryUsage();
      if (memory.rss > peakRss) [peakRss, atPeak] = [memory.rss, memory];
      if (listedMs === 0 && memory.rss > atListingPeak.rss) atListingPeak = memory;
      if (listedMs === 0) {
        const state = await db
          .selectFrom('folder_sync_state')
          .select('stored_messages')
          .where('mailbox_id', '=', mailboxId)
          .where('path', '=', FOLDER)
          .executeTakeFirst();
        if ((state?.stored_messages ?? 0) >= count) {
          listedMs = performance.now() - started;
          listedCpuMs = cpuMs(process.cpuUsage(cpu));
          if (profiler && profileFile) {
            const { profile } = await profiler.post('Profiler.stop');
            await writeFile(profileFile, JSON.stringify(profile));
          }
        }
      }
      await sleep(20);
    }
  })();
  const results = await sync;
  const readableMs = performance.now() - started;
  await watch;
  const synced = results[FOLDER]?.fetched ?? 0;

  // Checked through the API: every message listed, and a body word found by search.
  const api = async (path: string) =>
    (await fetch(`${url}/api/mailboxes/${mailboxId}${path}`, {
      headers: { authorization: `Bearer ${apiToken}` },
    }).then((r) => r.json())) as { messages: { id: string; loading: boolean }[]; nextCursor: string | null };
  let listed = 0;
  let loading = 0;
  for (let cursor: string | null = ''; cursor !== null; ) {
    const page = await api(`/messages?folder=${FOLDER}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    listed += page.messages.length;
    loading += page.messages.filter((m) => m.loading).length;
    cursor = page.nextCursor;
  }

  const rate = (n: number, ms: number) => ((n / ms) * 1000).toFixed(0);
  console.log(
    `${count} messages of ~4 KB, ${kind}, emulator in a child process (pid ${child.pid}), loopback TLS`,
  );
  console.log(
    `imapflow full FETCH (baseline): ${fetched} in ${fetchMs.toFixed(0)} ms = ${rate(fetched, fetchMs)} msg/s`,
  );
  console.log(
    `Mailroom listing (sync start to last message listed): ${synced} in ${listedMs.toFixed(0)} ms = ${rate(synced, listedMs)} msg/s`,
  );
  console.log(`ratio listing / FETCH (msg/s): ${(synced / listedMs / (fetched / fetchMs)).toFixed(2)}`);
  // On a shared machine wall time follows the neighbours' load; the CPU this process spent does not.
  console.log(
    `CPU of this process: FETCH ${fetchCpuMs.toFixed(0)} ms, listing ${listedCpuMs.toFixed(0)} ms; ratio by CPU (FETCH / listing, per message): ${(fetchCpuMs / fetched / (listedCpuMs / synced)).toFixed(2)}`,
  );
  console.log(
    `readable and searchable (sync end): ${synced} in ${readableMs.toFixed(0)} ms = ${rate(synced, readableMs)} msg/s`,
  );
  console.log(
    `peak RSS of the syncing process: ${(peakRss / 1e6).toFixed(0)} MB (${(rssAtStart / 1e6).toFixed(0)} MB at the start)`,
  );
  const mb = (n: number) => (n / 1e6).toFixed(0);
  const breakdown = (m: NodeJS.MemoryUsage) =>
    `RSS ${mb(m.rss)} MB: main heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)} (array buffers ${mb(m.arrayBuffers)}), the rest native and the threads'`;
  console.log(`at the listing's peak: ${breakdown(atListingPeak)}`);
  console.log(`at the sync's peak: ${breakdown(atPeak)}`);
  console.log(`API: ${listed} listed, ${loading} still loading`);

  if (withGraph) {
    // Microsoft Graph: Megan allows it, the mailbox is set to Graph, and only the second folder is synced.
    await signInAndGetTokens(emu, MEGAN, 'Megan-demo-1', ['openid', ...GRAPH_MAIL_SCOPES]);
    await setSendVia(db, mailboxId, 'graph');
    await db
      .updateTable('mailbox_folders')
      .set((eb) => ({ selected: eb.case().when('path', '=', GRAPH_FOLDER).then(1).else(0).end() }))
      .where('mailbox_id', '=', mailboxId)
      .execute();
    started = performance.now();
    cpu = process.cpuUsage();
    let graphListedMs = 0;
    let graphListedCpuMs = 0;
    let graphSyncing = true;
    const graphSync = syncMailbox(app.mailroom.deps, (await findMailbox(db, mailboxId))!).finally(() => {
      graphSyncing = false;
    });
    const graphWatch = (async () => {
      while (graphSyncing || graphListedMs === 0) {
        const state = await db
          .selectFrom('folder_sync_state')
          .select('stored_messages')
          .where('mailbox_id', '=', mailboxId)
          .where('path', '=', GRAPH_FOLDER)
          .executeTakeFirst();
        if (graphListedMs === 0 && (state?.stored_messages ?? 0) >= count) {
          graphListedMs = performance.now() - started;
          graphListedCpuMs = cpuMs(process.cpuUsage(cpu));
        }
        if (!graphSyncing && graphListedMs === 0) throw new Error('the Graph sync ended short of the count');
        await sleep(20);
      }
    })();
    const graphResults = await graphSync;
    const graphReadableMs = performance.now() - started;
    await graphWatch;
    const graphSynced = graphResults[GRAPH_FOLDER]?.fetched ?? 0;
    console.log(
      `Mailroom listing through Microsoft Graph (delta + $value, 4 in flight): ${graphSynced} in ${graphListedMs.toFixed(0)} ms = ${rate(graphSynced, graphListedMs)} msg/s; CPU ${graphListedCpuMs.toFixed(0)} ms; ratio to FETCH ${(graphSynced / graphListedMs / (fetched / fetchMs)).toFixed(2)}`,
    );
    console.log(
      `readable and searchable through Graph (sync end): ${graphSynced} in ${graphReadableMs.toFixed(0)} ms = ${rate(graphSynced, graphReadableMs)} msg/s`,
    );
  }
} finally {
  await app.stop();
  await child.stop();
}
