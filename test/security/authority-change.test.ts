import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { parseConfig } from '../../src/config.ts';
import { getAccessToken } from '../../src/mailboxes/access-token.ts';
import { readTokens, type StoredTokens } from '../../src/mailboxes/token-store.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { signedInBrowser, textOf } from '../support/app-browser.ts';
import { DATABASES } from '../support/databases.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../support/mailbox-setup.ts';

// Issue 11, item 4: tokens and the client secret go only to the authority and mail hosts they were issued
// for. "An attacker's server" has no real peer, so it is a tiny one on loopback here: an authority (OpenID
// discovery and a token endpoint), an IMAP server with a certificate Mailroom trusts, and an SMTP server.
// Each records everything it receives, base64 words decoded (XOAUTH2 carries the token in base64).

const record: string[] = [];
const remember = (text: string) => {
  record.push(text);
  for (const word of text.split(/\s+/)) {
    if (word.length >= 16 && /^[A-Za-z0-9+/=]+$/.test(word))
      record.push(Buffer.from(word, 'base64').toString('latin1'));
  }
};

let emu: RunningEmulator;
let authority: HttpServer;
let imap: TlsServer;
let smtp: TcpServer;
let attacker: { url: string; imap: string; smtp: string };

const port = (server: { address(): unknown }) => (server.address() as { port: number }).port;
const listen = (server: HttpServer | TlsServer | TcpServer) =>
  new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));

before(async () => {
  emu = await startEmulator();
  authority = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      remember(`${req.method} ${req.url} ${req.headers.authorization ?? ''} ${decodeURIComponent(body)}`);
      const base = `http://127.0.0.1:${port(authority)}/${DEMO.tenantId}`;
      if (req.url?.endsWith('/.well-known/openid-configuration')) {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            issuer: `${base}/v2.0`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            token_endpoint: `${base}/oauth2/v2.0/token`,
            jwks_uri: `${base}/discovery/v2.0/keys`,
          }),
        );
        return;
      }
      res.statusCode = 400;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS70000: no.' }));
    });
  });
  imap = createTlsServer({ key: emu.tls.keyPem, cert: emu.tls.certPem }, (socket) => {
    socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR] ready\r\n');
    socket.on('data', (data) => {
      for (const line of String(data).split('\r\n').filter(Boolean)) {
        remember(line);
        const tag = line.split(' ')[0];
        if (/ CAPABILITY$/i.test(line))
          socket.write(`* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR\r\n${tag} OK done\r\n`);
        else if (/ AUTHENTICATE /i.test(line)) socket.write(`${tag} NO AUTHENTICATE failed.\r\n`);
        else if (/ LOGOUT$/i.test(line)) socket.end(`* BYE\r\n${tag} OK done\r\n`);
        else socket.write(`${tag} BAD unknown\r\n`);
      }
    });
    socket.on('error', () => undefined);
  });
  smtp = createTcpServer((socket) => {
    socket.write('220 attacker ESMTP\r\n');
    socket.on('data', (data) => {
      remember(String(data));
      socket.write(
        /^(EHLO|HELO)/i.test(String(data)) ? '250-attacker\r\n250 AUTH XOAUTH2\r\n' : '530 no\r\n',
      );
    });
    socket.on('error', () => undefined);
  });
  await Promise.all([listen(authority), listen(imap), listen(smtp)]);
  attacker = {
    url: `http://127.0.0.1:${port(authority)}`,
    imap: `127.0.0.1:${port(imap)}`,
    smtp: `127.0.0.1:${port(smtp)}`,
  };
});
after(async () => {
  for (const server of [authority, imap, smtp]) {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise((resolve) => server?.close(resolve));
  }
  await emu?.stop();
});

/** Nothing the attacker's servers received contains any of these values. */
const assertNeverReceived = (secrets: readonly (string | null | undefined)[]) => {
  const all = record.join('\n');
  for (const secret of secrets) {
    if (secret) assert.ok(!all.includes(secret), `the attacker received ${secret.slice(0, 8)}…`);
  }
};

