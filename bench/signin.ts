// bench/signin.ts: the server-side time of Mailroom's sign-in callback (state check, code redemption
// bookkeeping, ID-token validation, account linking, new session), median over 200 sign-ins, with the
// time spent waiting on the emulator's token endpoint taken out and printed beside it.
// Run: npx tsx bench/signin.ts [count]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/start.ts';
import { DEMO } from '../emulator/state/demo-seed.ts';
import { parseConfig } from '../src/config.ts';
import { createLogger } from '../src/log/logger.ts';
import { startMailroom } from '../src/main.ts';
import { createOutboundFetch, type OutboundFetch } from '../src/net/outbound-fetch.ts';
import { createApiToken } from '../src/users/api-tokens.ts';
import { createUser } from '../src/users/create-user.ts';
import { Browser, completeSignIn } from '../test/support/http-client.ts';
import { fetchWith, trustingAgent } from '../test/support/tls-fetch.ts';

const count = Number(process.argv[2] ?? 200);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

const emu = await startEmulator({ mail: false });
const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
const config = parseConfig({
  PORT: '3917',
  MAILROOM_PUBLIC_URL: 'http://127.0.0.1:3917',
  MAILROOM_DATA_DIR: dataDir,
  MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
});
// Every call Mailroom makes to Microsoft is timed, so the emulator's share can be taken out.
let waited = 0;
const inner = createOutboundFetch(config);
const timedFetch: OutboundFetch = async (url, init) => {
  const started = performance.now();
  try {
    return await inner(url, init);
  } finally {
    waited += performance.now() - started;
  }
};
const mailroom = await startMailroom(config, { fetch: timedFetch, log: createLogger('silent') });
try {
  const { db } = mailroom.deps;
  const admin = await createUser(db, {
    email: 'bench@mailroom.test',
    displayName: 'Bench',
    password: 'bench-password-1',
    role: 'administrator',
  });
  await createUser(db, { email: `adele@${DEMO.domain}`, displayName: 'Adele Vance', role: 'staff' });
  emu.ctx.dir.apps
    .get(DEMO.appId)!
    .redirectUris.push({ uri: 'http://127.0.0.1:3917/auth/microsoft/callback', type: 'web' });
  const token = await createApiToken(db, admin.id, 'bench');
  await fetch(`${mailroom.url}/api/settings/microsoft`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      clientId: DEMO.appId,
      tenant: DEMO.tenantId,
      cloud: 'custom',
      customAuthorityUrl: emu.httpsUrl,
      clientSecret: emu.demo!.appSecret,
      signinEnabled: true,
    }),
  });

  // One browser: after the first sign-in the emulator's SSO cookie skips its pages, as for a returning user.
  const browser = new Browser(fetchWith(trustingAgent(emu.tls.caPem)) as typeof fetch);
  const serverSide: number[] = [];
  const emulatorSide: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    const start = await browser.get(`${mailroom.url}/auth/microsoft`);
    const back = await completeSignIn(browser, await browser.get(start.location!), {
      login: `adele@${DEMO.domain}`,
      password: 'Adele-demo-1',
    });
    waited = 0;
    const began = performance.now();
    const done = await browser.get(back.location!);
    const total = performance.now() - began;
    if (done.status !== 302) throw new Error(`sign-in ${i} failed: ${done.status}`);
    if (i < 5) continue; // warm-up: caches filled, JIT settled
    serverSide.push(total - waited);
    emulatorSide.push(waited);
  }
  console.log(`sign-in callbacks: ${count} (sequential, SQLite, loopback)`);
  console.log(
    `Mailroom server-side time per callback: median ${median(serverSide).toFixed(2)} ms, p95 ${p95(serverSide).toFixed(2)} ms`,
  );
  console.log(
    `emulator token endpoint (same run):     median ${median(emulatorSide).toFixed(2)} ms, p95 ${p95(emulatorSide).toFixed(2)} ms`,
  );
  console.log(`ratio Mailroom / emulator: ${(median(serverSide) / median(emulatorSide)).toFixed(2)}`);
} finally {
  await mailroom.stop();
  await emu.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
