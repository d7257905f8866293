import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GRAPH } from '../../emulator/identity/resources.ts';
import { DEFAULT_DEMO_REDIRECT_URIS, type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { createApp, createUser } from '../../emulator/state/create.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import {
  Browser,
  completeSignIn,
  type Page,
  parseForms,
  redirectParams,
  textById,
} from '../support/http-client.ts';

const REDIRECT = DEFAULT_DEMO_REDIRECT_URIS[0]!;
const ADELE = { login: `adele@${DEMO.domain}`, password: 'Adele-demo-1' };
const ALEX = { login: `alex@${DEMO.otherDomain}`, password: 'Alex-demo-1' };
const SINGLE_TENANT_APP = '0a1b2c3d-0000-4000-8000-00000000000a';
const ADMIN_SCOPE_APP = '0a1b2c3d-0000-4000-8000-00000000000b';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ mail: false });
  const redirectUris = [{ uri: REDIRECT, type: 'web' as const }];
  createApp(emu.ctx.dir, {
    homeTenantId: DEMO.tenantId,
    appId: SINGLE_TENANT_APP,
    displayName: 'Contoso only',
    redirectUris,
  });
  createApp(emu.ctx.dir, {
    homeTenantId: DEMO.tenantId,
    appId: ADMIN_SCOPE_APP,
    displayName: 'Reads all mail',
    signInAudience: 'AzureADMultipleOrgs',
    redirectUris,
    permissions: [{ resource: GRAPH, value: 'Mail.Read.All', type: 'delegated', adminConsentRequired: true }],
  });
});
after(() => emu.stop());

const authorizeUrl = (params: Record<string, string> = {}, tenant: string = DEMO.tenantId) =>
  `${emu.httpUrl}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: DEMO.appId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid profile offline_access User.Read',
    state: 'xyz',
    ...params,
  })}`;

/** §5.4: Microsoft's own error page, never a redirect. */
const assertErrorPage = (page: Page, aadsts: number) => {
  assert.equal(page.location, null);
  assert.equal(page.status, 400);
  assert.equal(textById(page.html, 'error-title'), "Sorry, but we're having trouble signing you in.");
  for (const label of ['Request Id', 'Correlation Id', 'Timestamp', 'Message'])
    assert.match(page.html, new RegExp(`${label}: `));
  assert.match(textById(page.html, 'message') ?? '', new RegExp(`^AADSTS${aadsts}: `));
};

/** §5.3: a redirect to the client carrying `error` and the AADSTS code. */
const assertRedirectedError = (page: Page, error: string, aadsts: number | null) => {
  assert.equal(page.status, 302, page.html.slice(0, 400));
  assert.ok(page.location!.startsWith(`${REDIRECT}?`), page.location!);
  const params = redirectParams(page.location!);
  assert.equal(params.get('error'), error);
  if (aadsts !== null) assert.match(params.get('error_description') ?? '', new RegExp(`^AADSTS${aadsts}: `));
  assert.equal(params.get('state'), 'xyz');
  return params;
};

const signedInBrowser = async (user = ADELE) => {
  const browser = new Browser();
  const done = await completeSignIn(browser, await browser.get(authorizeUrl()), user);
  assert.equal(done.status, 302);
  assert.ok(redirectParams(done.location!).get('code'));
  return browser;
};

describe('errors shown on the page (§5.4)', () => {
  test('unregistered redirect URI 50011, unknown client 700016, unknown tenant 90002', async () => {
    const browser = new Browser();
    assertErrorPage(await browser.get(authorizeUrl({ redirect_uri: 'https://evil.example/cb' })), 50011);
    assertErrorPage(
      await browser.get(authorizeUrl({ client_id: '99999999-9999-4999-8999-999999999999' })),
      700016,
    );
    assertErrorPage(await browser.get(authorizeUrl({}, 'nowhere.example')), 90002);
  });

  test('single-tenant app on common or organizations: 50194', async () => {
    const browser = new Browser();
    for (const tenant of ['common', 'organizations']) {
      assertErrorPage(await browser.get(authorizeUrl({ client_id: SINGLE_TENANT_APP }, tenant)), 50194);
    }
  });

  test('a user of another tenant at a tenant-specific authority: 50020', async () => {
    for (const clientId of [SINGLE_TENANT_APP, DEMO.appId]) {
      const browser = new Browser();
      const page = await completeSignIn(
        browser,
        await browser.get(authorizeUrl({ client_id: clientId })),
        ALEX,
      );
      assertErrorPage(page, 50020);
    }
  });

  test('disabled user: 50057', async () => {
    createUser(emu.ctx.dir, {
      tenantId: DEMO.tenantId,
      upn: `gone@${DEMO.domain}`,
      password: 'Gone-1',
      disabled: true,
      mailbox: false,
    });
    const browser = new Browser();
    const page = await completeSignIn(browser, await browser.get(authorizeUrl()), {
      login: `gone@${DEMO.domain}`,
      password: 'Gone-1',
    });
    assertErrorPage(page, 50057);
  });
});