for (const kind of DATABASES) {
  describe(`changing the authority or the mail hosts on ${kind}`, () => {
    let app: TestApp;
    let token: string;
    let mailboxId: string;
    let old: StoredTokens;
    const emulatorSettings = () => ({
      clientId: DEMO.appId,
      tenant: DEMO.tenantId,
      cloud: 'custom',
      customAuthorityUrl: emu.httpsUrl,
      customImapServer: `127.0.0.1:${emu.mail!.imap.tlsPort}`,
      customSmtpServer: `127.0.0.1:${emu.mail!.smtp.port}`,
      signinEnabled: true,
      syncEnabled: true,
    });
    const attackerSettings = () => ({
      ...emulatorSettings(),
      customAuthorityUrl: attacker.url,
      customImapServer: attacker.imap,
      customSmtpServer: attacker.smtp,
    });
    const put = async (body: Record<string, unknown>, to = { url: app.url, token }) => {
      const res = await fetch(`${to.url}/api/settings/microsoft`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${to.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: res.status,
        json: (await res.json()) as { error?: { fields?: Record<string, string> } },
      };
    };
    const mailboxRow = () =>
      app.mailroom.deps.db
        .selectFrom('mailboxes')
        .selectAll()
        .where('id', '=', mailboxId)
        .executeTakeFirstOrThrow();
    /** What a worker, a person and an administrator do next with the mailbox and the settings. */
    const useEverything = async () => {
      await fetch(`${app.url}/api/mailboxes/${mailboxId}/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      await fetch(`${app.url}/api/settings/microsoft/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      await assert.rejects(getAccessToken(app.mailroom.deps, mailboxId, { force: true }));
    };

    before(async () => {
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      token = await configureForMail(emu, app);
      await createDemoPeople(app);
      const browser = await mailroomBrowser(emu, app, MEGAN);
      mailboxId = mailboxIdOf(await connectThroughMicrosoft(browser, app, MEGAN));
      old = (await readTokens(app.mailroom.deps.db, app.mailroom.deps.secrets, mailboxId))!;
      assert.ok(old.refreshToken);
    });
    after(async () => {
      await app?.stop();
    });

    test('the settings page says what a change of authority does, before saving', async () => {
      const admin = await signedInBrowser(app.url, ADMIN.email, ADMIN.password);
      const text = textOf(await admin.get(`${app.url}/settings/microsoft`));
      assert.match(text, /asks for the client secret again/);
      assert.match(text, /1 connected mailbox/);
    });

    test('another authority or mail host without the secret entered again: refused, tokens kept', async () => {
      for (const change of [
        attackerSettings(),
        { ...emulatorSettings(), customImapServer: attacker.imap },
        { ...emulatorSettings(), customSmtpServer: attacker.smtp },
        { ...emulatorSettings(), customAuthorityUrl: attacker.url },
        { ...emulatorSettings(), cloud: 'global' },
      ]) {
        const { status, json } = await put(change);
        assert.equal(status, 400, JSON.stringify(change));
        assert.match(json.error?.fields?.clientSecret ?? '', /again/, JSON.stringify(json));
      }
      assert.equal((await mailboxRow()).state, 'connected');
      assert.ok(await readTokens(app.mailroom.deps.db, app.mailroom.deps.secrets, mailboxId));
    });

    test('with the secret: the old tokens are dropped, the mailbox asks to reconnect, nothing old leaves', async () => {
      record.length = 0;
      const { status } = await put({
        ...attackerSettings(),
        clientSecret: 'Att8Q~attacker-chosen-secret-value',
      });
      assert.equal(status, 200);
      const row = await mailboxRow();
      assert.equal(row.state, 'reconnect_required');
      assert.equal(row.refresh_token_encrypted, null);
      assert.equal(row.access_token_encrypted, null);
      assert.match(row.state_message ?? '', /reconnect/i);
      const audit = await app.mailroom.deps.db
        .selectFrom('audit_events')
        .select(['action', 'details'])
        .where('action', '=', 'settings.microsoft.updated')
        .execute();
      assert.ok(
        audit.some((a) => JSON.parse(a.details).tokensDropped?.mailboxes === 1),
        JSON.stringify(audit.map((a) => a.details)),
      );
      await useEverything();
      assertNeverReceived([old.refreshToken, old.accessToken, emu.demo!.appSecret]);
    });

    test('tokens and the secret are refused to another host even when the stored settings change underneath', async () => {
      const back = await put({ ...emulatorSettings(), clientSecret: emu.demo!.appSecret });
      assert.equal(back.status, 200);
      const browser = await mailroomBrowser(emu, app, MEGAN);
      await connectThroughMicrosoft(browser, app, MEGAN, mailboxId);
      const fresh = (await readTokens(app.mailroom.deps.db, app.mailroom.deps.secrets, mailboxId))!;
      assert.equal((await mailboxRow()).state, 'connected');
      // As if the row were edited behind validation's back (a restored backup, a hand-made UPDATE).
      await app.mailroom.deps.db
        .updateTable('microsoft_settings')
        .set({
          custom_authority_url: attacker.url,
          custom_imap_server: attacker.imap,
          custom_smtp_server: attacker.smtp,
        })
        .execute();
      record.length = 0;
      await useEverything();
      assertNeverReceived([fresh.refreshToken, fresh.accessToken, emu.demo!.appSecret]);
      assert.equal((await mailboxRow()).state, 'reconnect_required');
    });

    test('a custom authority or mail host outside loopback needs MAILROOM_ALLOW_CUSTOM_AUTHORITY=true', async () => {
      const secret = { clientSecret: emu.demo!.appSecret };
      const remote = { ...emulatorSettings(), ...secret, customAuthorityUrl: 'https://login.example.net' };
      const refused = await put(remote);
      assert.equal(refused.status, 400);
      assert.match(refused.json.error?.fields?.customAuthorityUrl ?? '', /MAILROOM_ALLOW_CUSTOM_AUTHORITY/);
      const remoteImap = await put({
        ...emulatorSettings(),
        ...secret,
        customImapServer: 'imap.example.net:993',
      });
      assert.match(remoteImap.json.error?.fields?.customImapServer ?? '', /MAILROOM_ALLOW_CUSTOM_AUTHORITY/);

      assert.equal(parseConfig({ MAILROOM_ALLOW_CUSTOM_AUTHORITY: 'true' }).allowCustomAuthority, true);
      assert.equal(parseConfig({}).allowCustomAuthority, false);
      const allowed = await startTestApp(kind, { MAILROOM_ALLOW_CUSTOM_AUTHORITY: 'true' });
      try {
        const admin = await findUserByEmail(allowed.mailroom.deps.db, ADMIN.email);
        const to = {
          url: allowed.url,
          token: await createApiToken(allowed.mailroom.deps.db, admin!.id, 'test'),
        };
        assert.equal((await put({ ...remote, customImapServer: 'imap.example.net:993' }, to)).status, 200);
      } finally {
        await allowed.stop();
      }
    });
  });
}
