// From the sign-in pages to IMAP and SMTP with tokens the emulator's real token endpoint issued: the
// authorization code flow with PKCE, XOAUTH2 over IMAP (imapflow) and SMTP submission (nodemailer),
// refresh, a token for the wrong resource, and revocation (ms-identity-spec.md §5, §6.2, §6.3, §13).
// The steps build on each other and run in order.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { decodeJwt } from 'jose';
import nodemailer from 'nodemailer';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { control } from '../support/control.ts';
import { refreshTokens, signInAndGetTokens, TokenEndpointError, type Tokens } from '../support/oauth-flow.ts';

const ADELE = { upn: `adele@${DEMO.domain}`, password: 'Adele-demo-1' };
const MEGAN = { upn: `megan@${DEMO.domain}`, password: 'Megan-demo-1' };
const MAIL_SCOPES = [
  'https://outlook.office.com/IMAP.AccessAsUser.All',
  'https://outlook.office.com/SMTP.Send',
];
const SCOPES = ['openid', 'profile', 'email', 'offline_access', ...MAIL_SCOPES];
const SUBJECT = `End to end ${randomBytes(6).toString('hex')}`;

let emu: RunningEmulator;
/** Adele's latest tokens; each step that refreshes replaces them. */
let adele: Tokens;

before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

const imap = (user: string, accessToken: string) =>
  new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.port,
    secure: false,
    auth: { user, accessToken },
    logger: false,
  });

/** Logs in over XOAUTH2 and returns the folder paths. */
const listFolders = async (user: string, accessToken: string): Promise<string[]> => {
  const client = imap(user, accessToken);
  await client.connect();
  try {
    return (await client.list()).map((f) => f.path);
  } finally {
    await client.logout();
  }
};

/** The Inbox UIDs whose Subject is `subject`, polled until one shows up or `withinMs` pass. */
const waitForSubject = async (client: ImapFlow, subject: string, withinMs: number): Promise<number[]> => {
  const deadline = Date.now() + withinMs;
  const lock = await client.getMailboxLock('INBOX');
  try {
    for (;;) {
      const uids = (await client.search({ header: { subject } }, { uid: true })) || [];
      if (uids.length > 0 || Date.now() > deadline) return uids;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    lock.release();
  }
};

test('Adele signs in through the pages and gets tokens for Outlook from /token', async () => {
  adele = await signInAndGetTokens(emu, ADELE.upn, ADELE.password, SCOPES);
  assert.ok(adele.refreshToken && adele.idToken);
  for (const scope of MAIL_SCOPES) assert.ok(adele.scope.split(' ').includes(scope), adele.scope);
  assert.equal(decodeJwt(adele.accessToken).aud, 'https://outlook.office.com');
});

test('(a) imapflow logs in over XOAUTH2 with that token and lists the folders', async () => {
  const folders = await listFolders(ADELE.upn, adele.accessToken);
  for (const path of ['INBOX', 'Sent Items', 'Drafts']) assert.ok(folders.includes(path), path);
});

test('(b) nodemailer sends from Adele to Megan over STARTTLS and XOAUTH2', async () => {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: emu.mail!.smtp.port,
    secure: false,
    requireTLS: true,
    tls: { ca: emu.tls.caPem, servername: 'smtp.office365.com' },
    auth: { type: 'OAuth2', user: ADELE.upn, accessToken: adele.accessToken },
  });
  try {
    const info = await transport.sendMail({
      from: ADELE.upn,
      to: MEGAN.upn,
      subject: SUBJECT,
      text: 'Hello!',
    });
    assert.deepEqual(info.accepted, [MEGAN.upn]);
    assert.match(info.response, /^250 /);
  } finally {
    transport.close();
  }
});

test('(c) Megan gets her own token the same way and finds the message in her Inbox', async () => {
  const megan = await signInAndGetTokens(emu, MEGAN.upn, MEGAN.password, SCOPES);
  assert.notEqual(decodeJwt(megan.accessToken).oid, decodeJwt(adele.accessToken).oid);
  const client = imap(MEGAN.upn, megan.accessToken);
  await client.connect();
  try {
    const [uid] = await waitForSubject(client, SUBJECT, 5_000);
    assert.ok(uid, `"${SUBJECT}" did not arrive within 5 s`);
    const message = await client.fetchOne(String(uid), { envelope: true }, { uid: true });
    assert.ok(message, `no message with UID ${uid}`);
    assert.equal(message.envelope?.from?.[0]?.address, ADELE.upn);
  } finally {
    await client.logout();
  }
});

test('(d) the refresh token gives a new access token, and IMAP takes it', async () => {
  const previous = adele;
  adele = await refreshTokens(emu, previous.refreshToken!, { scopes: MAIL_SCOPES });
  assert.notEqual(adele.accessToken, previous.accessToken);
  assert.ok(adele.refreshToken && adele.refreshToken !== previous.refreshToken);
  assert.ok((await listFolders(ADELE.upn, adele.accessToken)).includes('INBOX'));
});

test('(e) a Graph token from the same refresh token is refused by IMAP', async () => {
  const userRead = ['https://graph.microsoft.com/User.Read'];
  // A refresh token reaches only what was consented (§6.3): User.Read needs Adele's consent first.
  await assert.rejects(refreshTokens(emu, adele.refreshToken!, { scopes: userRead }), (e: unknown) => {
    assert.ok(e instanceof TokenEndpointError);
    assert.deepEqual([e.error, e.errorCodes, e.suberror], ['invalid_grant', [65001], 'consent_required']);
    return true;
  });
  await signInAndGetTokens(emu, ADELE.upn, ADELE.password, ['openid', ...userRead]);
  const graph = await refreshTokens(emu, adele.refreshToken!, { scopes: userRead });
  assert.equal(decodeJwt(graph.accessToken).aud, '00000003-0000-0000-c000-000000000000');
  adele = { ...adele, refreshToken: graph.refreshToken };
  const error = await imap(ADELE.upn, graph.accessToken)
    .connect()
    .then(
      () => null,
      (e: { authenticationFailed?: boolean; response?: string }) => e,
    );
  assert.equal(error?.authenticationFailed, true);
  // The tagged answer imapflow saw, as Exchange words it (§13.3).
  assert.match(String(error?.response), /NO AUTHENTICATE failed\.$/);
});

test('(f) after revoke-sessions the refresh token is refused: invalid_grant, AADSTS50173', async () => {
  const revoked = await control(emu, 'POST', `/users/${ADELE.upn}/revoke-sessions`);
  assert.equal(revoked.status, 200);
  await assert.rejects(refreshTokens(emu, adele.refreshToken!, { scopes: MAIL_SCOPES }), (e: unknown) => {
    assert.ok(e instanceof TokenEndpointError);
    assert.equal(e.status, 400);
    assert.equal(e.error, 'invalid_grant');
    assert.deepEqual(e.errorCodes, [50173]);
    assert.equal(e.suberror, 'bad_token');
    return true;
  });
});
