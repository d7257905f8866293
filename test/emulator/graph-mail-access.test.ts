import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { control } from '../support/control.ts';
import { graph } from '../support/graph-request.ts';
import { graphToken } from '../support/graph-token.ts';
import { outlookToken } from '../support/mail-token.ts';
import { clientCredentialsToken, signInAndGetTokens } from '../support/oauth-flow.ts';
import { waitFor } from '../support/wait-for.ts';

const ADELE = `adele@${DEMO.domain}`;
const MEGAN = `megan@${DEMO.domain}`;
const SUPPORT = `support@${DEMO.domain}`;
const INBOX = '/v1.0/me/mailFolders/inbox/messages';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
  await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', count: 2 });
  await control(emu, 'POST', '/mail/seed', { address: SUPPORT, folder: 'INBOX', count: 2 });
});
after(async () => {
  await emu?.stop();
});

/** Graph's envelope: code, message and innerError with date, request-id and client-request-id. */
const assertGraphError = (answer: Awaited<ReturnType<typeof graph>>, status: number, code: string) => {
  assert.equal(answer.status, status, answer.bytes.toString());
  assert.deepEqual(Object.keys(answer.json), ['error']);
  assert.deepEqual(Object.keys(answer.json.error), ['code', 'message', 'innerError']);
  assert.equal(answer.json.error.code, code);
  assert.deepEqual(Object.keys(answer.json.error.innerError), ['date', 'request-id', 'client-request-id']);
  assert.match(answer.json.error.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.equal(answer.headers.get('request-id'), answer.json.error.innerError['request-id']);
};

test('the token endpoint issues Graph tokens with Mail.* scopes that the Graph mail endpoints take', async () => {
  const tokens = await signInAndGetTokens(emu, MEGAN, 'Megan-demo-1', [
    'openid',
    'offline_access',
    'https://graph.microsoft.com/Mail.ReadWrite',
    'https://graph.microsoft.com/Mail.Send',
  ]);
  assert.match(tokens.scope, /https:\/\/graph\.microsoft\.com\/Mail\.ReadWrite/);
  const folders = await graph(emu, tokens.accessToken, '/v1.0/me/mailFolders');
  assert.equal(folders.status, 200);
});

test('a token without a Mail scope is 403 ErrorAccessDenied; Mail.Read cannot PATCH or send', async () => {
  const userRead = await graphToken(emu, MEGAN, { scopes: ['User.Read'] });
  const answer = await graph(emu, userRead, INBOX, { headers: { 'client-request-id': 'my-id-1' } });
  assertGraphError(answer, 403, 'ErrorAccessDenied');
  assert.equal(answer.json.error.innerError['client-request-id'], 'my-id-1');

  const readOnly = await graphToken(emu, MEGAN, { scopes: ['Mail.Read'] });
  const list = await graph(emu, readOnly, INBOX);
  assert.equal(list.status, 200);
  const id = list.json.value[0].id;
  assertGraphError(
    await graph(emu, readOnly, `/v1.0/me/messages/${id}`, { method: 'PATCH', body: { isRead: true } }),
    403,
    'ErrorAccessDenied',
  );
  assertGraphError(
    await graph(emu, readOnly, '/v1.0/me/sendMail', {
      method: 'POST',
      body: { message: { subject: 'x', toRecipients: [{ emailAddress: { address: ADELE } }] } },
    }),
    403,
    'ErrorAccessDenied',
  );
});

test('an Outlook-audience, expired or missing token is 401 InvalidAuthenticationToken with WWW-Authenticate', async () => {
  const outlook = await outlookToken(emu, MEGAN, { scopes: ['IMAP.AccessAsUser.All', 'Mail.ReadWrite'] });
  const refused = await graph(emu, outlook, INBOX);
  assertGraphError(refused, 401, 'InvalidAuthenticationToken');
  assert.match(refused.json.error.message, /Invalid audience/);
  assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer realm=""/);

  const expired = await graphToken(emu, MEGAN, { lifetimeSec: 60 });
  await control(emu, 'POST', '/clock', { advanceSeconds: 120 });
  try {
    assertGraphError(await graph(emu, expired, INBOX), 401, 'InvalidAuthenticationToken');
  } finally {
    await control(emu, 'POST', '/clock', { advanceSeconds: -120 });
  }
  assertGraphError(await graph(emu, null, INBOX), 401, 'InvalidAuthenticationToken');
  const byUrl = await graphToken(emu, MEGAN, { audience: 'https://graph.microsoft.com' });
  assert.equal((await graph(emu, byUrl, INBOX)).status, 200, 'either spelling of the Graph audience');
});

