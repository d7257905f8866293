// The control API's directory calls and app-role grants, with their success shapes. Failing calls of every
// endpoint are in control-api-errors.test.ts; clock, keys, faults and logs in control-api-runtime.test.ts;
// the mail calls in control-api-mail.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { addConsent } from '../../emulator/state/directory.ts';
import { control } from '../support/control.ts';
import { clientCredentialsToken } from '../support/oauth-flow.ts';

const MEGAN = `megan@${DEMO.domain}`;
const SUPPORT = `support@${DEMO.domain}`;
const ROLES = `/apps/${DEMO.appId}/app-role-grants`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ mail: false });
});
after(() => emu.stop());

const appToken = (tenant: string) => clientCredentialsToken(emu, tenant);

describe('directory', () => {
  test('tenants: create with a GUID and lower-case domains, switch SMTP AUTH', async () => {
    const created = await control(emu, 'POST', '/tenants', {
      displayName: 'Tailspin',
      domains: ['Tailspin.example'],
    });
    assert.equal(created.status, 201);
    assert.match(created.body.id, GUID);
    assert.deepEqual(created.body.domains, ['tailspin.example']);
    assert.equal(created.body.smtpAuthEnabled, true);
    const patched = await control(emu, 'PATCH', `/tenants/${created.body.id}`, { smtpAuthEnabled: false });
    assert.deepEqual(patched, { status: 200, body: { ...created.body, smtpAuthEnabled: false } });
  });

  test('apps and secrets: the value once, in Entra shape; afterwards a hint only; expire', async () => {
    const app = await control(emu, 'POST', '/apps', { homeTenantId: DEMO.tenantId, displayName: 'Helpdesk' });
    assert.equal(app.status, 201);
    assert.equal(app.body.signInAudience, 'AzureADMyOrg');
    assert.deepEqual(app.body.secrets, []);
    const secret = await control(emu, 'POST', `/apps/${app.body.appId}/secrets`, { expiresInSeconds: 3600 });
    assert.equal(secret.status, 201);
    assert.deepEqual(Object.keys(secret.body), ['id', 'value', 'expiresAt']);
    assert.match(secret.body.value, /^.{3}8Q~.{34}$/);
    const state = await control(emu, 'GET', '/state');
    const listed = state.body.apps.find((a: { appId: string }) => a.appId === app.body.appId);
    assert.deepEqual(Object.keys(listed.secrets[0]), ['id', 'hint', 'createdAt', 'expiresAt']);
    assert.equal(listed.secrets[0].hint, secret.body.value.slice(0, 3));
    assert.ok(!JSON.stringify(state.body).includes(secret.body.value));
    const expired = await control(emu, 'POST', `/apps/${app.body.appId}/secrets/${secret.body.id}/expire`);
    assert.equal(expired.status, 200);
    assert.ok(Date.parse(expired.body.expiresAt) < Date.now());
  });

  test('users: create (never the password), patch, revoke sessions', async () => {
    const user = { tenantId: DEMO.tenantId, upn: `Lee@${DEMO.domain}`, password: 'Lee-pass-1' };
    const created = await control(emu, 'POST', '/users', user);
    assert.equal(created.status, 201);
    assert.equal(created.body.upn, `lee@${DEMO.domain}`);
    assert.equal(created.body.tokensValidFrom, null);
    assert.ok(!JSON.stringify(created.body).includes(user.password));
    const patched = await control(emu, 'PATCH', `/users/${created.body.oid}`, { mfaRequired: true });
    assert.equal(patched.body.mfaRequired, true);
    const revoked = await control(emu, 'POST', `/users/${created.body.upn}/revoke-sessions`);
    assert.equal(revoked.status, 200);
    assert.match(revoked.body.tokensValidFrom, ISO);
  });

  test('mailboxes: a shared one, IMAP off, FullAccess and SendAs for a user or an app', async () => {
    const sales = `sales@${DEMO.domain}`;
    const created = await control(emu, 'POST', '/mailboxes', { tenantId: DEMO.tenantId, address: sales });
    assert.equal(created.status, 201);
    assert.deepEqual(
      [created.body.type, created.body.ownerOid, created.body.fullAccess],
      ['shared', null, []],
    );
    assert.equal(
      (await control(emu, 'PATCH', `/mailboxes/${sales}`, { imapEnabled: false })).body.imapEnabled,
      false,
    );
    const megan = emu.ctx.dir.mailboxes.get(MEGAN)!.ownerOid;
    const grant = { principal: MEGAN, rights: ['FullAccess', 'SendAs'] };
    await control(emu, 'POST', `/mailboxes/${sales}/grants`, grant);
    const twice = await control(emu, 'POST', `/mailboxes/${sales}/grants`, grant);
    assert.deepEqual([twice.body.fullAccess, twice.body.sendAs], [[megan], [megan]]);
    const app = await control(emu, 'POST', `/mailboxes/${sales}/grants`, {
      principal: DEMO.appId,
      rights: ['FullAccess'],
    });
    assert.deepEqual(app.body.fullAccess, [megan, DEMO.appId]);
    const removed = await control(emu, 'DELETE', `/mailboxes/${sales}/grants`, grant);
    assert.deepEqual([removed.body.fullAccess, removed.body.sendAs], [[DEMO.appId], []]);
  });

  test('DELETE /consents: one user’s, then the rest of the app’s in the tenant', async () => {
    const megan = emu.ctx.dir.mailboxes.get(MEGAN)!.ownerOid;
    const consent = { tenantId: DEMO.tenantId, appId: DEMO.appId, resource: 'https://graph.microsoft.com' };
    addConsent(emu.ctx.dir, { ...consent, userOid: megan, scopes: ['User.Read'] });
    addConsent(emu.ctx.dir, { ...consent, userOid: null, scopes: ['User.Read'] });
    const body = { tenantId: DEMO.tenantId, appId: DEMO.appId };
    assert.deepEqual(await control(emu, 'DELETE', '/consents', { ...body, user: MEGAN }), {
      status: 200,
      body: { removed: 1 },
    });
    assert.deepEqual(await control(emu, 'DELETE', '/consents', body), { status: 200, body: { removed: 1 } });
  });

  test('GET /state lists the directory', async () => {
    const { status, body } = await control(emu, 'GET', '/state');
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body), ['tenants', 'apps', 'users', 'mailboxes']);
    assert.ok(body.mailboxes.some((m: { address: string }) => m.address === SUPPORT));
    assert.ok(!JSON.stringify(body).includes('Adele-demo-1'));
  });
});

