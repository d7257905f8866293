// The floor under bench/scale.ts's delivery-to-listed time: the same delivery through the emulator's
// control API, seen by a bare imapflow client in IDLE on the same front (delivery → EXISTS), no storing.
import { createHash, randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { Browser, completeSignIn, postForm, redirectParams } from '../../test/support/http-client.ts';
import { fetchWith, trustingAgent } from '../../test/support/tls-fetch.ts';
import type { EmulatorInfo } from './mailroom.ts';
import { fetchRetrying } from './probes.ts';

const IMAP_SCOPE = 'https://outlook.office.com/IMAP.AccessAsUser.All';

/** An Outlook access token for `upn` from the emulator's authorize and token endpoints (code + PKCE). */
const outlookToken = async (
  emu: EmulatorInfo,
  caPem: string,
  redirectUri: string,
  login: { upn: string; password: string },
): Promise<string> => {
  const app = emu.apps.find((a) => a.clientSecret)!;
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: IMAP_SCOPE,
    state: 'bench',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: login.upn,
  });
  const fetchImpl = fetchWith(trustingAgent(caPem)) as typeof fetch;
  const browser = new Browser(fetchImpl);
  const start = await browser.get(`${emu.baseUrl}/${app.tenantId}/oauth2/v2.0/authorize?${query}`);
  const done = await completeSignIn(browser, start, { login: login.upn, password: login.password });
  const code = done.location ? redirectParams(done.location).get('code') : null;
  if (!code) throw new Error(`no code for ${login.upn}: ${done.status} ${done.html.slice(0, 200)}`);
  const answer = await postForm(
    `${emu.baseUrl}/${app.tenantId}/oauth2/v2.0/token`,
    {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret!,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      scope: IMAP_SCOPE,
    },
    {},
    fetchImpl,
  );
  if (answer.status !== 200 || typeof answer.json.access_token !== 'string')
    throw new Error(`token endpoint: ${answer.status} ${JSON.stringify(answer.json)}`);
  return answer.json.access_token;
};

/** Delivers `count` messages to the mailbox 100 ms apart; returns delivery → EXISTS in ms, sorted. */
export const rawIdleLatencies = async (
  emu: EmulatorInfo,
  caPem: string,
  redirectUri: string,
  login: { upn: string; password: string },
  count: number,
): Promise<number[]> => {
  const client = new ImapFlow({
    host: emu.imap.host,
    port: emu.imap.tlsPort,
    secure: true,
    tls: { ca: caPem },
    auth: { user: login.upn, accessToken: await outlookToken(emu, caPem, redirectUri, login) },
    logger: false,
  });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    let wake: (() => void) | null = null;
    client.on('exists', () => wake?.());
    const idling = client.idle();
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const seen = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const sent = performance.now();
      const res = await fetchRetrying(`${emu.controlApi}/mail/seed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          address: login.upn,
          messages: [`Subject: Scale baseline ${i}\r\n\r\nfloor\r\n`],
        }),
      });
      if (res.status !== 201) throw new Error(`seeding ${login.upn}: ${res.status}`);
      await Promise.race([
        seen,
        new Promise((_, reject) =>
          setTimeout(
            () => reject(new Error(`no EXISTS within 30 s for baseline message ${i}`)),
            30_000,
          ).unref(),
        ),
      ]);
      latencies.push(performance.now() - sent);
      await new Promise((r) => setTimeout(r, 100));
    }
    await client.logout();
    // IDLE ends with the logout, resolved or rejected as the connection closes: neither is a figure.
    await idling.catch(() => undefined);
    return latencies.sort((a, b) => a - b);
  } finally {
    client.close();
  }
};
