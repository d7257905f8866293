// Mailroom as an operator runs it, for bench/sync.ts: the built JavaScript (dist/) under plain node, no tsx,
// in processes of its own — `mailroom serve` with MAILROOM_SERVE_WORKERS=false for the web and a
// `mailroom worker` that syncs (or, with `serve`, one `mailroom serve` that does both, SQLite's default
// installation). The first administrator and the API tokens come from the CLI, the Microsoft 365 settings
// through the API, Megan's mailbox through the real sign-in and Connect flows over HTTP.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../emulator/mail/dovecot/process.ts';
import { parseConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { generateSecretKey } from '../../src/secrets/secret-box.ts';
import { connectMailboxes } from '../../test/support/connect-mailboxes.ts';
import { createTestDatabase, type DbKind } from '../../test/support/databases.ts';
import { MEGAN, microsoftSettingsFor } from '../../test/support/mailbox-setup.ts';
import { DEMO_PASSWORDS } from '../../test/support/ms-signin.ts';
import { startEmulatorProcess } from '../emulator-process.ts';
import { BIN, BUILT_CLI, ensureBuilt } from './built.ts';
import { callApi, type SyncTarget } from './target.ts';

const ADMIN = 'bench-admin@mailroom.test';
const PROBE = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));

export type ChildLayout = 'worker' | 'serve';

export interface ChildOptions {
  readonly layout: ChildLayout;
  readonly env: Record<string, string>;
  /** The syncing process's main-thread memory, every 100 ms, as JSON lines in this file (memory-probe.mjs). */
  readonly memoryLog?: string;
}

export const startChildTarget = async (kind: DbKind, options: ChildOptions): Promise<SyncTarget> => {
  const { layout } = options;
  ensureBuilt();
  const database = await createTestDatabase(kind);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const emulator = await startEmulatorProcess(url);
  const { emu } = emulator;
  // Not the benchmark's NODE_OPTIONS: nothing of tsx may reach the measured processes.
  const { NODE_OPTIONS: _, ...inherited } = process.env;
  const env: Record<string, string | undefined> = {
    ...inherited,
    ...database.env,
    PORT: String(port),
    MAILROOM_PUBLIC_URL: url,
    MAILROOM_SECRET_KEY: generateSecretKey(),
    MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
    MAILROOM_LOG_LEVEL: 'info',
    ...options.env,
  };
  // Kept after the run (the data folder is not): what the processes said, when one failed.
  const logPath = join(tmpdir(), `mailroom-bench-sync-${process.pid}.log`);
  const log = createWriteStream(logPath, { flags: 'a' });
  const children: ChildProcess[] = [];
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => undefined); // observed by the benchmark through `failed`
  const start = (args: string[], more: Record<string, string>, syncing: boolean) => {
    // For the syncing process only: the memory probe, and node options tried with BENCH_NODE_OPTIONS.
    const nodeOptions = [
      ...(syncing && options.memoryLog ? [`--import=${PROBE}`] : []),
      ...(syncing && process.env.BENCH_NODE_OPTIONS ? [process.env.BENCH_NODE_OPTIONS] : []),
    ].join(' ');
    const child = spawn(BIN, args, {
      env: {
        ...env,
        ...more,
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
        ...(syncing && options.memoryLog ? { BENCH_MEMORY_LOG: resolve(options.memoryLog) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    children.push(child);
    child.once('exit', (code, signal) =>
      fail(new Error(`${child.spawnargs.slice(1).join(' ')} exited (${code ?? signal}): see ${logPath}`)),
    );
    return child;
  };
  const cli = (args: string[], input?: string): string => {
    const run = spawnSync(BIN, args, { env, input, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`mailroom ${args.join(' ')} failed: ${run.stderr}`);
    return run.stdout;
  };
  const stop = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await db.destroy();
    await emulator.stop();
    await database.drop();
  };

  // The web process migrates the new database; the worker starts after it (two processes migrating one
  // SQLite file at once, one of them fails).
  const serve = start(
    ['serve'],
    { MAILROOM_SERVE_WORKERS: layout === 'serve' ? 'true' : 'false' },
    layout === 'serve',
  );
  const db = openDatabase(parseConfig({ ...database.env }).database);
  try {
    await Promise.race([waitForHealth(url), failed]);
    cli(
      ['user', 'create', '--email', ADMIN, '--name', 'Bench Admin', '--admin', '--password-stdin'],
      'bench-admin-1\n',
    );
    const adminToken = lastLine(cli(['api-token', 'create', '--user', ADMIN]));
    await callApi({ url, apiToken: adminToken }, 'PUT', '/settings/microsoft', {
      ...microsoftSettingsFor(emu),
      autoProvision: true,
    });
    const [megan] = await connectMailboxes([{ upn: MEGAN, password: DEMO_PASSWORDS[MEGAN]! }], {
      mailroomUrl: url,
      caPem: readFileSync(emu.tls.caPath, 'utf8'),
    });
    // The worker starts once the mailbox is connected, so its start-up writes are not timed with the
    // connect (the two processes share the SQLite file; their transactions take the write lock in turn).
    const syncing = layout === 'serve' ? serve : start(['worker'], {}, true);
    const mailboxId = megan!.mailboxId;
    const apiToken = lastLine(cli(['api-token', 'create', '--user', MEGAN, '--name', 'bench']));
    return {
      description: `${await builtCommand(syncing.pid!)} (pid ${syncing.pid}, from bin/mailroom ${syncing.spawnargs.slice(1).join(' ')})`,
      pid: syncing.pid!,
      inProcess: false,
      url,
      emu,
      emulatorPid: emulator.pid,
      db,
      mailboxId,
      apiToken,
      imapToken: (upn) => emulator.token(upn),
      async syncNow() {
        await callApi({ url, apiToken }, 'POST', `/mailboxes/${mailboxId}/sync`, undefined, 202);
      },
      failed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

/** The command line bin/mailroom exec'd (it checks the build first): the built CLI under plain node. */
const builtCommand = async (pid: number): Promise<string> => {
  for (let i = 0; i < 100; i++) {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (command.some((a) => a.includes('tsx')))
      throw new Error(`the syncing process runs ${command.join(' ')}`);
    if (command.includes(BUILT_CLI)) return command.join(' ');
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the syncing process (pid ${pid}) did not start the built CLI within 5 s`);
};

const lastLine = (text: string): string => text.trim().split('\n').at(-1)!;

const waitForHealth = async (url: string): Promise<void> => {
  for (let i = 0; i < 600; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer /healthz within 60 s`);
};
