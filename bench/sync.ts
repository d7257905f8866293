// bench/sync.ts: how fast a freshly seeded folder is listed by Mailroom's sync, beside imapflow's raw
// FETCH of the same folder in the same run (the ceiling, ../shared/reference/performance-baselines.md), and
// the memory of the process that syncs it.
// Run: npx tsx bench/sync.ts [messages] [sqlite|postgres] [--no-graph] [--serve] [--in-process]
//      [--profile=<file.cpuprofile> [--heap-profile[=promoted]]] [--memory-log=<file.jsonl>] [--header-bytes=<n>]
// (`--header-bytes`: each message seeded with ~n bytes of Exchange-like header fields more, as Exchange
// Online's Received, ARC and X-MS-Exchange-… fields make 5–10 KB; the messages are plain ~4 KB otherwise.)
// (MAILROOM_PARSE_WORKERS is passed on; BENCH_NODE_OPTIONS is added to the syncing process's NODE_OPTIONS,
// to try V8 flags; `--memory-log`: its main thread's heap every 100 ms, bench/sync/memory-probe.mjs.)
//
// Mailroom runs as an operator runs it (bench/sync/child.ts): the built JavaScript (dist/, built first when
// src/ is newer) under plain node, a web-only `mailroom serve` and a `mailroom worker` that syncs
// (`--serve`: one `mailroom serve` with its workers, SQLite's default installation); the emulator in a
// child process of its own. The folder is selected and synced through the API (Sync now → a job the worker
// takes; the mailbox's first sync, its Inbox, is done the same way before); the benchmark reads the sync's
// progress from the database and the syncing process's CPU and memory from /proc, parse threads included. `--in-process`: Mailroom inside this process instead, the sync
// called directly (its RSS includes tsx and the benchmark); `--profile` implies it: the main thread's CPU
// profile from the start of the sync to the last message listed.
//
// Printed: the raw FETCH rate; Mailroom's listing rate, from Sync now to the last message listed (its batch
// committed), and their ratio (issue 12: >= 0.7 on SQLite, >= 0.5 on PostgreSQL); the rate at which
// messages become readable and searchable (every body read by the parse threads); the whole machine's CPU over
// the FETCH and the listing (two cores: the emulator and PostgreSQL count) and the syncing process's by thread; the syncing process's RSS
// idle before the sync (the baseline) and its peak during the listing and the whole sync (issue 12:
// < 200 MB for 50,000 messages on SQLite). Then the same number of messages in a second folder listed
// through Microsoft Graph (messages/delta and `$value`, the mailbox set to Graph), beside the IMAP rows.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import { GRAPH_MAIL_SCOPES } from '../src/microsoft/redirect-uris.ts';
import { control } from '../test/support/control.ts';
import { MEGAN } from '../test/support/mailbox-setup.ts';
import { DEMO_PASSWORDS } from '../test/support/ms-signin.ts';
import { signInAndGetTokens } from '../test/support/oauth-flow.ts';
import { startChildTarget } from './sync/child.ts';
import { startInProcessTarget } from './sync/in-process.ts';
import { type FolderSyncFigures, measureFolderSync } from './sync/measure.ts';
import {
  machineCpuMs,
  mb,
  type ProcMemory,
  processesCpuMs,
  processesCpuSince,
  procMemory,
} from './sync/proc.ts';
import { callApi, refreshFolders, type SyncTarget, selectOnly } from './sync/target.ts';

const count = Number(process.argv[2] ?? 5000);
const kind = (process.argv[3] ?? 'sqlite') as 'sqlite' | 'postgres';
/** `--no-graph`: the IMAP rows only (the Graph listing of 20,000 messages takes minutes). */
const withGraph = !process.argv.includes('--no-graph');
const profileFile = process.argv.find((a) => a.startsWith('--profile='))?.slice('--profile='.length);
const inProcess = process.argv.includes('--in-process') || profileFile !== undefined;
/**
 * `--heap-profile`, with `--profile`: also what the main thread allocated, garbage included (`.heapprofile`);
 * `--heap-profile=promoted`: only what outlived the young generation (garbage the full collections found,
 * and what is still held): what the listing copies into the old generation, where each object costs most.
 */
const heapProfileArg = process.argv.find((a) => a === '--heap-profile' || a.startsWith('--heap-profile='));
const heapProfile = heapProfileArg !== undefined;
const heapProfilePromotedOnly = heapProfileArg === '--heap-profile=promoted';
const layout = process.argv.includes('--serve') ? 'serve' : 'worker';
const headerBytesArg = process.argv.find((a) => a.startsWith('--header-bytes='));
const headerBytes = Number(headerBytesArg?.slice('--header-bytes='.length) ?? 0);
if (!Number.isInteger(headerBytes) || headerBytes < 0 || headerBytes > 60_000)
  throw new Error(
    `${headerBytesArg}: a number of bytes from 0 to 60,000 (the emulator's seed takes no more)`,
  );
const FOLDER = 'Archive';
/** The folder listed through Graph: the same number of messages, seeded alike. */
const GRAPH_FOLDER = 'Junk Email';
/** How long the syncing process is watched, idle, before the sync: its baseline RSS. */
const IDLE_MS = 3000;