test('app-role grants: client credentials carry them as roles until they are deleted', async () => {
  const path = ROLES;
  const tenantId = DEMO.otherTenantId;
  const bare = await control(emu, 'POST', path, { tenantId: DEMO.otherDomain, roles: ['IMAP.AccessAsApp'] });
  assert.deepEqual(bare, {
    status: 200,
    body: { appId: DEMO.appId, tenantId, roles: ['https://outlook.office.com/IMAP.AccessAsApp'] },
  });
  const prefixed = await control(emu, 'POST', path, {
    tenantId,
    roles: ['https://outlook.office365.com/SMTP.SendAsApp'],
  });
  assert.equal(prefixed.body.roles.length, 2);
  assert.deepEqual(decodeJwt(String((await appToken(tenantId)).json.access_token)).roles, [
    'IMAP.AccessAsApp',
    'SMTP.SendAsApp',
  ]);
  const one = await control(emu, 'DELETE', path, { tenantId, roles: ['IMAP.AccessAsApp'] });
  assert.deepEqual(one.body.roles, ['https://outlook.office.com/SMTP.SendAsApp']);
  assert.deepEqual((await control(emu, 'DELETE', path, { tenantId })).body.roles, []);
  // Without a grant or a consent the app has no service principal in Fabrikam (AADSTS700016).
  assert.deepEqual((await appToken(tenantId)).json.error_codes, [700016]);
});
