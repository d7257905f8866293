import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { MASTER_USER, renderDovecotConfig } from './config.ts';

export interface RunningDovecot {
  readonly port: number;
  readonly root: string;
  readonly masterUser: string;
  readonly masterPassword: string;
  /** Owner of mail files (Dovecot refuses mail access as root: mail-test-rig.md, pitfall 10). */
  readonly mailUid: number;
  readonly mailGid: number;
  stop(): Promise<void>;
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const waitForGreeting = async (port: number, deadline: number, child: ChildProcess): Promise<void> => {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('dovecot did not answer on its IMAP port within 10 s');
};

/**
 * Starts a private Dovecot in `root`, in the foreground under a watchdog shell that stops it when this
 * Node process goes away, so a crashed test run never leaves a daemon behind (mail-test-rig.md, pitfall 4).
 */
export const startDovecot = async (root: string, profile: 'exchange' | 'rich'): Promise<RunningDovecot> => {
  const asRoot = process.getuid?.() === 0;
  const mailUid = asRoot ? 65534 : process.getuid!();
  const mailGid = asRoot ? 65534 : process.getgid!();
  for (const d of ['run', 'state', 'log', 'mail']) mkdirSync(join(root, d), { recursive: true });
  // Dovecot's unprivileged processes must reach the mail homes.
  chmodSync(root, 0o755);
  if (asRoot) chownSync(join(root, 'mail'), mailUid, mailGid);
  rmSync(join(root, 'run', 'anvil-auth-penalty'), { force: true });

  const masterPassword = randomBytes(18).toString('base64url');
  writeFileSync(join(root, 'master-users'), `${MASTER_USER}:{PLAIN}${masterPassword}\n`, { mode: 0o644 });
  writeFileSync(join(root, 'no-users'), '', { mode: 0o644 });
  const port = await freePort();
  const me = userInfo().username;
  const config = renderDovecotConfig({
    root,
    port,
    mailUid,
    mailGid,
    internalUser: asRoot ? 'dovecot' : me,
    loginUser: asRoot ? 'dovenull' : me,
    profile,
  });
  const configPath = join(root, 'dovecot.conf');
  writeFileSync(configPath, config);

  // `sleep 1 & wait`, not a bare `sleep 1`: bash runs the TERM trap only once a foreground command ends, so
  // a bare sleep added up to a second to every stop; `wait` returns at once on a trapped signal.
  // When this Node process died without stopping the emulator, a root in memory (emulator/work-dir.ts) is
  // removed too: its Maildirs would hold the RAM (hundreds of MB after a large seed) until a reboot.
  const watchdog = `dovecot -F -c "$1" </dev/null >>"$2" 2>&1 & d=$!
trap 'kill $s $d 2>/dev/null; wait $d; exit 0' TERM INT
while kill -0 ${process.pid} 2>/dev/null && kill -0 $d 2>/dev/null; do sleep 1 & s=$!; wait $s; done
kill $d 2>/dev/null; wait $d
if ! kill -0 ${process.pid} 2>/dev/null; then case "$3" in /dev/shm/*) rm -rf "$3";; esac; fi`;
  const child = spawn(
    'bash',
    ['-c', watchdog, 'dovecot-watchdog', configPath, join(root, 'log', 'dovecot.log'), root],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForGreeting(port, Date.now() + 10_000, child);
  } catch (error) {
    child.kill('SIGTERM');
    await exited;
    throw error;
  }
  return {
    port,
    root,
    masterUser: MASTER_USER,
    masterPassword,
    mailUid,
    mailGid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};
