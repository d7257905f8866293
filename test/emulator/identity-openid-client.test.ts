// openid-client v6 (certified OIDC RP) against the emulator: code + PKCE + nonce and refresh with ID-token
// signature checks on (enableNonRepudiationChecks), for a GUID tenant at the emulator's own HTTPS address and
// for `organizations`, where openid-client applies its Entra rule (issuer template completed with `tid`) only
// for the origin https://login.microsoftonline.com (ms-identity-spec.md §4) — so that emulator is published
// under that name and reached through a connection routed to it, TLS still verified against the local CA.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { DEFAULT_DEMO_REDIRECT_URIS, type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { Browser, completeSignIn } from '../support/http-client.ts';
import { type FetchLike, fetchWith, routeTo, trustingAgent } from '../support/tls-fetch.ts';

const REDIRECT = DEFAULT_DEMO_REDIRECT_URIS[0]!;

const signInAndRefresh = async (
  emu: RunningEmulator,
  fetchImpl: FetchLike,
  issuerUrl: string,
  user: { login: string; password: string },
) => {
  const config = await oidc.discovery(new URL(issuerUrl), DEMO.appId, emu.demo!.appSecret, undefined, {
    [oidc.customFetch]: fetchImpl as oidc.CustomFetch,
  });
  oidc.enableNonRepudiationChecks(config);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile email offline_access User.Read',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const browser = new Browser(fetchImpl as typeof fetch);
  const done = await completeSignIn(browser, await browser.get(url.href), user);
  assert.equal(done.status, 302, done.html.slice(0, 600));
  const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location!), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims()!;
  assert.ok(tokens.refresh_token);
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.refresh_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  assert.equal(refreshed.claims()?.sub, claims.sub);
  return claims;
};

describe('openid-client, GUID tenant at the emulator’s own address', () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator({ mail: false });
  });
  after(() => emu?.stop());

  test('code with PKCE, then refresh', async () => {
    const fetchImpl = fetchWith(trustingAgent(emu.tls.caPem));
    const issuer = `${emu.httpsUrl}/${DEMO.tenantId}/v2.0`;
    const claims = await signInAndRefresh(emu, fetchImpl, issuer, {
      login: `megan@${DEMO.domain}`,
      password: 'Megan-demo-1',
    });
    assert.equal(claims.iss, issuer);
    assert.equal(claims.email, `megan@${DEMO.domain}`);
  });

  test('client credentials; a wrong secret is 401 invalid_client AADSTS7000215', async () => {
    const fetchImpl = fetchWith(trustingAgent(emu.tls.caPem));
    const issuer = new URL(`${emu.httpsUrl}/${DEMO.tenantId}/v2.0`);
    const options = { [oidc.customFetch]: fetchImpl as oidc.CustomFetch };
    const scope = 'https://outlook.office365.com/.default';
    const good = await oidc.discovery(issuer, DEMO.appId, emu.demo!.appSecret, undefined, options);
    const tokens = await oidc.clientCredentialsGrant(good, { scope });
    assert.equal(tokens.token_type, 'bearer');
    const bad = await oidc.discovery(issuer, DEMO.appId, 'not-the-secret', undefined, options);
    await assert.rejects(oidc.clientCredentialsGrant(bad, { scope }), (e: unknown) => {
      assert.ok(e instanceof oidc.ResponseBodyError);
      assert.equal(e.status, 401);
      assert.equal(e.error, 'invalid_client');
      assert.deepEqual(e.cause.error_codes, [7000215]);
      return true;
    });
  });
});

describe('openid-client, organizations at https://login.microsoftonline.com', () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startEmulator({ mail: false, publicAuthority: 'https://login.microsoftonline.com' });
  });
  after(() => emu?.stop());

  test('code with PKCE, then refresh, for users of two tenants', async () => {
    const fetchImpl = fetchWith(trustingAgent(emu.tls.caPem, routeTo(emu.httpsUrl)));
    const issuer = 'https://login.microsoftonline.com/organizations/v2.0';
    const users = [
      { login: `adele@${DEMO.domain}`, password: 'Adele-demo-1', tid: DEMO.tenantId },
      { login: `alex@${DEMO.otherDomain}`, password: 'Alex-demo-1', tid: DEMO.otherTenantId },
    ];
    for (const user of users) {
      const claims = await signInAndRefresh(emu, fetchImpl, issuer, user);
      assert.equal(claims.tid, user.tid);
      assert.equal(claims.iss, `https://login.microsoftonline.com/${user.tid}/v2.0`);
    }
  });
});
