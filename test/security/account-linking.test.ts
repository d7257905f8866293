import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { createUser as createMicrosoftUser } from '../../emulator/state/create.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { checkDirectory, verifiedAddresses } from '../../src/microsoft/directory-rule.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { createUser } from '../../src/users/create-user.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { signedInBrowser, textOf } from '../support/app-browser.ts';
import { DATABASES } from '../support/databases.ts';
import { parseForms } from '../support/http-client.ts';
import { msBrowser, refusalCode, registerRedirectUris, signInWithMicrosoft } from '../support/ms-signin.ts';

// The "nOAuth" class (issue 11, item 1): an e-mail claim is a hint, never a key. A first Microsoft sign-in
// links to an existing Mailroom user only for the installation's own (or listed) directories and an
// address Microsoft vouches for; a second identity for a linked user waits for an administrator.

const ADELE = `adele@${DEMO.domain}`;
const MEGAN = `megan@${DEMO.domain}`;
const LYNNE = DEMO.unverifiedMailUser;
const MALLORY = DEMO.forgedMailUser;
/** UPN in Contoso's onmicrosoft.com domain, mail in contoso.example: only xms_edov vouches for the mail. */
const NESTOR = { upn: 'nestor@contoso.onmicrosoft.com', mail: `nestor@${DEMO.domain}`, password: 'Nestor-1' };
const NORA = { upn: 'nora@contoso.onmicrosoft.com', mail: `nora@${DEMO.domain}`, password: 'Nora-1' };
/** A second Contoso account whose verified mail is Megan's address (an administrator's spare account). */
const MEGAN_TOO = { upn: 'megan.b@contoso.onmicrosoft.com', mail: MEGAN, password: 'Megan-too-1' };

let emu: RunningEmulator;
let meganTooOid: string;
before(async () => {
  emu = await startEmulator({ mail: false });
  for (const u of [NESTOR, NORA])
    createMicrosoftUser(emu.ctx.dir, { tenantId: DEMO.tenantId, ...u, mailbox: false });
  meganTooOid = createMicrosoftUser(emu.ctx.dir, {
    tenantId: DEMO.tenantId,
    ...MEGAN_TOO,
    mailbox: false,
  }).oid;
});
after(async () => {
  await emu?.stop();
});