describe('errors redirected to the client (§5.3)', () => {
  test('Microsoft’s parameter order and encoding: lower-case escapes, + for spaces', async () => {
    const page = await new Browser().get(authorizeUrl({ response_type: '' }));
    assertRedirectedError(page, 'invalid_request', 900144);
    const query = page.location!.slice(REDIRECT.length + 1);
    assert.deepEqual(
      query.split('&').map((p) => p.split('=')[0]),
      ['error', 'error_description', 'error_uri', 'state'],
    );
    assert.match(
      query,
      /error_description=AADSTS900144%3a\+The\+request\+body\+must\+contain\+the\+following\+parameter%3a\+%27response_type%27\.%0d%0aTrace\+ID%3a\+/,
    );
    assert.doesNotMatch(query, /%[0-9a-f]?[A-F]/);
    assert.match(query, /error_uri=http%3a%2f%2f127\.0\.0\.1%3a\d+%2ferror%3fcode%3d900144&state=xyz$/);
  });

  test('implicit id_token not enabled, bad response_mode (70007), unknown resource (500011)', async () => {
    const browser = new Browser();
    assertRedirectedError(
      await browser.get(authorizeUrl({ response_type: 'id_token' })),
      'unsupported_response_type',
      700054,
    );
    assertRedirectedError(
      await browser.get(authorizeUrl({ response_mode: 'sideways' })),
      'invalid_request',
      70007,
    );
    assertRedirectedError(
      await browser.get(authorizeUrl({ scope: 'https://unknown.example/x' })),
      'invalid_resource',
      500011,
    );
  });

  test('Back on the sign-in page: access_denied with error_subcode=cancel', async () => {
    const browser = new Browser();
    const page = await browser.submit(await browser.get(authorizeUrl()), { button: 'Back' });
    const params = assertRedirectedError(page, 'access_denied', null);
    assert.equal(params.get('error_subcode'), 'cancel');
  });

  test('Cancel on the consent page: access_denied AADSTS65004', async () => {
    const browser = new Browser();
    const user = createUser(emu.ctx.dir, {
      tenantId: DEMO.tenantId,
      upn: `shy@${DEMO.domain}`,
      password: 'Shy-1',
      mailbox: false,
    });
    const page = await completeSignIn(
      browser,
      await browser.get(authorizeUrl()),
      { login: user.upn, password: 'Shy-1' },
      { consent: 'Cancel' },
    );
    assertRedirectedError(page, 'access_denied', 65004);
  });

  test('prompt=none: login_required without a session, consent_required when consent is missing', async () => {
    assertRedirectedError(await new Browser().get(authorizeUrl({ prompt: 'none' })), 'login_required', 50058);
    const browser = await signedInBrowser();
    const page = await browser.get(
      authorizeUrl({ prompt: 'none', scope: 'openid https://outlook.office.com/SMTP.Send' }),
    );
    assertRedirectedError(page, 'consent_required', 65001);
  });

  test('a permission only an admin may grant: "Need admin approval", then consent_required', async () => {
    const browser = new Browser();
    const start = await browser.get(
      authorizeUrl({ client_id: ADMIN_SCOPE_APP, scope: 'openid Mail.Read.All' }),
    );
    const page = await completeSignIn(browser, start, ADELE);
    assert.match(page.html, /Need admin approval/);
    assertRedirectedError(await browser.submit(page), 'consent_required', 90094);
  });
});