test('throttling from the control API: 429 ApplicationThrottled with Retry-After, then 503, per mailbox', async () => {
  const megan = await graphToken(emu, MEGAN);
  const adele = await graphToken(emu, ADELE);
  const set = await control(emu, 'PUT', '/graph/throttle', {
    address: MEGAN,
    retryAfterSeconds: 3,
    count: 2,
  });
  assert.equal(set.status, 200);
  for (let i = 0; i < 2; i++) {
    const throttled = await graph(emu, megan, INBOX);
    assertGraphError(throttled, 429, 'ApplicationThrottled');
    assert.equal(throttled.json.error.message, 'Application is over its MailboxConcurrency limit.');
    assert.equal(throttled.headers.get('retry-after'), '3');
  }
  assert.equal((await graph(emu, megan, INBOX)).status, 200, 'the count ran out');

  await control(emu, 'PUT', '/graph/throttle', { address: MEGAN, status: 503, retryAfterSeconds: 1.5 });
  assert.equal((await graph(emu, adele, INBOX)).status, 200, 'another mailbox is not throttled');
  const unavailable = await graph(emu, megan, INBOX);
  assertGraphError(unavailable, 503, 'serviceNotAvailable');
  assert.equal(unavailable.headers.get('retry-after'), '1.5');

  await control(emu, 'PUT', '/graph/throttle', { address: MEGAN, code: 'TooManyRequests', count: 5 });
  assertGraphError(await graph(emu, megan, INBOX), 429, 'TooManyRequests');
  assert.equal((await control(emu, 'DELETE', '/graph/throttle', { address: MEGAN })).status, 204);
  assert.equal((await graph(emu, megan, INBOX)).status, 200);
});

test('REST switched off for a mailbox: MailboxNotEnabledForRESTAPI until switched on', async () => {
  const megan = await graphToken(emu, MEGAN);
  await control(emu, 'PUT', '/graph/rest', { address: MEGAN, enabled: false });
  const off = await graph(emu, megan, '/v1.0/me/mailFolders');
  assertGraphError(off, 404, 'MailboxNotEnabledForRESTAPI');
  assert.equal(off.json.error.message, 'REST API is not yet supported for this mailbox.');
  await control(emu, 'PUT', '/graph/rest', { address: MEGAN, enabled: true });
  assert.equal((await graph(emu, megan, '/v1.0/me/mailFolders')).status, 200);
});

test('/users/{upn}: a shared mailbox needs a .Shared scope and FullAccess', async () => {
  const shared = ['Mail.ReadWrite.Shared', 'Mail.Send.Shared'];
  const sharedInbox = `/v1.0/users/${SUPPORT}/mailFolders/inbox/messages`;
  const adele = await graphToken(emu, ADELE, { scopes: shared });
  assert.equal((await graph(emu, adele, sharedInbox)).status, 200, 'Adele has FullAccess');
  const adeleOwnOnly = await graphToken(emu, ADELE, { scopes: ['Mail.ReadWrite'] });
  assertGraphError(await graph(emu, adeleOwnOnly, sharedInbox), 403, 'ErrorAccessDenied');
  const megan = await graphToken(emu, MEGAN, { scopes: shared });
  assertGraphError(await graph(emu, megan, sharedInbox), 403, 'ErrorAccessDenied');

  const meganByUpn = await graph(emu, megan, `/v1.0/users/${MEGAN}/mailFolders/inbox/messages`);
  assert.equal(meganByUpn.status, 200, 'one’s own mailbox by UPN');
  const oid = emu.ctx.dir.mailboxes.get(MEGAN)!.ownerOid!;
  assert.equal((await graph(emu, megan, `/v1.0/users/${oid}/mailFolders`)).status, 200, 'and by object id');
  assertGraphError(
    await graph(emu, megan, '/v1.0/users/nobody@contoso.example/mailFolders'),
    404,
    'ErrorInvalidUser',
  );
});

