// Every control call that fails, as tables: 400 invalid_request (zod or the directory's own checks),
// 404 not_found, 409 conflict, and 409 mail_not_running for the mail calls of an emulator without mail.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { assertControlError, type ControlCall, control } from '../support/control.ts';

const ADELE = `adele@${DEMO.domain}`;
const MEGAN = `megan@${DEMO.domain}`;
const SUPPORT = `support@${DEMO.domain}`;
const NOBODY = `nobody@${DEMO.domain}`;
const NO_TENANT = '00000000-0000-4000-8000-000000000000';
const SINGLE_TENANT_APP = '0a1b2c3d-0000-4000-8000-0000000000c1';
const ROLES = `/apps/${DEMO.appId}/app-role-grants`;

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ mail: false });
  const created = await control(emu, 'POST', '/apps', {
    homeTenantId: DEMO.tenantId,
    displayName: 'Contoso only',
    appId: SINGLE_TENANT_APP,
  });
  assert.equal(created.status, 201);
});
after(() => emu.stop());

describe('failing control calls', () => {
  const invalid: ControlCall[] = [
    ['POST', '/tenants', { displayName: 'x', domains: [] }],
    ['POST', '/tenants', 'not an object'],
    ['PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: 'no' }],
    ['POST', '/apps', { displayName: 'no home tenant' }],
    ['POST', `/apps/${DEMO.appId}/secrets`, { expiresInSeconds: 1.5 }],
    ['POST', '/users', { tenantId: DEMO.tenantId, upn: 'not-an-address', password: 'x' }],
    ['POST', '/users', { tenantId: DEMO.tenantId, upn: 'kim@unverified.example', password: 'x' }],
    ['PATCH', `/users/${ADELE}`, { disabled: 'yes' }],
    ['POST', '/mailboxes', { tenantId: DEMO.tenantId, address: `info@${DEMO.otherDomain}` }],
    ['PATCH', `/mailboxes/${ADELE}`, { imapEnabled: 1 }],
    ['POST', `/mailboxes/${SUPPORT}/grants`, { principal: MEGAN, rights: ['Owner'] }],
    ['DELETE', '/consents', { appId: DEMO.appId }],
    ['POST', ROLES, { tenantId: DEMO.tenantId, roles: [] }],
    ['POST', ROLES, { tenantId: DEMO.tenantId, roles: ['Mail.Read'] }],
    ['POST', ROLES, { tenantId: DEMO.tenantId, roles: ['https://example.net/X'] }],
    ['DELETE', ROLES, { roles: ['IMAP.AccessAsApp'] }],
    ['PUT', '/lifetimes', { authCodeLifetimeSec: 0 }],
    ['POST', '/clock', {}],
    ['POST', '/clock', { advanceSeconds: 'soon' }],
    ['PUT', '/faults/token-endpoint', { status: 418 }],
    ['PUT', '/faults/id-token', { mode: 'slightly_off' }],
    ['PUT', '/faults/imap-throttle', { backoffMs: -1 }],
    ['PUT', '/faults/imap-throttle', { backoffMs: 10, mailbox: 'adele' }],
  ];
  for (const call of invalid)
    test(`400 invalid_request: ${call[0]} ${call[1]} ${JSON.stringify(call[2])}`, () =>
      assertControlError(emu, call, 400, 'invalid_request'));

  test('400 invalid_request: a body that is not JSON', async () => {
    const res = await fetch(`${emu.httpUrl}/_emulator/tenants`, { method: 'POST', body: '{' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_request');
  });

  const missing: ControlCall[] = [
    ['PATCH', `/tenants/${NO_TENANT}`, {}],
    ['POST', '/apps', { homeTenantId: NO_TENANT, displayName: 'x' }],
    ['POST', '/apps/unknown-app/secrets', {}],
    ['POST', `/apps/${DEMO.appId}/secrets/unknown-secret/expire`],
    ['POST', '/users', { tenantId: NO_TENANT, upn: `kim@${DEMO.domain}`, password: 'x' }],
    ['PATCH', `/users/${NOBODY}`, {}],
    ['POST', `/users/${NOBODY}/revoke-sessions`],
    ['POST', '/mailboxes', { tenantId: NO_TENANT, address: `info@${DEMO.domain}` }],
    ['PATCH', `/mailboxes/${NOBODY}`, {}],
    ['POST', `/mailboxes/${NOBODY}/grants`, { principal: ADELE, rights: ['FullAccess'] }],
    ['DELETE', `/mailboxes/${SUPPORT}/grants`, { principal: NOBODY, rights: ['FullAccess'] }],
    ['DELETE', '/consents', { tenantId: DEMO.tenantId, appId: DEMO.appId, user: NOBODY }],
    ['POST', '/apps/unknown-app/app-role-grants', { tenantId: DEMO.tenantId, roles: ['IMAP.AccessAsApp'] }],
    ['DELETE', ROLES, { tenantId: 'nowhere.example' }],
  ];
  for (const call of missing)
    test(`404 not_found: ${call[0]} ${call[1]}`, () => assertControlError(emu, call, 404, 'not_found'));

  const conflicts: ControlCall[] = [
    ['POST', '/tenants', { id: DEMO.tenantId, displayName: 'x', domains: ['fresh.example'] }],
    ['POST', '/tenants', { displayName: 'x', domains: [DEMO.domain] }],
    ['POST', '/apps', { homeTenantId: DEMO.tenantId, displayName: 'x', appId: DEMO.appId }],
    ['POST', '/users', { tenantId: DEMO.tenantId, upn: ADELE, password: 'x' }],
    ['POST', '/mailboxes', { tenantId: DEMO.tenantId, address: SUPPORT }],
    // A single-tenant registration has no service principal in another tenant to hold app roles.
    [
      'POST',
      `/apps/${SINGLE_TENANT_APP}/app-role-grants`,
      { tenantId: DEMO.otherTenantId, roles: ['https://outlook.office.com/IMAP.AccessAsApp'] },
    ],
  ];
  for (const call of conflicts)
    test(`409 conflict: ${call[0]} ${call[1]} ${JSON.stringify(call[2])}`, () =>
      assertControlError(emu, call, 409, 'conflict'));

  // The mail calls need mail (control-api-mail.test.ts has them running).
  const withoutMail: ControlCall[] = [
    ['POST', '/mail/seed', { address: ADELE }],
    ['GET', '/mail/outbound'],
    ['POST', '/mail/reset-uidvalidity', { address: ADELE }],
    ['PUT', '/mail/settings', { saveToSentItems: false }],
  ];
  for (const call of withoutMail)
    test(`409 mail_not_running: ${call[0]} ${call[1]}`, () =>
      assertControlError(emu, call, 409, 'mail_not_running'));
});
