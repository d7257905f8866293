// What the emulator's Exchange-like IMAP front costs over Dovecot itself, for the FETCH Mailroom's sync
// makes: imapflow `fetch('1:*', { uid, flags, envelope, source })` of 5,000 messages of ~4 KB, on a fresh
// connection each run, once through the front (XOAUTH2) and once straight to the private Dovecot (master-user
// LOGIN), alternating so that a noisy machine (±30%, performance-baselines.md) hits both alike.
// Run: npx tsx bench/imap-front.ts [runs]
import { ImapFlow } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../emulator/start.ts';
import { DEMO } from '../emulator/state/demo-seed.ts';
import { control } from '../test/support/control.ts';
import { outlookToken } from '../test/support/mail-token.ts';

const MESSAGES = 5_000;
const RUNS = Number(process.argv[2] ?? 5);
const MAILBOX = `megan@${DEMO.domain}`;
const FOLDER = 'Archive';

type Route = 'front' | 'direct';

const client = async (emu: RunningEmulator, route: Route): Promise<ImapFlow> => {
  const mail = emu.mail!;
  const common = { host: '127.0.0.1', secure: false, logger: false as const };
  if (route === 'front')
    return new ImapFlow({
      ...common,
      port: mail.imap.port,
      auth: { user: MAILBOX, accessToken: await outlookToken(emu, MAILBOX) },
    });
  // The front's own way in (emulator/mail/imap/backend.ts): LOGIN "<mailbox>*<master>" "<password>".
  return new ImapFlow({
    ...common,
    port: mail.backend.port,
    auth: {
      user: `${MAILBOX}*${mail.backend.masterUser}`,
      pass: mail.backend.masterPassword,
      loginMethod: 'LOGIN',
    },
  });
};

interface Run {
  readonly ms: number;
  /** CPU time of this process (imapflow, and the front when it is in the path): steadier than wall time. */
  readonly cpuMs: number;
  readonly bytes: number;
}

/** One full FETCH; connecting, logging in and selecting the folder are outside the timing. */
const fetchAll = async (emu: RunningEmulator, route: Route): Promise<Run> => {
  const imap = await client(emu, route);
  await imap.connect();
  try {
    const lock = await imap.getMailboxLock(FOLDER);
    try {
      let count = 0;
      let bytes = 0;
      const started = performance.now();
      const cpu = process.cpuUsage();
      for await (const message of imap.fetch('1:*', {
        uid: true,
        flags: true,
        envelope: true,
        source: true,
      })) {
        count += 1;
        bytes += message.source?.length ?? 0;
      }
      const ms = performance.now() - started;
      const { user, system } = process.cpuUsage(cpu);
      if (count !== MESSAGES) throw new Error(`${route}: fetched ${count} of ${MESSAGES} messages`);
      return { ms, cpuMs: (user + system) / 1000, bytes };
    } finally {
      lock.release();
    }
  } finally {
    await imap.logout();
  }
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const row = (route: Route, runs: readonly Run[]): string => {
  const ms = median(runs.map((r) => r.ms));
  const mbPerSec = runs[0]!.bytes / 1e6 / (ms / 1000);
  const cpuMs = median(runs.map((r) => r.cpuMs));
  const all = runs.map((r) => r.ms.toFixed(0)).join(' ');
  return `${route.padEnd(7)} ${ms.toFixed(0).padStart(7)} ms ${Math.round((MESSAGES / ms) * 1000)
    .toLocaleString('en')
    .padStart(
      8,
    )} msg/s ${mbPerSec.toFixed(1).padStart(6)} MB/s ${cpuMs.toFixed(0).padStart(6)} ms CPU   runs: ${all}`;
};

/** Front over direct, of the medians, as `1.07 (+7%)`. */
const ratio = (runs: Record<Route, Run[]>, field: 'ms' | 'cpuMs'): string => {
  const r = median(runs.front.map((x) => x[field])) / median(runs.direct.map((x) => x[field]));
  return `${r.toFixed(2)} (${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(0)}%)`;
};

const main = async (): Promise<void> => {
  const emu = await startEmulator();
  try {
    const seeded = await control(emu, 'POST', '/mail/seed', {
      address: MAILBOX,
      folder: FOLDER,
      count: MESSAGES,
    });
    if (seeded.status !== 201) throw new Error(`seeding failed: ${JSON.stringify(seeded.body)}`);
    const warmUp = [await fetchAll(emu, 'direct'), await fetchAll(emu, 'front')];
    const kb = warmUp[0]!.bytes / MESSAGES / 1024;
    const runs: Record<Route, Run[]> = { front: [], direct: [] };
    for (let i = 0; i < RUNS; i++) {
      const order: Route[] = i % 2 === 0 ? ['front', 'direct'] : ['direct', 'front'];
      for (const route of order) runs[route].push(await fetchAll(emu, route));
    }
    console.log(
      `imap-front: FETCH 1:* (uid flags envelope source) of ${MESSAGES.toLocaleString('en')} messages ` +
        `of ${kb.toFixed(1)} KB, ${RUNS} runs each after one warm-up, alternating ` +
        `(seeded in ${seeded.body.ms} ms)`,
    );
    console.log(row('direct', runs.direct));
    console.log(row('front', runs.front));
    console.log(`front/direct: ${ratio(runs, 'ms')}; CPU ${ratio(runs, 'cpuMs')}`);
  } finally {
    await emu.stop();
  }
};

await main();