describe('sign-in pages', () => {
  test('labelled fields, login_hint prefilled, wrong password stays on the page', async () => {
    const browser = new Browser();
    const page = await browser.get(authorizeUrl({ login_hint: ADELE.login, domain_hint: DEMO.domain }));
    assert.match(page.html, /<label for="login">Email, phone, or Skype<\/label>/);
    assert.match(page.html, /<label for="passwd">Password<\/label>/);
    assert.equal(parseForms(page.html, page.url)[0]!.fields.login, ADELE.login);
    const wrong = await browser.submit(page, { fields: { passwd: 'nope' }, button: 'Sign in' });
    assert.equal(wrong.status, 200);
    assert.match(wrong.html, /Your account or password is incorrect\./);
    assert.match(wrong.html, /AADSTS50126/);
    const done = await completeSignIn(browser, wrong, ADELE);
    assert.ok(redirectParams(done.location!).get('code'));
  });

  test('SSO through the session; prompt=login asks again; prompt=select_account offers the account', async () => {
    const browser = await signedInBrowser();
    const sso = await browser.get(authorizeUrl());
    assert.equal(sso.status, 302);
    assert.ok(redirectParams(sso.location!).get('code'));
    assert.ok(redirectParams(sso.location!).get('session_state'));
    assert.ok(
      'passwd' in
        parseForms((await browser.get(authorizeUrl({ prompt: 'login' }))).html, emu.httpUrl)[0]!.fields,
    );
    const picker = await browser.get(authorizeUrl({ prompt: 'select_account' }));
    assert.match(picker.html, /Pick an account/);
    const picked = await browser.submit(picker, { button: `Adele Vance ${ADELE.login} — Signed in` });
    assert.ok(redirectParams(picked.location!).get('code'));
  });

  test('prompt=consent shows the consent page although consent was given', async () => {
    const browser = await signedInBrowser();
    const page = await browser.get(authorizeUrl({ prompt: 'consent' }));
    assert.match(page.html, /Permissions requested/);
    assert.match(page.html, /Sign you in and read your profile/);
    const done = await browser.submit(page, { button: 'Accept' });
    assert.ok(redirectParams(done.location!).get('code'));
  });

  test('MFA-required user: the Approve page after the password', async () => {
    createUser(emu.ctx.dir, {
      tenantId: DEMO.tenantId,
      upn: `mfa@${DEMO.domain}`,
      password: 'Mfa-1',
      mfaRequired: true,
      mailbox: false,
    });
    const browser = new Browser();
    const start = await browser.get(authorizeUrl());
    const mfa = await browser.submit(start, {
      fields: { login: `mfa@${DEMO.domain}`, passwd: 'Mfa-1' },
      button: 'Sign in',
    });
    assert.match(mfa.html, /Approve sign-in request/);
    const done = await completeSignIn(browser, await browser.submit(mfa, { button: 'Approve' }), {
      login: '',
      password: '',
    });
    assert.ok(redirectParams(done.location!).get('code'));
  });

  test('response_mode=form_post: an auto-posting form with a noscript button', async () => {
    const browser = await signedInBrowser();
    const page = await browser.get(authorizeUrl({ response_mode: 'form_post' }));
    assert.equal(page.status, 200);
    const form = parseForms(page.html, page.url)[0]!;
    assert.equal(form.action, REDIRECT);
    assert.equal(form.method, 'post');
    assert.deepEqual(Object.keys(form.fields), ['code', 'state', 'session_state']);
    assert.equal(form.fields.state, 'xyz');
    assert.match(page.html, /<noscript>[\s\S]*type="submit"[\s\S]*<\/noscript>/);
  });
});

describe('other request and response forms', () => {
  test('POST /authorize and response_mode=fragment', async () => {
    const browser = await signedInBrowser();
    const query = new URL(authorizeUrl({ response_mode: 'fragment' })).searchParams;
    const page = await browser.request(`${emu.httpUrl}/${DEMO.tenantId}/oauth2/v2.0/authorize`, {
      method: 'POST',
      body: query,
    });
    assert.equal(page.status, 302);
    assert.ok(page.location!.startsWith(`${REDIRECT}#code=`), page.location!);
    assert.equal(redirectParams(page.location!).get('state'), 'xyz');
  });

  test('prompt=none when MFA is newly required: interaction_required AADSTS50076', async () => {
    const upn = `later-mfa@${DEMO.domain}`;
    const user = createUser(emu.ctx.dir, {
      tenantId: DEMO.tenantId,
      upn,
      password: 'Later-1',
      mailbox: false,
    });
    const browser = new Browser();
    await completeSignIn(browser, await browser.get(authorizeUrl()), { login: upn, password: 'Later-1' });
    user.mfaRequired = true;
    assertRedirectedError(await browser.get(authorizeUrl({ prompt: 'none' })), 'interaction_required', 50076);
  });
});

describe('logout (§9)', () => {
  test('redirects to a registered post_logout_redirect_uri and ends the session', async () => {
    const browser = await signedInBrowser();
    const out = await browser.get(
      `${emu.httpUrl}/common/oauth2/v2.0/logout?${new URLSearchParams({ post_logout_redirect_uri: REDIRECT, client_id: DEMO.appId })}`,
    );
    assert.equal(out.status, 302);
    assert.equal(out.location, REDIRECT);
    assertRedirectedError(await browser.get(authorizeUrl({ prompt: 'none' })), 'login_required', 50058);
  });

  test('an unregistered URI gets the signed-out page', async () => {
    const browser = await signedInBrowser();
    const out = await browser.get(
      `${emu.httpUrl}/common/oauth2/v2.0/logout?${new URLSearchParams({ post_logout_redirect_uri: 'https://evil.example/', client_id: DEMO.appId })}`,
    );
    assert.equal(out.status, 200);
    assert.match(out.html, /You signed out of your account/);
  });
});