for (const kind of DATABASES) {
  describe(`account linking on ${kind}`, () => {
    let app: TestApp;
    let token: string;
    const putSettings = (settings: Record<string, unknown>) =>
      fetch(`${app.url}/api/settings/microsoft`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          clientId: DEMO.appId,
          tenant: DEMO.tenantId,
          cloud: 'custom',
          customAuthorityUrl: emu.httpsUrl,
          clientSecret: emu.demo!.appSecret,
          signinEnabled: true,
          ...settings,
        }),
      });
    const configure = async (settings: Record<string, unknown> = {}) => {
      const res = await putSettings(settings);
      assert.equal(res.status, 200, await res.clone().text());
    };
    const signIn = (login: string, password?: string) =>
      signInWithMicrosoft(msBrowser(emu), app, login, password ? { password } : {});
    const identitiesOf = async (email: string) => {
      const user = await findUserByEmail(app.mailroom.deps.db, email);
      return app.mailroom.deps.db
        .selectFrom('microsoft_identities')
        .selectAll()
        .where('user_id', '=', user!.id)
        .execute();
    };
    const assertSignedIn = (page: Awaited<ReturnType<typeof signIn>>) =>
      assert.equal(page.status, 302, `${refusalCode(page)} ${textOf(page).slice(0, 400)}`);

    before(async () => {
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      registerRedirectUris(emu, app);
      const admin = await findUserByEmail(app.mailroom.deps.db, ADMIN.email);
      token = await createApiToken(app.mailroom.deps.db, admin!.id, 'test');
      const people: [string, string, 'administrator' | 'staff'][] = [
        [ADELE, 'Adele Vance', 'administrator'],
        [MEGAN, 'Megan Bowen', 'staff'],
        [LYNNE.mail, 'Lynne Robbins', 'staff'],
        [NESTOR.mail, 'Nestor Wilke', 'staff'],
        [NORA.mail, 'Nora Ortiz', 'staff'],
      ];
      for (const [email, displayName, role] of people)
        await createUser(app.mailroom.deps.db, { email, displayName, role });
    });
    after(async () => {
      await app?.stop();
    });

    test('own directory, UPN of a verified domain: linked', async () => {
      await configure();
      assertSignedIn(await signIn(MEGAN));
      const [identity] = await identitiesOf(MEGAN);
      assert.equal(identity?.tid, DEMO.tenantId);
    });

    test('another directory whose mail is an administrator’s address: refused, never linked', async () => {
      // Fabrikam listed as a directory whose people may sign in: still no say over Contoso's addresses.
      await configure({ tenant: 'organizations', allowedTenantIds: [DEMO.tenantId, DEMO.otherTenantId] });
      const listed = await signIn(MALLORY.upn);
      assert.equal(refusalCode(listed), 'signin.address_unverified', textOf(listed).slice(0, 400));
      assert.match(textOf(listed), /not verified/);
      await configure({ tenant: 'organizations', allowedTenantIds: [DEMO.tenantId] });
      const unlisted = await signIn(MALLORY.upn);
      assert.equal(refusalCode(unlisted), 'signin.tenant_not_allowed');
      assert.deepEqual(await identitiesOf(ADELE), [], 'nothing was linked to Adele');
    });

    test('own directory, mail outside its verified domains: refused, the domain filter too', async () => {
      await configure();
      const page = await signIn(LYNNE.upn);
      assert.equal(refusalCode(page), 'signin.address_unverified', textOf(page).slice(0, 400));
      await configure({ allowedDomains: ['northwind.example'] });
      const filtered = await signIn(LYNNE.upn);
      assert.equal(refusalCode(filtered), 'signin.domain_not_allowed', 'the filter reads verified addresses');
      assert.deepEqual(await identitiesOf(LYNNE.mail), []);
    });

    test('mail vouched for by xms_edov: linked; without the optional claim: refused', async () => {
      await configure();
      assertSignedIn(await signIn(NESTOR.upn, NESTOR.password));
      assert.equal((await identitiesOf(NESTOR.mail)).length, 1);
      const demoApp = emu.ctx.dir.apps.get(DEMO.appId)!;
      demoApp.optionalClaims = [];
      try {
        const page = await signIn(NORA.upn, NORA.password);
        assert.equal(refusalCode(page), 'signin.address_unverified');
      } finally {
        demoApp.optionalClaims = ['xms_edov'];
      }
      assert.deepEqual(await identitiesOf(NORA.mail), []);
    });

    test('a second Microsoft identity for a linked user waits for an administrator', async () => {
      await configure();
      assertSignedIn(await signIn(MEGAN));
      const waiting = await signIn(MEGAN_TOO.upn, MEGAN_TOO.password);
      assert.equal(refusalCode(waiting), 'signin.link_pending', textOf(waiting).slice(0, 400));
      assert.match(textOf(waiting), /administrator must confirm/);
      assert.equal(refusalCode(await signIn(MEGAN_TOO.upn, MEGAN_TOO.password)), 'signin.link_pending');
      const active = (await identitiesOf(MEGAN)).filter((i) => i.status === 'active');
      assert.equal(active.length, 1, 'still only Megan’s own identity');

      // The administrator sees the request and confirms it.
      const admin = await signedInBrowser(app.url, ADMIN.email, ADMIN.password);
      const list = await admin.get(`${app.url}/settings/microsoft/links`);
      assert.equal(list.status, 200);
      assert.match(textOf(list), /megan\.b@contoso\.onmicrosoft\.com/);
      const formIndex = parseForms(list.html, list.url).findIndex((f) => f.fields.oid === meganTooOid);
      assert.ok(formIndex >= 0, 'a form to confirm the request');
      const confirmed = await admin.submit(list, { formIndex, button: 'Confirm' });
      assert.equal(confirmed.status, 302);
      assertSignedIn(await signIn(MEGAN_TOO.upn, MEGAN_TOO.password));
      const audit = await app.mailroom.deps.db.selectFrom('audit_events').select('action').execute();
      const actions = audit.map((a) => a.action);
      assert.ok(actions.includes('signin.link_requested'), actions.join());
      assert.ok(actions.includes('signin.link_confirmed'), actions.join());
    });

    test('multi-tenant without an allowed directory list: the settings are refused', async () => {
      for (const tenant of ['organizations', 'common']) {
        const res = await putSettings({ tenant, allowedTenantIds: [] });
        assert.equal(res.status, 400, tenant);
        const body = (await res.json()) as { error: { fields?: Record<string, string> } };
        assert.ok(body.error.fields?.allowedTenantIds, JSON.stringify(body));
      }
      // Settings stored before this rule existed are not trusted either: nobody signs in through them.
      await app.mailroom.deps.db
        .updateTable('microsoft_settings')
        .set({ tenant: 'organizations', allowed_tenant_ids: '[]' })
        .execute();
      const page = await signIn(ADELE);
      assert.equal(refusalCode(page), 'signin.tenant_not_allowed', textOf(page).slice(0, 400));
      assert.deepEqual(await identitiesOf(ADELE), []);
    });
  });
}

