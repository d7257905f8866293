// Microsoft's own MSAL Node against the emulator: code + PKCE and refresh, for a GUID tenant (emulator reached
// at its own HTTPS address, MSAL's instance discovery answered by the emulator) and for `organizations` (the
// emulator published as https://login.microsoftonline.com). MSAL does not check ID-token signatures, so each
// ID token is also verified with jose against the emulator's JWKS under the issuer rule of ms-identity-spec.md §4.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ConfidentialClientApplication,
  CryptoProvider,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { DEFAULT_DEMO_REDIRECT_URIS, type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { generateCertificate } from '../../src/microsoft/credentials/certificate.ts';
import { control } from '../support/control.ts';
import { Browser, completeSignIn, redirectParams } from '../support/http-client.ts';
import { type FetchLike, fetchWith, routeTo, trustingAgent } from '../support/tls-fetch.ts';

const REDIRECT = DEFAULT_DEMO_REDIRECT_URIS[0]!;
const ADELE = { login: `adele@${DEMO.domain}`, password: 'Adele-demo-1' };
const ALEX = { login: `alex@${DEMO.otherDomain}`, password: 'Alex-demo-1' };

/** MSAL's INetworkModule over undici, trusting the emulator's CA. */
const networkClient = (fetchImpl: FetchLike): INetworkModule => {
  const send = async <T>(
    url: string,
    method: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    const res = await fetchImpl(url, { method, headers: options?.headers, body: options?.body });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { headers, body: (await res.json()) as T, status: res.status };
  };
  return {
    sendGetRequestAsync: (url, options) => send(url, 'GET', options),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
};

/** ID-token validation as ms-identity-spec.md §4 asks: signature by `kid`, key issuer and `iss` completed with `tid`. */
const verifyIdToken = async (fetchImpl: FetchLike, jwksUri: string, idToken: string, clientId: string) => {
  const jwks = (await (await fetchImpl(jwksUri)).json()) as JSONWebKeySet;
  const { tid } = decodeJwt(idToken) as { tid: string };
  assert.match(tid, /^[0-9a-f-]{36}$/);
  const key = jwks.keys.find((k) => k.kid === decodeProtectedHeader(idToken).kid) as
    | { issuer?: string }
    | undefined;
  assert.ok(key, 'signing key published');
  assert.ok(key?.issuer, 'key carries issuer (§3)');
  const expectedIssuer = key.issuer.replace('{tenantid}', tid);
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
    issuer: expectedIssuer,
    audience: clientId,
    algorithms: ['RS256'],
  });
  assert.equal(new URL(String(payload.iss)).pathname.split('/')[1], tid);
  return payload;
};

interface Setup {
  readonly emu: RunningEmulator;
  readonly fetchImpl: FetchLike;
  readonly authorityBase: string;
  /** Every URL the clients fetched. */
  readonly requested: string[];
}

const recording =
  (inner: FetchLike, requested: string[]): FetchLike =>
  (input, init) => {
    requested.push(String(input instanceof Request ? input.url : input));
    return inner(input, init);
  };

/** Code flow with PKCE through the emulator's pages, then a forced refresh, as an app would use MSAL. */
const codeAndRefresh = async (setup: Setup, tenant: string, user: { login: string; password: string }) => {
  const { emu, fetchImpl, authorityBase } = setup;
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: DEMO.appId,
      authority: `${authorityBase}/${tenant}`,
      clientSecret: emu.demo!.appSecret,
    },
    system: { networkClient: networkClient(fetchImpl) },
  });
  const pkce = await new CryptoProvider().generatePkceCodes();
  const nonce = 'msal-nonce-1';
  const url = await msal.getAuthCodeUrl({
    scopes: ['User.Read'],
    redirectUri: REDIRECT,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
    state: 'msal-state',
    nonce,
  });
  const browser = new Browser(fetchImpl as typeof fetch);
  const done = await completeSignIn(browser, await browser.get(url), user);
  assert.equal(done.status, 302, done.html.slice(0, 600));
  const params = redirectParams(done.location!);
  assert.equal(params.get('state'), 'msal-state');
  const result = await msal.acquireTokenByCode(
    // MSAL v7 takes the expected nonce and state from the request and compares the returned state.
    {
      code: params.get('code')!,
      scopes: ['User.Read'],
      redirectUri: REDIRECT,
      codeVerifier: pkce.verifier,
      nonce,
      state: 'msal-state',
    },
    { code: params.get('code')!, state: params.get('state')! },
  );
  const jwksUri = `${authorityBase}/${tenant}/discovery/v2.0/keys`;
  const claims = await verifyIdToken(fetchImpl, jwksUri, result.idToken, DEMO.appId);
  assert.equal(claims.nonce, nonce);
  assert.equal(result.account?.username, user.login);
  const refreshed = await msal.acquireTokenSilent({
    account: result.account!,
    scopes: ['User.Read'],
    forceRefresh: true,
  });
  assert.notEqual(refreshed.accessToken, result.accessToken);
  await verifyIdToken(fetchImpl, jwksUri, refreshed.idToken, DEMO.appId);
  const refreshes = emu.ctx.dir.issuedTokens.filter((t) => t.grantType === 'refresh_token');
  assert.ok(refreshes.length > 0, 'the refresh went to the token endpoint');
  return { result, claims };
};

