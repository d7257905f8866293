// bench/watch-idle.ts: one `mailroom worker` process watching N mailboxes (an IDLE session each, a watch
// lease each renewed in one statement per beat): the time until all are watched, then its idle CPU (share
// of one core over 30 s, from /proc) and RSS, and the IMAP sessions on the server.
// The worker runs in its own process, so its CPU is its own; the emulator runs here.
// Run: nice npx tsx bench/watch-idle.ts [mailboxes=1000] [sqlite|postgres] [seconds=30]
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator } from '../emulator/start.ts';
import { DEMO } from '../emulator/state/demo-seed.ts';
import { insertMailbox } from '../src/mailboxes/repository.ts';
import { writeTokens } from '../src/mailboxes/token-store.ts';
import { loadMicrosoftSettings } from '../src/microsoft/settings.ts';
import { tokenOriginOf } from '../src/microsoft/token-origin.ts';
import { ADMIN, startTestApp } from '../test/support/app.ts';
import { control } from '../test/support/control.ts';
import { outlookToken } from '../test/support/mail-token.ts';
import { configureForMail } from '../test/support/mailbox-setup.ts';

const count = Number(process.argv[2] ?? 1000);
const kind = (process.argv[3] ?? 'sqlite') as 'sqlite' | 'postgres';
const seconds = Number(process.argv[4] ?? 30);
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, in seconds (Linux /proc). */
const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssMb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const emu = await startEmulator();
const app = await startTestApp(kind, {
  MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
  MAILROOM_LOG_LEVEL: 'silent',
});
let child: ReturnType<typeof spawn> | null = null;
try {
  await configureForMail(emu, app, { tenant: 'organizations', allowedTenantIds: [DEMO.tenantId] });
  const { db, secrets } = app.mailroom.deps;
  const owner = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', ADMIN.email)
    .executeTakeFirstOrThrow();
  const origin = tokenOriginOf(await loadMicrosoftSettings(db))!;
  let started = performance.now();
  for (let i = 0; i < count; i++) {
    const upn = `idle${i}@${DEMO.domain}`;
    await control(emu, 'POST', '/users', { tenantId: DEMO.tenantId, upn, password: 'Idle-pass-1' });
    const mailbox = await insertMailbox(db, {
      kind: 'user',
      ownerUserId: owner.id,
      label: null,
      address: upn,
    });
    // A minted access token (an hour): the bench never refreshes, so the refresh token is a stand-in.
    await writeTokens(db, secrets, mailbox.id, {
      accessToken: await outlookToken(emu, upn),
      expiresInSeconds: 3600,
      refreshToken: 'bench-unused',
      origin,
    });
    await db
      .updateTable('mailboxes')
      .set({ state: 'connected', last_synced_at: new Date().toISOString() })
      .where('id', '=', mailbox.id)
      .execute();
  }
  console.log(
    `${count} mailboxes set up in ${((performance.now() - started) / 1000).toFixed(1)} s (${kind})`,
  );

  started = performance.now();
  child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
    env: {
      ...process.env,
      MAILROOM_ENV: 'test',
      ...app.db.env,
      MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
      MAILROOM_IDLE_CONNECTIONS: String(count),
      MAILROOM_SYNC_INTERVAL_SECONDS: '3600',
      MAILROOM_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', process.env.BENCH_WORKER_LOG ? 'inherit' : 'ignore', 'inherit'],
  });
  const pid = child.pid!;
  for (;;) {
    const row = await db
      .selectFrom('leases')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('name', 'like', 'watch:%')
      .where('owner', '!=', '')
      .where('until', '>', new Date().toISOString())
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= count) break;
    if (performance.now() - started > 300_000) throw new Error(`only ${row.n} watched after 300 s`);
    await sleep(250);
  }
  console.log(
    `all ${count} watched ${((performance.now() - started) / 1000).toFixed(1)} s after the worker started`,
  );
  const config = join(dirname(emu.mail!.store.mailRoot), 'dovecot.conf');
  const sessions = async () =>
    (await run('doveadm', ['-c', config, 'who', '-1'])).stdout.split('\n').filter((l) => l.includes('@'))
      .length;
  for (let last = -1; ; ) {
    const now = await sessions();
    if (now !== last)
      console.log(`  ${((performance.now() - started) / 1000).toFixed(1)} s: ${now} IMAP sessions`);
    last = now;
    if (now >= count || performance.now() - started > 300_000) break;
    await sleep(1000);
  }
  // The first syncs (the start's sweep, and one per mailbox as its watch starts) finish first.
  const since = new Date(Date.now() - (performance.now() - started)).toISOString();
  for (;;) {
    const row = await db
      .selectFrom('mailboxes')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where((eb) => eb.or([eb('last_synced_at', '<', since), eb('last_synced_at', 'is', null)]))
      .executeTakeFirstOrThrow();
    const syncing = await db
      .selectFrom('leases')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('name', 'like', 'sync:%')
      .where('owner', '!=', '')
      .where('until', '>', new Date().toISOString())
      .executeTakeFirstOrThrow();
    if (Number(row.n) === 0 && Number(syncing.n) === 0) break;
    await sleep(1000);
  }
  console.log(
    `first syncs done ${((performance.now() - started) / 1000).toFixed(1)} s after the worker started`,
  );
  await sleep(5_000);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const share = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
  const who = await sessions();
  console.log(
    `worker idle over ${seconds} s: CPU ${(share * 100).toFixed(2)} % of a core, RSS ${rssMb(pid).toFixed(0)} MB; IMAP sessions on the server: ${who}`,
  );
  const stopAt = performance.now();
  child.kill('SIGTERM');
  await new Promise((r) => child!.once('exit', r));
  const left = await db
    .selectFrom('leases')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('name', 'like', 'watch:%')
    .where('owner', '!=', '')
    .where('until', '>', new Date().toISOString())
    .executeTakeFirstOrThrow();
  console.log(
    `stopped in ${((performance.now() - stopAt) / 1000).toFixed(1)} s; watch leases still held: ${left.n}`,
  );
  child = null;
} finally {
  child?.kill('SIGKILL');
  await app.stop();
  await emu.stop();
}