describe('the addresses Microsoft vouches for, and the directories Mailroom trusts', () => {
  const ISS = `https://login.microsoftonline.com/${DEMO.tenantId}/v2.0`;
  const claims = (extra: Partial<Parameters<typeof verifiedAddresses>[0]>) => ({
    iss: ISS,
    idp: null,
    preferredUsername: 'Pat@Contoso.example',
    email: null,
    emailDomainVerified: false,
    ...extra,
  });
  const cases: [string, Parameters<typeof verifiedAddresses>[0], string[]][] = [
    ['a member: the UPN', claims({}), ['pat@contoso.example']],
    ['idp equal to the issuer is a member', claims({ idp: ISS }), ['pat@contoso.example']],
    ['a guest: not its home UPN', claims({ idp: 'https://sts.windows.net/other/' }), []],
    [
      'email without xms_edov: nothing more',
      claims({ email: 'boss@contoso.example' }),
      ['pat@contoso.example'],
    ],
    [
      'email with xms_edov: both',
      claims({ email: 'Pat.Smith@contoso.example', emailDomainVerified: true }),
      ['pat@contoso.example', 'pat.smith@contoso.example'],
    ],
    ['an over-long UPN is no address', claims({ preferredUsername: `${'a'.repeat(250)}@x.example` }), []],
    ['no @, no address', claims({ preferredUsername: 'pat' }), []],
  ];
  for (const [name, input, expected] of cases)
    test(name, () => assert.deepEqual(verifiedAddresses(input), expected));

  test('the own directory is the GUID of a tenant-specific issuer; multi-tenant trusts only its list', () => {
    const single = { issuer: ISS };
    const multi = { issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' };
    const none = { allowedTenantIds: [] };
    assert.deepEqual(checkDirectory(none, single, DEMO.tenantId.toUpperCase()), { ok: true });
    assert.deepEqual(checkDirectory(none, single, DEMO.otherTenantId), {
      ok: false,
      reason: 'other_directory',
    });
    assert.deepEqual(checkDirectory(none, multi, DEMO.tenantId), {
      ok: false,
      reason: 'no_allowed_directories',
    });
    const listed = { allowedTenantIds: [DEMO.tenantId] };
    assert.deepEqual(checkDirectory(listed, multi, DEMO.tenantId), { ok: true });
    assert.deepEqual(checkDirectory(listed, multi, DEMO.otherTenantId), {
      ok: false,
      reason: 'directory_not_listed',
    });
  });
});
