import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { DEFAULT_DEMO_REDIRECT_URIS, type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { addSecret, createApp, createUser } from '../../emulator/state/create.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { now, removeConsents } from '../../emulator/state/directory.ts';
import type { User } from '../../emulator/state/model.ts';
import { Browser, completeSignIn, postForm, redirectParams } from '../support/http-client.ts';

const REDIRECT = DEFAULT_DEMO_REDIRECT_URIS[0]!;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let emu: RunningEmulator;
let secret: string;
let userCount = 0;

before(async () => {
  emu = await startEmulator({ mail: false });
  secret = emu.demo!.appSecret;
});
after(() => emu.stop());

/** A fresh Contoso user, so tests that revoke or disable don't disturb each other. */
const newUser = (extra: Partial<Parameters<typeof createUser>[1]> = {}): User & { password: string } => {
  const password = `Pw-${randomBytes(6).toString('hex')}`;
  const user = createUser(emu.ctx.dir, {
    tenantId: DEMO.tenantId,
    upn: `tester${++userCount}@${DEMO.domain}`,
    password,
    mailbox: false,
    ...extra,
  });
  return Object.assign(user, { password });
};

const tokenUrl = (tenant: string = DEMO.tenantId) => `${emu.httpUrl}/${tenant}/oauth2/v2.0/token`;

const verifierPair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** Signs `user` in through the pages and returns the authorization code. */
const codeFor = async (
  user: { upn: string; password: string },
  params: Record<string, string> = {},
  tenant: string = DEMO.tenantId,
): Promise<string> => {
  const browser = new Browser();
  const query = new URLSearchParams({
    client_id: DEMO.appId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid profile offline_access User.Read',
    state: 'st',
    ...params,
  });
  const start = await browser.get(`${emu.httpUrl}/${tenant}/oauth2/v2.0/authorize?${query}`);
  const done = await completeSignIn(browser, start, { login: user.upn, password: user.password });
  assert.equal(done.status, 302, done.html.slice(0, 800));
  const code = redirectParams(done.location!).get('code');
  assert.ok(code, done.location!);
  return code;
};

const redeem = (code: string, extra: Record<string, string> = {}, tenant: string = DEMO.tenantId) =>
  postForm(tokenUrl(tenant), {
    grant_type: 'authorization_code',
    client_id: DEMO.appId,
    client_secret: secret,
    code,
    redirect_uri: REDIRECT,
    ...extra,
  });

const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
  postForm(tokenUrl(), {
    grant_type: 'refresh_token',
    client_id: DEMO.appId,
    client_secret: secret,
    refresh_token: refreshToken,
    ...extra,
  });

const assertAadError = (
  res: { status: number; json: Record<string, unknown> },
  status: number,
  error: string,
  code: number,
) => {
  assert.equal(res.status, status, JSON.stringify(res.json));
  assert.equal(res.json.error, error);
  assert.deepEqual(res.json.error_codes, [code]);
  assert.match(
    String(res.json.error_description),
    new RegExp(`^AADSTS${code}: .*\\r\\nTrace ID: .*\\r\\nCorrelation ID: .*\\r\\nTimestamp: `, 's'),
  );
  for (const field of ['timestamp', 'trace_id', 'correlation_id', 'error_uri'])
    assert.ok(res.json[field], field);
};

/** Signs a fresh user in and redeems the code; returns the token response. */
const signedIn = async (user = newUser(), scope = 'openid profile offline_access User.Read') => {
  const pkce = verifierPair();
  const code = await codeFor(user, { scope, code_challenge: pkce.challenge, code_challenge_method: 'S256' });
  const res = await redeem(code, { code_verifier: pkce.verifier });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return { user, json: res.json };
};

describe('authorization_code', () => {
  test('PKCE S256: the §6.2 response, headers, ID and access token claims', async () => {
    const user = newUser();
    const pkce = verifierPair();
    const code = await codeFor(user, {
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      nonce: 'n-123',
    });
    const res = await redeem(code, {
      code_verifier: pkce.verifier,
      'x-client-SKU': 'MSAL.Node',
      client_info: '1',
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(Object.keys(res.json), [
      'token_type',
      'scope',
      'expires_in',
      'ext_expires_in',
      'access_token',
      'refresh_token',
      'id_token',
      'client_info',
    ]);
    assert.equal(res.json.token_type, 'Bearer');
    assert.equal(res.json.scope, 'offline_access openid profile https://graph.microsoft.com/User.Read');
    assert.equal(res.headers.get('cache-control'), 'no-store, no-cache');
    assert.equal(res.headers.get('pragma'), 'no-cache');
    const id = decodeJwt(String(res.json.id_token));
    assert.equal(id.aud, DEMO.appId);
    assert.equal(id.iss, `${emu.httpUrl}/${DEMO.tenantId}/v2.0`);
    assert.equal(id.tid, DEMO.tenantId);
    assert.equal(id.nonce, 'n-123');
    assert.equal(id.preferred_username, user.upn);
    assert.equal(id.ver, '2.0');
    const at = decodeJwt(String(res.json.access_token));
    assert.equal(at.aud, '00000003-0000-0000-c000-000000000000');
    assert.equal(at.scp, 'openid profile User.Read');
  });

  test('PKCE plain (method omitted) works; a wrong verifier is 501481 and leaves the code usable', async () => {
    const verifier = randomBytes(40).toString('base64url');
    const code = await codeFor(newUser(), { code_challenge: verifier });
    assertAadError(await redeem(code, { code_verifier: `${verifier}x` }), 400, 'invalid_grant', 501481);
    assertAadError(await redeem(code), 400, 'invalid_grant', 501481);
    assert.equal((await redeem(code, { code_verifier: verifier })).status, 200);
  });

  test('a code is single use (54005)', async () => {
    const code = await codeFor(newUser());
    assert.equal((await redeem(code)).status, 200);
    assertAadError(await redeem(code), 400, 'invalid_grant', 54005);
  });

  test('a code expires after 10 minutes of the emulator clock (70008)', async () => {
    const code = await codeFor(newUser());
    emu.ctx.dir.knobs.clockOffsetMs += 11 * MINUTE;
    try {
      assertAadError(await redeem(code), 400, 'invalid_grant', 70008);
    } finally {
      emu.ctx.dir.knobs.clockOffsetMs -= 11 * MINUTE;
    }
  });

  test('redirect_uri must match (500112); another tenant path is 700005; two resources are 28000', async () => {
    const code = await codeFor(newUser());
    assertAadError(
      await redeem(code, { redirect_uri: DEFAULT_DEMO_REDIRECT_URIS[1]! }),
      400,
      'invalid_grant',
      500112,
    );
    assertAadError(await redeem(code, {}, DEMO.otherTenantId), 400, 'invalid_grant', 700005);
    const scope = 'https://graph.microsoft.com/User.Read https://outlook.office.com/SMTP.Send';
    assertAadError(await redeem(code, { scope }), 400, 'invalid_scope', 28000);
    assert.equal((await redeem(code, { redirect_uri: REDIRECT }, 'organizations')).status, 200);
  });
});

describe('refresh_token', () => {
  test('every refresh returns a new refresh token; the old one keeps working', async () => {
    const { json } = await signedIn();
    const first = await refresh(String(json.refresh_token));
    assert.equal(first.status, 200);
    assert.notEqual(first.json.refresh_token, json.refresh_token);
    assert.ok(first.json.id_token);
    assert.equal((await refresh(String(json.refresh_token))).status, 200);
    const outlook = await refresh(String(first.json.refresh_token), {
      scope: 'https://outlook.office.com/SMTP.Send',
    });
    assertAadError(outlook, 400, 'invalid_grant', 65001);
  });

  test('unused for 90 days: 700082 with suberror bad_token', async () => {
    const { json } = await signedIn();
    emu.ctx.dir.knobs.clockOffsetMs += 91 * DAY;
    try {
      const res = await refresh(String(json.refresh_token));
      assertAadError(res, 400, 'invalid_grant', 700082);
      assert.equal(res.json.suberror, 'bad_token');
    } finally {
      emu.ctx.dir.knobs.clockOffsetMs -= 91 * DAY;
    }
  });

  test('revoked by tokensValidFrom: 50173 bad_token; disabled user: 50057', async () => {
    const { user, json } = await signedIn();
    user.tokensValidFrom = now(emu.ctx.dir) + 1;
    const res = await refresh(String(json.refresh_token));
    assertAadError(res, 400, 'invalid_grant', 50173);
    assert.equal(res.json.suberror, 'bad_token');
    const other = await signedIn();
    other.user.disabled = true;
    assertAadError(await refresh(String(other.json.refresh_token)), 400, 'invalid_grant', 50057);
  });

  test('MFA required after the grant: 50076 basic_action; consent removed: 65001 consent_required', async () => {
    const { user, json } = await signedIn();
    user.mfaRequired = true;
    const mfa = await refresh(String(json.refresh_token));
    assertAadError(mfa, 400, 'invalid_grant', 50076);
    assert.equal(mfa.json.suberror, 'basic_action');
    const other = await signedIn();
    removeConsents(emu.ctx.dir, DEMO.tenantId, DEMO.appId, other.user.oid);
    const consent = await refresh(String(other.json.refresh_token));
    assertAadError(consent, 400, 'invalid_grant', 65001);
    assert.equal(consent.json.suberror, 'consent_required');
  });

  test('a user who did MFA at sign-in keeps refreshing', async () => {
    const { json } = await signedIn(newUser({ mfaRequired: true }));
    assert.equal((await refresh(String(json.refresh_token))).status, 200);
  });
});

describe('client authentication', () => {
  test('client_secret_basic with form-urlencoded id and secret', async () => {
    const { json } = await signedIn();
    const basic = Buffer.from(`${encodeURIComponent(DEMO.appId)}:${encodeURIComponent(secret)}`).toString(
      'base64',
    );
    const res = await postForm(
      tokenUrl(),
      { grant_type: 'refresh_token', refresh_token: String(json.refresh_token) },
      { authorization: `Basic ${basic}` },
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
  });

  test('wrong secret or the secret ID: 401 invalid_client 7000215; none: 7000218; expired: 7000222', async () => {
    const form = {
      grant_type: 'client_credentials',
      client_id: DEMO.appId,
      scope: 'https://outlook.office365.com/.default',
    };
    assertAadError(
      await postForm(tokenUrl(), { ...form, client_secret: 'nope' }),
      401,
      'invalid_client',
      7000215,
    );
    const bySecretId = await postForm(tokenUrl(), { ...form, client_secret: emu.demo!.appSecretId });
    assertAadError(bySecretId, 401, 'invalid_client', 7000215);
    assert.match(String(bySecretId.json.error_description), /client secret value, not the client secret ID/);
    assertAadError(await postForm(tokenUrl(), form), 401, 'invalid_client', 7000218);
    const app = createApp(emu.ctx.dir, { homeTenantId: DEMO.tenantId, displayName: 'Expired' });
    const old = addSecret(emu.ctx.dir, app, { expiresAt: now(emu.ctx.dir) - 1000 });
    const expired = await postForm(tokenUrl(), { ...form, client_id: app.appId, client_secret: old.value });
    assertAadError(expired, 401, 'invalid_client', 7000222);
  });

  test('unknown app: 400 unauthorized_client 700016; unknown tenant: 400 invalid_tenant 90002; GET: 900561', async () => {
    const form = {
      grant_type: 'client_credentials',
      client_id: '11111111-2222-3333-4444-555555555555',
      client_secret: 'x',
    };
    assertAadError(await postForm(tokenUrl(), form), 400, 'unauthorized_client', 700016);
    assertAadError(await postForm(tokenUrl('nowhere.example'), form), 400, 'invalid_tenant', 90002);
    const get = await fetch(tokenUrl());
    assertAadError(
      { status: get.status, json: (await get.json()) as Record<string, unknown> },
      400,
      'invalid_request',
      900561,
    );
  });
});

describe('client_credentials', () => {
  const form = () => ({ grant_type: 'client_credentials', client_id: DEMO.appId, client_secret: secret });

  test('one {resource}/.default: a token without scope, refresh or ID token', async () => {
    const res = await postForm(tokenUrl(), { ...form(), scope: 'https://outlook.office365.com/.default' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(Object.keys(res.json), ['token_type', 'expires_in', 'ext_expires_in', 'access_token']);
    const at = decodeJwt(String(res.json.access_token));
    assert.equal(at.aud, 'https://outlook.office365.com');
    assert.equal(at.idtyp, 'app');
  });

  test('not on organizations (9001023); two resources are 70011', async () => {
    const scope = 'https://outlook.office365.com/.default';
    assertAadError(
      await postForm(tokenUrl('organizations'), { ...form(), scope }),
      400,
      'invalid_request',
      9001023,
    );
    const two = `${scope} https://graph.microsoft.com/.default`;
    assertAadError(await postForm(tokenUrl(), { ...form(), scope: two }), 400, 'invalid_scope', 70011);
  });
});

test('injected 429 with Retry-After, then normal service', async () => {
  emu.ctx.dir.knobs.tokenEndpointFault = { status: 429, retryAfterSeconds: 7, remaining: 1 };
  const form = {
    grant_type: 'client_credentials',
    client_id: DEMO.appId,
    client_secret: secret,
    scope: 'https://outlook.office365.com/.default',
  };
  const throttled = await postForm(tokenUrl(), form);
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get('retry-after'), '7');
  assert.equal(throttled.json.error, 'temporarily_unavailable');
  assert.equal((await postForm(tokenUrl(), form)).status, 200);
});
