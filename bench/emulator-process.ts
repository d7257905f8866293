// bench/emulator-process.ts: starts bench/emulator-child.ts and gives the benchmark an emulator handle
// that the test helpers (test/support/) accept: the URLs, CA, ports and app secret of the child's emulator.
import { fork } from 'node:child_process';
import { freePort } from '../emulator/mail/dovecot/process.ts';
import type { RunningEmulator } from '../emulator/start.ts';
import { startTestApp } from '../test/support/app.ts';
import type { DbKind } from '../test/support/databases.ts';

interface Ready {
  httpUrl: string;
  httpsUrl: string;
  caPem: string;
  caPath: string;
  imapTlsPort: number;
  imapPort: number;
  smtpPort: number;
  appSecret: string;
  appId: string;
}

export interface EmulatorProcess {
  /** What the helpers read of a RunningEmulator; its `ctx` holds only the redirect URIs registered. */
  readonly emu: RunningEmulator;
  readonly pid: number;
  /** An Outlook token for IMAP, minted in the child. */
  token(upn: string): Promise<string>;
  stop(): Promise<void>;
}

/** The emulator in a child process, Mailroom's redirect URIs (at `mailroomUrl`) registered from the start. */
export const startEmulatorProcess = async (mailroomUrl: string): Promise<EmulatorProcess> => {
  const uris = ['/auth/microsoft/callback', '/mailboxes/connect/microsoft/callback'].map(
    (p) => `${mailroomUrl}${p}`,
  );
  const child = fork(new URL('./emulator-child.ts', import.meta.url).pathname, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_REDIRECT_URIS: JSON.stringify(uris) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulator child exited (${code})`)));
    child.once('message', (m: { ready: Ready }) => resolve(m.ready));
  });
  child.removeAllListeners('exit');
  let nextId = 1;
  const ask = <T>(request: Record<string, unknown>): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      const onMessage = (m: { id?: number } & T) => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.send({ ...request, id });
    });
  const emu = {
    httpUrl: ready.httpUrl,
    httpsUrl: ready.httpsUrl,
    tls: { caPem: ready.caPem, caPath: ready.caPath },
    demo: { appSecret: ready.appSecret },
    mail: { imap: { tlsPort: ready.imapTlsPort, port: ready.imapPort }, smtp: { port: ready.smtpPort } },
    ctx: {
      dir: { apps: new Map([[ready.appId, { redirectUris: uris.map((uri) => ({ uri, type: 'web' })) }]]) },
    },
  } as unknown as RunningEmulator;
  return {
    emu,
    pid: child.pid!,
    token: async (upn) => (await ask<{ token: string }>({ op: 'token', upn })).token,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask({ op: 'stop' });
      await exited;
    },
  };
};

/**
 * Mailroom in the benchmark's process on a free port, and the emulator in a child process that has its
 * redirect URIs: what bench/sync.ts and bench/arrivals.ts measure, Mailroom's CPU its own.
 */
export const startBesideEmulator = async (kind: DbKind, env: Record<string, string> = {}) => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startEmulatorProcess(url);
  const app = await startTestApp(kind, {
    PORT: String(port),
    MAILROOM_PUBLIC_URL: url,
    MAILROOM_EXTRA_CA_FILE: child.emu.tls.caPath,
    MAILROOM_LOG_LEVEL: 'silent',
    ...env,
  });
  return { url, child, emu: child.emu, app };
};