describe('MSAL Node, GUID tenant at the emulator’s own address', () => {
  const setup = {} as { value: Setup };
  before(async () => {
    const emu = await startEmulator({ mail: false });
    // Everything, including MSAL's instance discovery at login.microsoftonline.com, is answered by the emulator.
    const requested: string[] = [];
    const fetchImpl = recording(fetchWith(trustingAgent(emu.tls.caPem, routeTo(emu.httpsUrl))), requested);
    setup.value = { emu, fetchImpl, authorityBase: emu.httpsUrl, requested };
  });
  after(() => setup.value?.emu.stop());

  test('code with PKCE, then refresh; ID token verified', async () => {
    const { claims } = await codeAndRefresh(setup.value, DEMO.tenantId, ADELE);
    assert.equal(claims.tid, DEMO.tenantId);
    assert.ok(
      setup.value.requested.some((u) =>
        u.startsWith('https://login.microsoftonline.com/common/discovery/instance?'),
      ),
    );
  });

  test('client credentials', async () => {
    const { emu, fetchImpl } = setup.value;
    const msal = new ConfidentialClientApplication({
      auth: {
        clientId: DEMO.appId,
        authority: `${emu.httpsUrl}/${DEMO.tenantId}`,
        clientSecret: emu.demo!.appSecret,
      },
      system: { networkClient: networkClient(fetchImpl) },
    });
    const result = await msal.acquireTokenByClientCredential({
      scopes: ['https://outlook.office365.com/.default'],
    });
    assert.equal(decodeJwt(result!.accessToken).aud, 'https://outlook.office365.com');
  });

  test('client credentials with a certificate: MSAL’s own assertions (x5t#S256 + PS256, and x5t + RS256)', async () => {
    const { emu, fetchImpl } = setup.value;
    const cert = await generateCertificate('MSAL test', new Date());
    const added = await control(emu, 'POST', `/apps/${DEMO.appId}/certificates`, { pem: cert.info.pem });
    assert.equal(added.status, 201);
    const hex = (b64url: string) => Buffer.from(b64url, 'base64url').toString('hex');
    for (const thumbprint of [
      { thumbprintSha256: hex(cert.info.x5tS256) },
      { thumbprint: hex(cert.info.x5t) },
    ]) {
      const msal = new ConfidentialClientApplication({
        auth: {
          clientId: DEMO.appId,
          authority: `${emu.httpsUrl}/${DEMO.tenantId}`,
          clientCertificate: { ...thumbprint, privateKey: cert.privateKeyPem },
        },
        system: { networkClient: networkClient(fetchImpl) },
      });
      const result = await msal.acquireTokenByClientCredential({
        scopes: ['https://outlook.office365.com/.default'],
      });
      assert.equal(
        decodeJwt(result!.accessToken).aud,
        'https://outlook.office365.com',
        Object.keys(thumbprint)[0],
      );
    }
  });

  test('a wrong secret is 401 invalid_client with AADSTS7000215', async () => {
    const { emu, fetchImpl } = setup.value;
    const msal = new ConfidentialClientApplication({
      auth: {
        clientId: DEMO.appId,
        authority: `${emu.httpsUrl}/${DEMO.tenantId}`,
        clientSecret: 'wrong-secret',
      },
      system: { networkClient: networkClient(fetchImpl) },
    });
    await assert.rejects(
      msal.acquireTokenByClientCredential({ scopes: ['https://outlook.office365.com/.default'] }),
      (e: unknown) => {
        const err = e as { errorCode?: string; errorNo?: string; status?: number };
        assert.equal(err.errorCode, 'invalid_client');
        assert.equal(String(err.errorNo), '7000215');
        return true;
      },
    );
  });
});

describe('MSAL Node, organizations at https://login.microsoftonline.com', () => {
  const setup = {} as { value: Setup };
  before(async () => {
    const emu = await startEmulator({ mail: false, publicAuthority: 'https://login.microsoftonline.com' });
    const requested: string[] = [];
    const fetchImpl = recording(fetchWith(trustingAgent(emu.tls.caPem, routeTo(emu.httpsUrl))), requested);
    setup.value = { emu, fetchImpl, authorityBase: 'https://login.microsoftonline.com', requested };
  });
  after(() => setup.value?.emu.stop());

  test('a user of another tenant signs in through organizations; tid is theirs', async () => {
    const { claims } = await codeAndRefresh(setup.value, 'organizations', ALEX);
    assert.equal(claims.tid, DEMO.otherTenantId);
    assert.equal(claims.iss, `https://login.microsoftonline.com/${DEMO.otherTenantId}/v2.0`);
  });
});
