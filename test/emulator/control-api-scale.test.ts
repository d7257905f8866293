// The control calls for runs at scale: many users with mailboxes at once, live IMAP sessions (and IDLEs)
// counted per mailbox with their peaks, and token grants counted per user and grant type.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { folderPath } from '../../emulator/mail/maildir.ts';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { assertControlError, control } from '../support/control.ts';
import { outlookToken } from '../support/mail-token.ts';
import { refreshTokens, signInAndGetTokens } from '../support/oauth-flow.ts';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

const openImap = async (address: string): Promise<ImapFlow> => {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.port,
    secure: false,
    auth: { user: address, accessToken: await outlookToken(emu, address) },
    logger: false,
  });
  await client.connect();
  return client;
};

test('users/bulk: a thousand users, each with a mailbox whose Inbox is on disk', async () => {
  const res = await control(emu, 'POST', '/users/bulk', { prefix: 'bulk', count: 1000, tenant: DEMO.domain });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.tenantId, DEMO.tenantId);
  assert.equal(res.body.users.length, 1000);
  assert.equal(res.body.users[0].upn, `bulk1@${DEMO.domain}`);
  assert.equal(res.body.users[999].upn, `bulk1000@${DEMO.domain}`);
  assert.equal(typeof res.body.password, 'string');
  assert.equal(typeof res.body.ms, 'number');
  const state = await control(emu, 'GET', '/state');
  assert.ok(state.body.mailboxes.some((m: { address: string }) => m.address === `bulk1000@${DEMO.domain}`));
  assert.ok(existsSync(`${folderPath(emu.mail!.store, `bulk500@${DEMO.domain}`, 'INBOX')}/new`));

  // The bulk users sign in with the password given back.
  const tokens = await signInAndGetTokens(emu, `bulk7@${DEMO.domain}`, res.body.password, ['openid']);
  assert.ok(tokens.idToken);
});

test('users/bulk: refused for a name taken, an unknown tenant or a bad request', async () => {
  await control(emu, 'POST', '/users/bulk', { prefix: 'twice', count: 2, tenant: DEMO.tenantId });
  await assertControlError(
    emu,
    ['POST', '/users/bulk', { prefix: 'twice', count: 3, tenant: DEMO.tenantId }],
    409,
    'conflict',
  );
  await assertControlError(
    emu,
    ['POST', '/users/bulk', { prefix: 'x', count: 1, tenant: 'nowhere.example' }],
    404,
    'not_found',
  );
  await assertControlError(
    emu,
    ['POST', '/users/bulk', { prefix: 'a b', count: 0, tenant: DEMO.tenantId }],
    400,
    'invalid_request',
  );
});

test('mail/sessions: live sessions and IDLEs per mailbox, and the most at once since the reset', async () => {
  const address = `sessions1@${DEMO.domain}`;
  await control(emu, 'POST', '/users/bulk', { prefix: 'sessions', count: 1, tenant: DEMO.tenantId });
  await control(emu, 'POST', '/mail/sessions/reset-peaks');
  const count = async () => (await control(emu, 'GET', `/mail/sessions?address=${address}`)).body;

  const watcher = await openImap(address);
  const syncer = await openImap(address);
  await watcher.mailboxOpen('INBOX');
  const idling = watcher.idle();
  await waitFor(async () => (await count()).totals.idling === 1);
  let seen = await count();
  assert.deepEqual(seen.mailboxes, [{ address, sessions: 2, idling: 1, peak: 2 }]);
  assert.equal(seen.totals.mostSessionsOnOneMailbox, 2);
  assert.ok(seen.totals.connections >= 2);

  await syncer.logout();
  await waitFor(async () => (await count()).totals.sessions === 1);
  seen = await count();
  assert.deepEqual(seen.mailboxes, [{ address, sessions: 1, idling: 1, peak: 2 }]);

  await control(emu, 'POST', '/mail/sessions/reset-peaks');
  assert.deepEqual((await count()).mailboxes, [{ address, sessions: 1, idling: 1, peak: 1 }]);
  await watcher.logout();
  await idling.catch(() => undefined);
  await waitFor(async () => (await count()).totals.sessions === 0);
  await control(emu, 'POST', '/mail/sessions/reset-peaks');
  assert.deepEqual((await count()).mailboxes, []);
});

test('mail/sessions: a client that leaves while the front logs in to Dovecot is not counted', async () => {
  const address = `leaver1@${DEMO.domain}`;
  await control(emu, 'POST', '/users/bulk', { prefix: 'leaver', count: 1, tenant: DEMO.tenantId });
  const token = await outlookToken(emu, address);
  const socket = createConnection({ host: '127.0.0.1', port: emu.mail!.imap.port });
  await once(socket, 'data');
  socket.write(
    `a AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${address}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}\r\n`,
  );
  socket.destroy();
  // Whatever the front was doing when the client left, the mailbox ends with no session counted.
  await waitFor(async () => (await control(emu, 'GET', '/mail/sessions')).body.totals.connections === 0);
  await new Promise((r) => setTimeout(r, 200));
  const seen = await control(emu, 'GET', `/mail/sessions?address=${address}`);
  assert.deepEqual(
    seen.body.mailboxes.map((m: { sessions: number }) => m.sessions),
    seen.body.mailboxes.length === 0 ? [] : [0],
  );
});

test('tokens/grants: successful grants counted per user and grant type', async () => {
  const res = await control(emu, 'POST', '/users/bulk', {
    prefix: 'grants',
    count: 1,
    tenant: DEMO.tenantId,
  });
  const { upn, oid } = res.body.users[0];
  const tokens = await signInAndGetTokens(emu, upn, res.body.password, [
    'offline_access',
    'https://outlook.office.com/IMAP.AccessAsUser.All',
  ]);
  await refreshTokens(emu, tokens.refreshToken!);
  await refreshTokens(emu, tokens.refreshToken!);

  const refreshes = await control(emu, 'GET', `/tokens/grants?grantType=refresh_token&subject=${oid}`);
  assert.deepEqual(refreshes.body, {
    total: 2,
    grants: [{ subject: oid, appId: DEMO.appId, grantType: 'refresh_token', count: 2, upn }],
  });
  const all = await control(emu, 'GET', `/tokens/grants?subject=${oid}`);
  assert.deepEqual(
    all.body.grants.map((g: { grantType: string; count: number }) => [g.grantType, g.count]),
    [
      ['authorization_code', 1],
      ['refresh_token', 2],
    ],
  );
});

/** Polls a condition the emulator reaches on its own (a session closing, an IDLE starting). */
const waitFor = async (condition: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail('the emulator did not reach the expected state');
};
