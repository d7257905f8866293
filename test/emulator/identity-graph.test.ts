import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { DEFAULT_DEMO_REDIRECT_URIS, type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { Browser, completeSignIn, postForm, redirectParams } from '../support/http-client.ts';

const REDIRECT = DEFAULT_DEMO_REDIRECT_URIS[0]!;
const MEGAN = { login: `megan@${DEMO.domain}`, password: 'Megan-demo-1' };

let emu: RunningEmulator;
let graph: Record<string, unknown>;

/** Megan signs in for Graph and Outlook scopes; the code is redeemed for a Graph token. */
before(async () => {
  emu = await startEmulator({ mail: false });
  const browser = new Browser();
  const scope = 'openid profile email offline_access User.Read https://outlook.office.com/SMTP.Send';
  const url = `${emu.httpUrl}/${DEMO.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: DEMO.appId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope,
  })}`;
  const done = await completeSignIn(browser, await browser.get(url), MEGAN);
  const res = await postForm(`${emu.httpUrl}/${DEMO.tenantId}/oauth2/v2.0/token`, {
    grant_type: 'authorization_code',
    client_id: DEMO.appId,
    client_secret: emu.demo!.appSecret,
    code: redirectParams(done.location!).get('code')!,
    redirect_uri: REDIRECT,
    scope: 'openid profile email offline_access User.Read',
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  graph = res.json;
});
after(() => emu.stop());

const me = (token: string) =>
  fetch(`${emu.httpUrl}/v1.0/me`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
    status: r.status,
    json: (await r.json()) as Record<string, unknown> & { error: { code: string; message: string } },
  }));

test('/v1.0/me with a Graph token: Graph’s shape', async () => {
  const { status, json } = await me(String(graph.access_token));
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(json), [
    '@odata.context',
    'businessPhones',
    'displayName',
    'givenName',
    'jobTitle',
    'mail',
    'mobilePhone',
    'officeLocation',
    'preferredLanguage',
    'surname',
    'userPrincipalName',
    'id',
  ]);
  assert.equal(json.displayName, 'Megan Bowen');
  assert.equal(json.givenName, 'Megan');
  assert.equal(json.surname, 'Bowen');
  assert.equal(json.userPrincipalName, MEGAN.login);
  assert.equal(json.id, decodeJwt(String(graph.access_token)).oid);
});

test('an Outlook token is refused: Invalid audience', async () => {
  const outlook = await postForm(`${emu.httpUrl}/${DEMO.tenantId}/oauth2/v2.0/token`, {
    grant_type: 'refresh_token',
    client_id: DEMO.appId,
    client_secret: emu.demo!.appSecret,
    refresh_token: String(graph.refresh_token),
    scope: 'https://outlook.office.com/SMTP.Send offline_access',
  });
  assert.equal(decodeJwt(String(outlook.json.access_token)).aud, 'https://outlook.office.com');
  const { status, json } = await me(String(outlook.json.access_token));
  assert.equal(status, 401);
  assert.equal(json.error.code, 'InvalidAuthenticationToken');
  assert.equal(json.error.message, 'Access token validation failure. Invalid audience.');
});

test('an expired Graph token is refused', async () => {
  emu.ctx.dir.knobs.clockOffsetMs += 3 * 3600_000;
  try {
    const { status, json } = await me(String(graph.access_token));
    assert.equal(status, 401);
    assert.equal(json.error.message, 'Lifetime validation failed, the token is expired.');
  } finally {
    emu.ctx.dir.knobs.clockOffsetMs -= 3 * 3600_000;
  }
});

test('/oidc/userinfo: the ID token’s sub and profile', async () => {
  const res = await fetch(`${emu.httpUrl}/oidc/userinfo`, {
    headers: { authorization: `Bearer ${graph.access_token}` },
  });
  const json = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200);
  assert.equal(json.sub, decodeJwt(String(graph.id_token)).sub);
  assert.equal(json.email, MEGAN.login);
});