const began = performance.now();
/** Progress on stderr, so a long run shows where it is. */
const step = (what: string) =>
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1)} s] ${what}\n`);
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const rate = (n: number, ms: number) => ((n / ms) * 1000).toFixed(0);

const env = process.env.MAILROOM_PARSE_WORKERS
  ? { MAILROOM_PARSE_WORKERS: process.env.MAILROOM_PARSE_WORKERS }
  : ({} as Record<string, string>);
const memoryLog = process.argv.find((a) => a.startsWith('--memory-log='))?.slice('--memory-log='.length);
const target = inProcess
  ? await startInProcessTarget(kind, env)
  : await startChildTarget(kind, { layout, env, ...(memoryLog ? { memoryLog } : {}) });
const { emu, mailboxId } = target;
step(`Mailroom started: ${target.description}`);
try {
  // The mailbox's first sync (its Inbox), as after Connect: the syncing process is then as it runs.
  await target.syncNow();
  await settle(target);
  for (const folder of withGraph ? [FOLDER, GRAPH_FOLDER] : [FOLDER]) {
    const seeded = await control(emu, 'POST', '/mail/seed', {
      address: MEGAN,
      folder,
      count,
      ...(headerBytes > 0 ? { headerBytes } : {}),
    });
    if (seeded.status !== 201) throw new Error(`seeding failed: ${seeded.status}`);
  }
  step(`first sync done; ${count} messages seeded`);
  await refreshFolders(target);

  // Baseline: imapflow's full FETCH (uid, flags, envelope, source) of the same folder, no storing, over
  // the same implicit-TLS port Mailroom uses, the session's set-up timed as Mailroom's is.
  const accessToken = await target.imapToken(MEGAN);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const machineCpu = machineCpuMs();
  const processesCpu = processesCpuMs();
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
  const fetchMachineCpuMs = machineCpuMs() - machineCpu;
  const fetchProcessesCpuMs = processesCpuSince(processesCpu, processesCpuMs());

  step('raw FETCH done');
  // The syncing process idle: connected, its first sync done, IDLE on the Inbox.
  const idle = await idleMemory(target.pid);
  await selectOnly(target, FOLDER);

  const profiler = profileFile ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    if (heapProfile)
      await profiler.post('HeapProfiler.startSampling', {
        samplingInterval: 16384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: !heapProfilePromotedOnly,
      });
  }
  step('Sync now');
  const imap = await measureFolderSync(target, FOLDER, count, async () => {
    if (!profiler || !profileFile) return;
    if (heapProfile) {
      const { profile: heap } = await profiler.post('HeapProfiler.stopSampling');
      await writeFile(profileFile.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(heap));
    }
    const { profile } = await profiler.post('Profiler.stop');
    await writeFile(profileFile, JSON.stringify(profile));
  });

  // Checked through the API: every message listed, and none still loading.
  let listed = 0;
  let loading = 0;
  for (let cursor: string | null = ''; cursor !== null; ) {
    const page: { messages: { loading: boolean }[]; nextCursor: string | null } = await callApi(
      target,
      'GET',
      `/mailboxes/${mailboxId}/messages?folder=${FOLDER}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    listed += page.messages.length;
    loading += page.messages.filter((m) => m.loading).length;
    cursor = page.nextCursor;
  }

  console.log(
    `${count} messages of ~4 KB${headerBytes > 0 ? ` and ~${headerBytes} bytes of header fields more` : ''}, ${kind}, emulator in a child process (pid ${target.emulatorPid}), loopback TLS`,
  );
  console.log(`syncing process: ${target.description}`);
  console.log(
    `imapflow full FETCH (baseline): ${fetched} in ${fetchMs.toFixed(0)} ms = ${rate(fetched, fetchMs)} msg/s`,
  );
  printFolderSync(imap, { fetched, fetchMs, fetchCpuMs, fetchMachineCpuMs, fetchProcessesCpuMs });
  console.log(
    `RSS of the syncing process: idle before the sync ${mb(idle.rss)} MB (baseline; ${idle.threads} threads); peak while listing ${mb(imap.memory.atListed.peak)} MB; peak of the sync ${mb(imap.memory.atEnd.peak)} MB (VmHWM, parse threads included; goal < 200 MB at 50,000 on SQLite)`,
  );
  console.log(
    `  at the end: ${breakdown(imap.memory.atEnd)}; at Sync now: ${breakdown(imap.memory.atStart)}`,
  );
  if (imap.heap) {
    const heap = (m: NodeJS.MemoryUsage) =>
      `RSS ${mb(m.rss)} MB: main heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)} (array buffers ${mb(m.arrayBuffers)}), the rest native and the threads'`;
    console.log(`  main thread at the listing's highest RSS: ${heap(imap.heap.listing)}`);
    console.log(`  main thread at the sync's highest RSS: ${heap(imap.heap.sync)}`);
  }
  console.log(`API: ${listed} listed, ${loading} still loading`);

  if (withGraph) {
    // Microsoft Graph: Megan allows it, the mailbox is set to Graph, and only the second folder is synced.
    await signInAndGetTokens(emu, MEGAN, DEMO_PASSWORDS[MEGAN]!, ['openid', ...GRAPH_MAIL_SCOPES]);
    await callApi(target, 'PUT', `/mailboxes/${mailboxId}/mail-via`, { mailVia: 'graph' });
    await selectOnly(target, GRAPH_FOLDER);
    const graph = await measureFolderSync(target, GRAPH_FOLDER, count);
    console.log(
      `Mailroom listing through Microsoft Graph (delta + $value, 4 in flight): ${graph.stored} in ${graph.listedMs.toFixed(0)} ms = ${rate(graph.stored, graph.listedMs)} msg/s; CPU ${graph.listedCpuMs.toFixed(0)} ms; ratio to FETCH ${(graph.stored / graph.listedMs / (fetched / fetchMs)).toFixed(2)}`,
    );
    console.log(
      `readable and searchable through Graph (sync end): ${graph.stored} in ${graph.readableMs.toFixed(0)} ms = ${rate(graph.stored, graph.readableMs)} msg/s; peak RSS ${mb(graph.memory.atEnd.peak)} MB`,
    );
  }
} finally {
  await target.stop();
}

