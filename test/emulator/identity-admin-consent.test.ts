import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { OUTLOOK } from '../../emulator/identity/resources.ts';
import { DEFAULT_DEMO_REDIRECT_URIS, type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { consentedScopes } from '../../emulator/state/directory.ts';
import { Browser, completeSignIn, postForm, textById } from '../support/http-client.ts';

const REDIRECT = DEFAULT_DEMO_REDIRECT_URIS[0]!;
const ALEX = { login: `alex@${DEMO.otherDomain}`, password: 'Alex-demo-1' };
const ADELE = { login: `adele@${DEMO.domain}`, password: 'Adele-demo-1' };
const APP_SCOPE = 'https://outlook.office365.com/.default';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ mail: false });
});
after(() => emu.stop());

const adminConsentUrl = (tenant: string, state: string) =>
  `${emu.httpUrl}/${tenant}/v2.0/adminconsent?${new URLSearchParams({
    client_id: DEMO.appId,
    scope: APP_SCOPE,
    redirect_uri: REDIRECT,
    state,
  })}`;

const appToken = (tenant: string) =>
  postForm(`${emu.httpUrl}/${tenant}/oauth2/v2.0/token`, {
    grant_type: 'client_credentials',
    client_id: DEMO.appId,
    client_secret: emu.demo!.appSecret,
    scope: APP_SCOPE,
  });

test('Accept: redirect with admin_consent=True, tenant and scope; app roles in client-credentials tokens', async () => {
  const before = await appToken(DEMO.otherTenantId);
  assert.equal(before.status, 400);
  assert.equal(before.json.error, 'unauthorized_client');
  assert.deepEqual(before.json.error_codes, [700016]);

  const browser = new Browser();
  const signIn = await browser.get(adminConsentUrl(DEMO.otherTenantId, 'ac1'));
  const page = await browser.submit(signIn, {
    fields: { login: ALEX.login, passwd: ALEX.password },
    button: 'Sign in',
  });
  assert.match(page.html, /Accept for your organization/);
  assert.match(page.html, /IMAP\.AccessAsApp/);
  const done = await browser.submit(page, { button: 'Accept' });
  assert.equal(done.status, 302);
  const location = new URL(done.location!);
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  assert.deepEqual([...location.searchParams.keys()], ['admin_consent', 'tenant', 'scope', 'state']);
  assert.equal(location.searchParams.get('admin_consent'), 'True');
  assert.equal(location.searchParams.get('tenant'), DEMO.otherTenantId);
  assert.equal(location.searchParams.get('state'), 'ac1');
  assert.match(location.searchParams.get('scope')!, /https:\/\/outlook\.office\.com\/IMAP\.AccessAsApp/);

  const after = await appToken(DEMO.otherTenantId);
  assert.equal(after.status, 200, JSON.stringify(after.json));
  const claims = decodeJwt(String(after.json.access_token));
  assert.deepEqual(claims.roles, ['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
  assert.equal(claims.tid, DEMO.otherTenantId);
  const delegated = consentedScopes(
    emu.ctx.dir,
    DEMO.otherTenantId,
    DEMO.appId,
    'any-user-of-fabrikam',
    OUTLOOK,
  );
  assert.ok(delegated.has('IMAP.AccessAsUser.All'));
});

test('Cancel: admin_consent=True&error=consent_required with AADSTS65004', async () => {
  const noRoles = await appToken(DEMO.tenantId);
  assert.equal(decodeJwt(String(noRoles.json.access_token)).roles, undefined);
  const browser = new Browser();
  const done = await completeSignIn(
    browser,
    await browser.get(adminConsentUrl(DEMO.tenantId, 'ac2')),
    ADELE,
    {
      consent: 'Cancel',
    },
  );
  assert.equal(done.status, 302);
  const query = done.location!.slice(REDIRECT.length + 1);
  assert.deepEqual(
    query.split('&').map((p) => p.split('=')[0]),
    ['admin_consent', 'error', 'error_description', 'error_uri', 'state'],
  );
  assert.match(query, /^admin_consent=True&error=consent_required&error_description=AADSTS65004%3a\+/);
  assert.match(query, /&state=ac2$/);
});

test('not on common; unknown client and unregistered redirect URI are page errors', async () => {
  const browser = new Browser();
  const common = await browser.get(adminConsentUrl('common', 'x'));
  assert.equal(common.status, 400);
  assert.equal(common.location, null);
  const wrongRedirect = await browser.get(
    adminConsentUrl(DEMO.tenantId, 'x').replace(encodeURIComponent(REDIRECT), 'https%3A%2F%2Fevil.example'),
  );
  assert.match(textById(wrongRedirect.html, 'message') ?? '', /^AADSTS50011: /);
});
