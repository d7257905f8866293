// Mailroom as an operator runs it, for bench/scale.ts: `mailroom serve` (web only) and `mailroom worker`
// processes on one database, the first administrator and an API token made with the CLI, the Microsoft 365
// settings put through the API.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type Child, logStdout, startChild } from './processes.ts';

export interface EmulatorInfo {
  readonly baseUrl: string;
  readonly httpUrl: string;
  readonly caCertPath: string;
  readonly controlApi: string;
  readonly apps: readonly { clientId: string; tenantId: string; clientSecret?: string }[];
  readonly imap: { host: string; port: number; tlsPort: number };
  readonly smtp: { host: string; port: number };
  readonly bulkUsers: { count: number; first: string; last: string; password: string; ms: number };
}

export interface MailroomSetup {
  readonly url: string;
  readonly env: Record<string, string>;
  readonly logDir: string;
}

const ADMIN_EMAIL = 'bench-admin@mailroom.test';

/** Runs a `mailroom` CLI command to completion and returns its stdout. */
const cli = (setup: MailroomSetup, args: string[], input?: string): string => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, ...setup.env },
    input,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`mailroom ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
};

export const startServe = (setup: MailroomSetup): Child => {
  const child = startChild('serve', 'src/cli.ts', ['serve'], {
    env: { ...setup.env, MAILROOM_SERVE_WORKERS: 'false' },
    logPath: join(setup.logDir, 'serve.log'),
  });
  logStdout(child, join(setup.logDir, 'serve.log'));
  return child;
};

export const startWorker = (setup: MailroomSetup, name: string): Child => {
  const child = startChild(name, 'src/cli.ts', ['worker'], {
    // Debug: the worker logs each arrival round's steps (`arrival.timing`) for the breakdown.
    env: { ...setup.env, MAILROOM_LOG_LEVEL: 'debug' },
    logPath: join(setup.logDir, `${name}.log`),
  });
  logStdout(child, join(setup.logDir, `${name}.log`));
  return child;
};

export const waitForHealth = async (url: string, child: Child): Promise<void> => {
  for (let i = 0; i < 600; i++) {
    if (child.process.exitCode !== null)
      throw new Error(`${child.name} exited with ${child.process.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer /healthz within 60 s`);
};

/**
 * The first administrator (CLI), an API token for them (CLI), and the Microsoft 365 settings for the
 * emulator through `PUT /api/settings/microsoft`: sign-in with auto-provisioning and mailbox sync on.
 */
export const configureMailroom = async (setup: MailroomSetup, emu: EmulatorInfo): Promise<void> => {
  cli(
    setup,
    ['user', 'create', '--email', ADMIN_EMAIL, '--name', 'Bench Admin', '--admin', '--password-stdin'],
    'bench-admin-password-1\n',
  );
  const token = cli(setup, ['api-token', 'create', '--user', ADMIN_EMAIL]).trim().split('\n').at(-1)!;
  const app = emu.apps.find((a) => a.clientSecret);
  if (!app?.clientSecret) throw new Error('the emulator printed no app with a client secret');
  const res = await fetch(`${setup.url}/api/settings/microsoft`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      clientId: app.clientId,
      tenant: app.tenantId,
      cloud: 'custom',
      customAuthorityUrl: emu.baseUrl,
      customImapServer: `${emu.imap.host}:${emu.imap.tlsPort}`,
      customSmtpServer: `${emu.smtp.host}:${emu.smtp.port}`,
      clientSecret: app.clientSecret,
      signinEnabled: true,
      syncEnabled: true,
      autoProvision: true,
    }),
  });
  if (res.status !== 200) throw new Error(`PUT /api/settings/microsoft: ${res.status} ${await res.text()}`);
};
