// The control API's runtime calls: lifetimes, the clock, signing keys, faults (token endpoint, ID token,
// IMAP), the issued-token log and the last error page. Each test puts back what it changed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { assertControlError, control } from '../support/control.ts';
import { clientCredentialsToken, signInAndGetTokens } from '../support/oauth-flow.ts';

const ADELE = `adele@${DEMO.domain}`;
const ADELE_PASSWORD = 'Adele-demo-1';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ mail: false });
});
after(() => emu.stop());

const appToken = () => clientCredentialsToken(emu, DEMO.tenantId);

test('lifetimes: set, and applied to the next token', async () => {
  const set = await control(emu, 'PUT', '/lifetimes', { accessTokenLifetimeSec: 600 });
  assert.deepEqual(set, {
    status: 200,
    body: { accessTokenLifetimeSec: 600, authCodeLifetimeSec: 600, refreshTokenIdleSec: 90 * 24 * 3600 },
  });
  assert.equal((await appToken()).json.expires_in, 600);
  await control(emu, 'PUT', '/lifetimes', { accessTokenLifetimeSec: null });
});

test('clock: set an offset, or advance it', async () => {
  assert.equal((await control(emu, 'POST', '/clock', { offsetMs: 60_000 })).body.offsetMs, 60_000);
  const advanced = await control(emu, 'POST', '/clock', { advanceSeconds: 60 });
  assert.equal(advanced.status, 200);
  assert.equal(advanced.body.offsetMs, 120_000);
  assert.ok(Math.abs(Date.parse(advanced.body.now) - (Date.now() + 120_000)) < 5_000);
  await control(emu, 'POST', '/clock', { offsetMs: 0 });
});

test('keys/rotate: the new key is published in the JWKS', async () => {
  const { status, body } = await control(emu, 'POST', '/keys/rotate');
  assert.equal(status, 200);
  assert.ok(body.published.includes(body.kid));
  const jwks = (await (await fetch(`${emu.httpUrl}/${DEMO.tenantId}/discovery/v2.0/keys`)).json()) as {
    keys: { kid: string }[];
  };
  assert.ok(jwks.keys.some((k) => k.kid === body.kid));
});

test('faults: the token endpoint fault and IMAP throttling are set and cleared', async () => {
  const fault = await control(emu, 'PUT', '/faults/token-endpoint', {
    status: 503,
    retryAfterSeconds: 3,
    count: 5,
  });
  assert.deepEqual(fault, { status: 200, body: { status: 503, retryAfterSeconds: 3, remaining: 5 } });
  assert.equal((await appToken()).status, 503);
  assert.deepEqual(await control(emu, 'DELETE', '/faults/token-endpoint'), { status: 204, body: null });
  assert.equal((await appToken()).status, 200);
  const throttle = await control(emu, 'PUT', '/faults/imap-throttle', {
    backoffMs: 500,
    mailbox: 'Adele@Contoso.example',
  });
  assert.deepEqual(throttle.body, { backoffMs: 500, mailbox: ADELE, remaining: null });
  assert.deepEqual(await control(emu, 'DELETE', '/faults/imap-throttle'), { status: 204, body: null });
  assert.equal(emu.ctx.dir.knobs.imapThrottle, null);
});

test('faults: a forged ID token on order, for the given count only', async () => {
  const fault = await control(emu, 'PUT', '/faults/id-token', { mode: 'wrong_aud' });
  assert.deepEqual(fault, { status: 200, body: { mode: 'wrong_aud', remaining: 1 } });
  const audienceOf = async () => {
    const tokens = await signInAndGetTokens(emu, ADELE, ADELE_PASSWORD, ['openid', 'profile']);
    return decodeJwt(tokens.idToken!).aud;
  };
  assert.notEqual(await audienceOf(), DEMO.appId);
  assert.equal(await audienceOf(), DEMO.appId);
  await control(emu, 'PUT', '/faults/id-token', { mode: 'expired', count: 3 });
  assert.deepEqual(await control(emu, 'DELETE', '/faults/id-token'), { status: 204, body: null });
  assert.equal(emu.ctx.dir.knobs.idTokenFault, null);
});

test('tokens: what was issued, filtered, never the token itself', async () => {
  const token = String((await appToken()).json.access_token);
  const query = `kind=access_token&appId=${DEMO.appId}&subject=${DEMO.appId}`;
  const { status, body } = await control(emu, 'GET', `/tokens?${query}`);
  assert.equal(status, 200);
  const last = body.tokens.at(-1);
  assert.equal(last.grantType, 'client_credentials');
  assert.equal(last.uti, decodeJwt(token).uti);
  assert.match(last.issuedAt, ISO);
  assert.ok(!JSON.stringify(body).includes(token));
  assert.deepEqual((await control(emu, 'GET', '/tokens?kind=refresh_token&subject=nobody')).body, {
    tokens: [],
  });
});

test('last-page-error: none yet, then the error page /authorize showed (§5.4)', async () => {
  await assertControlError(emu, ['GET', '/last-page-error'], 404, 'not_found');
  const unknownClient = '11111111-2222-4333-8444-555555555555';
  const query = new URLSearchParams({ client_id: unknownClient, response_type: 'code', scope: 'openid' });
  const page = await fetch(`${emu.httpUrl}/${DEMO.tenantId}/oauth2/v2.0/authorize?${query}`);
  assert.equal(page.status, 400);
  const { status, body } = await control(emu, 'GET', '/last-page-error');
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(body), ['aadsts', 'error', 'message', 'traceId', 'at']);
  assert.equal(body.aadsts, 700016);
  assert.match(body.message, new RegExp(`^AADSTS700016: Application with identifier '${unknownClient}'`));
  assert.equal(body.traceId, page.headers.get('x-ms-request-id'));
  assert.match(body.at, ISO);
});