function printFolderSync(
  figures: FolderSyncFigures,
  baseline: {
    fetched: number;
    fetchMs: number;
    fetchCpuMs: number;
    fetchMachineCpuMs: number;
    fetchProcessesCpuMs: [string, number][];
  },
): void {
  const { stored, listedMs, listedCpuMs, listedMachineCpuMs, listedThreadsCpuMs, listedProcessesCpuMs } =
    figures;
  console.log(
    `Mailroom listing (Sync now to last message listed): ${stored} in ${listedMs.toFixed(0)} ms = ${rate(stored, listedMs)} msg/s${figures.startedMs > 0 ? ` (the folder's sync under way after ${figures.startedMs.toFixed(0)} ms)` : ''}`,
  );
  console.log(
    `ratio listing / FETCH (msg/s): ${(stored / listedMs / (baseline.fetched / baseline.fetchMs)).toFixed(2)}`,
  );
  // On a shared machine wall time follows the neighbours' load; the CPU each process spent does not.
  console.log(
    `CPU: FETCH ${baseline.fetchCpuMs.toFixed(0)} ms (this process), listing ${listedCpuMs.toFixed(0)} ms (the syncing process, all its threads); ratio by CPU (FETCH / listing, per message): ${(baseline.fetchCpuMs / baseline.fetched / (listedCpuMs / stored)).toFixed(2)}`,
  );
  // The machine has two cores: what every process (the emulator, PostgreSQL) spent bounds the wall time.
  console.log(
    `machine CPU (all processes): FETCH ${baseline.fetchMachineCpuMs.toFixed(0)} ms, listing ${listedMachineCpuMs.toFixed(0)} ms`,
  );
  const byProcess = (list: [string, number][]) =>
    list
      .slice(0, 6)
      .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
      .join(', ');
  console.log(
    `  by process: FETCH ${byProcess(baseline.fetchProcessesCpuMs)}; listing ${byProcess(listedProcessesCpuMs)}`,
  );
  console.log(
    `  the syncing process's listing CPU by thread: ${listedThreadsCpuMs.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ')}`,
  );
  console.log(
    `readable and searchable (every body read): ${stored} in ${figures.readableMs.toFixed(0)} ms = ${rate(stored, figures.readableMs)} msg/s; CPU ${figures.readableCpuMs.toFixed(0)} ms`,
  );
}

function breakdown(m: ProcMemory): string {
  return `RSS ${mb(m.rss)} MB (anonymous ${mb(m.anon)}, files ${mb(m.file)}), ${m.threads} threads`;
}

/** Waits until the mailbox's first sync is done and every message read. */
async function settle(t: SyncTarget): Promise<void> {
  for (const until = performance.now() + 120_000; ; ) {
    if (performance.now() > until) throw new Error('the first sync did not end within 120 s');
    const mailbox = await t.db
      .selectFrom('mailboxes')
      .select('last_synced_at')
      .where('id', '=', t.mailboxId)
      .executeTakeFirst();
    const busy = await t.db
      .selectFrom('folder_sync_state')
      .select('path')
      .where('mailbox_id', '=', t.mailboxId)
      .where('status', '=', 'syncing')
      .executeTakeFirst();
    const pending = await t.db
      .selectFrom('messages')
      .select('id')
      .where('mailbox_id', '=', t.mailboxId)
      .where('parse_state', '=', 'pending')
      .executeTakeFirst();
    if (mailbox?.last_synced_at && !busy && !pending) return;
    await Promise.race([sleep(100), t.failed]);
  }
}

/** The process's RSS after IDLE_MS of rest (the highest of what was read meanwhile). */
async function idleMemory(pid: number): Promise<ProcMemory> {
  let highest = procMemory(pid);
  for (const until = performance.now() + IDLE_MS; performance.now() < until; ) {
    await sleep(250);
    const now = procMemory(pid);
    if (now.rss > highest.rss) highest = now;
  }
  return highest;
}
