import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { EmulatorContext } from './context.ts';
import { controlRoutes } from './control/routes.ts';
import { type RunningGraphMail, startGraphMail } from './graph-mail/start-graph-mail.ts';
import { identityRoutes } from './identity/routes.ts';
import { createKeyRing } from './identity/signing-keys.ts';
import { seedDemoMail } from './mail/demo/seed-demo-mail.ts';
import { type MailOptions, type RunningMail, startMail } from './mail/start-mail.ts';
import { type DemoSeed, seedDemo } from './state/demo-seed.ts';
import { createDirectory } from './state/directory.ts';
import { createLocalTls, type LocalTls } from './tls/local-ca.ts';
import { workDirBase } from './work-dir.ts';

export interface EmulatorOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly httpPort?: number;
  readonly httpsPort?: number;
  /** See `EmulatorContext.publicAuthority`. */
  readonly publicAuthority?: string | null;
  /** Seed the demo tenants, users and app registration (default true). */
  readonly demo?: boolean;
  /**
   * Also fill the demo mailboxes (each demo user's and support@) with six weeks of generated mail
   * (emulator/mail/demo/); default false, so tests start from empty mailboxes.
   */
  readonly demoMail?: boolean;
  /** Redirect URIs registered on the demo app. */
  readonly demoRedirectUris?: string[];
  /** Start Dovecot and the SMTP server (default true). Identity-only tests switch it off. */
  readonly mail?: boolean | Partial<MailOptions>;
  /**
   * Where the emulator keeps its files; by default a fresh folder, in memory where it can (work-dir.ts),
   * removed on stop.
   */
  readonly workDir?: string;
}

export interface RunningEmulator {
  readonly ctx: EmulatorContext;
  /** `http://127.0.0.1:PORT` */
  readonly httpUrl: string;
  /** `https://127.0.0.1:PORT`, trusted through `tls.caPem`. */
  readonly httpsUrl: string;
  readonly tls: LocalTls;
  readonly demo: DemoSeed | null;
  readonly mail: RunningMail | null;
  /** Graph mail over the same mailboxes; `null` without mail. */
  readonly graphMail: RunningGraphMail | null;
  readonly workDir: string;
  stop(): Promise<void>;
}

export const DEFAULT_DEMO_REDIRECT_URIS = [
  'http://localhost:3000/auth/microsoft/callback',
  'http://localhost:3000/mailboxes/connect/microsoft/callback',
];

const listen = (
  server: ReturnType<typeof createAdaptorServer>,
  port: number,
  host: string,
): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });

const close = (server: ReturnType<typeof createAdaptorServer>): Promise<void> =>
  new Promise((resolve) => {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });

export const startEmulator = async (options: EmulatorOptions = {}): Promise<RunningEmulator> => {
  const host = options.host ?? '127.0.0.1';
  const ownsWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? mkdtempSync(join(workDirBase(), 'mailroom-emulator-'));
  const cleanups: (() => Promise<void> | void)[] = [];
  if (ownsWorkDir) cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
  // Dovecot's unprivileged processes must pass through to their mail homes; the TLS keys stay in a 0700 folder.
  chmodSync(workDir, 0o711);
  try {
    const tls = createLocalTls(join(workDir, 'tls'));
    const ctx: EmulatorContext = {
      dir: createDirectory(),
      keys: createKeyRing(),
      publicAuthority: options.publicAuthority ?? null,
      mailHost: 'MR1P281CA0042.eurprd02.prod.outlook.com',
    };
    const demo =
      options.demo === false
        ? null
        : seedDemo(ctx.dir, { redirectUris: options.demoRedirectUris ?? DEFAULT_DEMO_REDIRECT_URIS });

    const mail =
      options.mail === false
        ? null
        : await startMail(ctx, { workDir, tls, ...(typeof options.mail === 'object' ? options.mail : {}) });
    if (mail) cleanups.unshift(() => mail.stop());
    if (mail && demo && options.demoMail) seedDemoMail(ctx, mail.store, demo);

    const app = new Hono();
    app.route('/_emulator', controlRoutes(ctx, mail));
    app.route('/', identityRoutes(ctx));
    const graphMail = mail ? startGraphMail(ctx, mail, app) : null;
    if (graphMail) cleanups.unshift(() => graphMail.stop());

    const http = createAdaptorServer({ fetch: app.fetch });
    const https = createAdaptorServer({
      fetch: app.fetch,
      createServer: createHttpsServer,
      serverOptions: { key: tls.keyPem, cert: tls.certPem },
    });
    const httpPort = await listen(http, options.httpPort ?? 0, host);
    cleanups.unshift(() => close(http));
    const httpsPort = await listen(https, options.httpsPort ?? 0, host);
    cleanups.unshift(() => close(https));

    let stopped = false;
    return {
      ctx,
      httpUrl: `http://${host}:${httpPort}`,
      httpsUrl: `https://${host}:${httpsPort}`,
      tls,
      demo,
      mail,
      graphMail,
      workDir,
      async stop() {
        if (stopped) return;
        stopped = true;
        for (const cleanup of cleanups) await cleanup();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups) await cleanup();
    throw error;
  }
};