test('app-only: /me is 400, /users/{upn} follows the Mail.* application roles', async () => {
  const granted = await control(emu, 'POST', `/apps/${DEMO.appId}/app-role-grants`, {
    tenantId: DEMO.tenantId,
    roles: ['https://graph.microsoft.com/Mail.Read'],
  });
  assert.equal(granted.status, 200, JSON.stringify(granted.body));
  const answer = await clientCredentialsToken(emu, DEMO.tenantId, 'https://graph.microsoft.com/.default');
  const token = String(answer.json.access_token);
  assertGraphError(await graph(emu, token, '/v1.0/me/mailFolders'), 400, 'BadRequest');
  assert.equal((await graph(emu, token, `/v1.0/users/${SUPPORT}/mailFolders/inbox/messages`)).status, 200);
  assertGraphError(
    await graph(emu, token, `/v1.0/users/${SUPPORT}/sendMail`, {
      method: 'POST',
      body: { message: { subject: 'x', toRecipients: [{ emailAddress: { address: ADELE } }] } },
    }),
    403,
    'ErrorAccessDenied',
  );
});

test('concurrency: past the limit in flight for an app, 429 ApplicationThrottled; the slot comes back', async () => {
  const set = await control(emu, 'PUT', '/graph/settings', { concurrencyLimit: 1, concurrencyScope: 'app' });
  assert.equal(set.status, 200);
  const megan = await graphToken(emu, MEGAN);
  const adele = await graphToken(emu, ADELE);
  try {
    // A sendMail whose body has not finished arriving holds its slot: the handler has begun.
    let finish!: () => void;
    const held = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"message":'));
        finish = () => {
          controller.enqueue(
            new TextEncoder().encode(
              `{"subject":"held","toRecipients":[{"emailAddress":{"address":"${ADELE}"}}]}}`,
            ),
          );
          controller.close();
        };
      },
    });
    const pending = fetch(`${emu.httpUrl}/v1.0/me/sendMail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${megan}`, 'content-type': 'application/json' },
      body: held,
      duplex: 'half',
    } as RequestInit);
    await waitFor(async () => emu.graphMail!.state.inFlight.size > 0, 5000, 'the held request in flight');
    const refused = await graph(emu, adele, INBOX);
    assertGraphError(refused, 429, 'ApplicationThrottled');
    assert.equal(refused.headers.get('retry-after'), '1');
    finish();
    assert.equal((await pending).status, 202);
    assert.equal((await graph(emu, adele, INBOX)).status, 200);
  } finally {
    await control(emu, 'PUT', '/graph/settings', { concurrencyLimit: 4 });
  }
});

test('faults: a dropped connection gets no answer; replayed delta pages repeat their messages', async () => {
  const megan = await graphToken(emu, MEGAN);
  const dropped = await control(emu, 'PUT', '/graph/faults', { address: MEGAN, mode: 'drop_connection' });
  assert.equal(dropped.status, 200);
  await assert.rejects(graph(emu, megan, INBOX), TypeError, 'the connection is cut before an answer');
  assert.equal((await graph(emu, megan, INBOX)).status, 200, 'one request only');

  await control(emu, 'PUT', '/graph/faults', { address: MEGAN, mode: 'replay' });
  const page = await graph(emu, megan, '/v1.0/me/mailFolders/inbox/messages/delta?$select=subject');
  const ids = page.json.value.map((m: { id: string }) => m.id);
  assert.ok(ids.length >= 2);
  assert.equal(new Set(ids).size * 2, ids.length, 'every message twice');
});
