import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import nodemailer from 'nodemailer';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { control } from '../support/control.ts';
import { graph } from '../support/graph-request.ts';
import { connectRawImap, xoauth2 } from '../support/raw-imap.ts';

// App-only access as Exchange Online enforces it (app-only-spec.md §1, §2): roles from admin consent, the
// Exchange service principal with the Enterprise application's object id, FullAccess / Send As for it,
// and RBAC for Applications scopes limiting SMTP and Graph but not IMAP.

const SUPPORT = `support@${DEMO.domain}`;
const SALES = `sales@${DEMO.domain}`;
const OUTLOOK_DEFAULT = 'https://outlook.office365.com/.default';
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

let emu: RunningEmulator;
let objectIds: { applicationObjectId: string; enterpriseApplicationObjectId: string };

before(async () => {
  emu = await startEmulator();
  const shared = await control(emu, 'POST', '/mailboxes', { tenantId: DEMO.tenantId, address: SALES });
  assert.equal(shared.status, 201, JSON.stringify(shared.body));
  objectIds = (await control(emu, 'GET', `/apps/${DEMO.appId}/object-ids?tenantId=${DEMO.tenantId}`)).body;
});
after(async () => {
  await emu?.stop();
});

const appToken = async (scope: string): Promise<string> => {
  const response = await fetch(`${emu.httpUrl}/${DEMO.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: DEMO.appId,
      client_secret: emu.demo!.appSecret,
      scope,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.access_token!;
};

const imapLogin = async (user: string, token: string): Promise<string[]> => {
  const raw = await connectRawImap(emu.mail!.imap.port);
  try {
    const auth = await raw.command('a1', `AUTHENTICATE XOAUTH2 ${xoauth2(user, token)}`);
    if (!auth.at(-1)?.startsWith('a1 OK')) return auth;
    return [...auth, ...(await raw.command('a2', 'SELECT INBOX')).slice(-1)];
  } finally {
    raw.close();
  }
};

const smtp = (user: string, token: string) =>
  nodemailer.createTransport({
    host: '127.0.0.1',
    port: emu.mail!.smtp.port,
    secure: false,
    requireTLS: true,
    tls: { ca: emu.tls.caPem, servername: 'smtp.office365.com' },
    auth: { type: 'OAuth2', user, accessToken: token },
  });

const smtpError = async (run: Promise<unknown>) =>
  run.then(
    () => assert.fail('SMTP should refuse'),
    (e: { responseCode?: number; response?: string }) => e,
  );

const grantRoles = (roles: string[]) =>
  control(emu, 'POST', `/apps/${DEMO.appId}/app-role-grants`, { tenantId: DEMO.tenantId, roles });

const grantMailbox = (address: string, rights: string[], method: 'POST' | 'DELETE' = 'POST') =>
  control(emu, method, `/mailboxes/${address}/grants`, {
    principal: objectIds.enterpriseApplicationObjectId,
    rights,
  });

const resetExchange = async () => {
  await control(emu, 'DELETE', `/apps/${DEMO.appId}/app-role-grants`, { tenantId: DEMO.tenantId });
  await control(emu, 'DELETE', `/exchange/service-principals/${DEMO.tenantId}/${DEMO.appId}`);
  await control(emu, 'DELETE', `/exchange/role-assignments/${DEMO.tenantId}/scoped-smtp`);
  await control(emu, 'DELETE', `/exchange/role-assignments/${DEMO.tenantId}/scoped-graph`);
};

describe('app-only access to Exchange', () => {
  beforeEach(resetExchange);

  test('the app registration and the Enterprise application have different object ids', () => {
    assert.match(objectIds.applicationObjectId, /^[0-9a-f-]{36}$/);
    assert.match(objectIds.enterpriseApplicationObjectId, /^[0-9a-f-]{36}$/);
    assert.notEqual(objectIds.applicationObjectId, objectIds.enterpriseApplicationObjectId);
  });

  test('client credentials carry roles only after admin consent; a token without roles is refused', async () => {
    const bare = await appToken(OUTLOOK_DEFAULT);
    assert.equal(decodeJwt(bare).roles, undefined);
    assert.equal(decodeJwt(bare).idtyp, 'app');
    await grantRoles(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    const consented = await appToken(OUTLOOK_DEFAULT);
    assert.deepEqual(decodeJwt(consented).roles, ['IMAP.AccessAsApp', 'SMTP.SendAsApp']);

    // Everything in Exchange is in place: only the roles are missing from the first token.
    await control(emu, 'POST', '/exchange/service-principals', {
      tenantId: DEMO.tenantId,
      appId: DEMO.appId,
      objectId: objectIds.enterpriseApplicationObjectId,
    });
    await grantMailbox(SUPPORT, ['FullAccess', 'SendAs']);
    assert.deepEqual(await imapLogin(SUPPORT, bare), ['a1 NO AUTHENTICATE failed.']);
    assert.equal((await imapLogin(SUPPORT, consented)).at(-1)?.startsWith('a2 OK'), true);

    await graphRoles(['Mail.ReadWrite', 'Mail.Send']);
    const graphToken = await appToken(GRAPH_DEFAULT);
    assert.deepEqual(decodeJwt(graphToken).roles, ['Mail.ReadWrite', 'Mail.Send']);
  });

  test('New-ServicePrincipal with the app registration’s object id: logins fail until it is the Enterprise application’s', async () => {
    await grantRoles(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    const token = await appToken(OUTLOOK_DEFAULT);
    // No service principal at all.
    await grantMailbox(SUPPORT, ['FullAccess', 'SendAs']);
    assert.deepEqual(await imapLogin(SUPPORT, token), ['a1 NO AUTHENTICATE failed.']);

    const wrong = await control(emu, 'POST', '/exchange/service-principals', {
      tenantId: DEMO.tenantId,
      appId: DEMO.appId,
      objectId: objectIds.applicationObjectId,
    });
    assert.equal(wrong.status, 201, 'Exchange takes any object id');
    await control(emu, 'POST', `/mailboxes/${SUPPORT}/grants`, {
      principal: objectIds.applicationObjectId,
      rights: ['FullAccess', 'SendAs'],
    });
    assert.deepEqual(await imapLogin(SUPPORT, token), ['a1 NO AUTHENTICATE failed.']);
    const refused = await smtpError(smtp(SUPPORT, token).verify());
    assert.equal(refused.responseCode, 535);
    assert.match(String(refused.response), /5\.7\.3 Authentication unsuccessful/);

    await control(emu, 'DELETE', `/exchange/service-principals/${DEMO.tenantId}/${DEMO.appId}`);
    await control(emu, 'POST', '/exchange/service-principals', {
      tenantId: DEMO.tenantId,
      appId: DEMO.appId,
      objectId: objectIds.enterpriseApplicationObjectId,
    });
    const ok = await imapLogin(SUPPORT, token);
    assert.equal(ok.at(-1)?.startsWith('a2 OK'), true, ok.join('\n'));
    assert.equal(await smtp(SUPPORT, token).verify(), true);
  });

  test('FullAccess missing: IMAP says “authenticated but not connected” (or NO, switchable); SMTP needs Send As to send', async () => {
    await grantRoles(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    await control(emu, 'POST', '/exchange/service-principals', {
      tenantId: DEMO.tenantId,
      appId: DEMO.appId,
      objectId: objectIds.enterpriseApplicationObjectId,
    });
    await grantMailbox(SALES, ['FullAccess', 'SendAs'], 'DELETE');
    const token = await appToken(OUTLOOK_DEFAULT);
    const lines = await imapLogin(SALES, token);
    assert.equal(lines[0], 'a1 OK AUTHENTICATE completed.');
    assert.equal(lines.at(-1), 'a2 BAD User is authenticated but not connected.');
    await control(emu, 'PUT', '/exchange/settings', { fullAccessMissing: 'auth_failed' });
    assert.deepEqual(await imapLogin(SALES, token), ['a1 NO AUTHENTICATE failed.']);
    await control(emu, 'PUT', '/exchange/settings', { fullAccessMissing: 'not_connected' });
    // Neither FullAccess nor Send As: SMTP AUTH itself is refused.
    assert.equal((await smtpError(smtp(SALES, token).verify())).responseCode, 535);

    // FullAccess only: AUTH passes, Send As is checked after DATA (554 5.2.252).
    await grantMailbox(SALES, ['FullAccess']);
    const denied = await smtpError(
      smtp(SALES, token).sendMail({ from: SALES, to: SUPPORT, subject: 'no send as', text: 'x' }),
    );
    assert.equal(denied.responseCode, 554);
    assert.match(String(denied.response), /5\.2\.252 SendAsDenied/);
    await grantMailbox(SALES, ['SendAs']);
    const sent = await smtp(SALES, token).sendMail({
      from: SALES,
      to: SUPPORT,
      subject: 'send as',
      text: 'x',
    });
    assert.match(String(sent.response), /^250/);
  });

  test('an RBAC scope limits SMTP and Graph to its mailboxes, not IMAP', async () => {
    await grantRoles(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    await graphRoles(['Mail.ReadWrite', 'Mail.Send']);
    await control(emu, 'POST', '/exchange/service-principals', {
      tenantId: DEMO.tenantId,
      appId: DEMO.appId,
      objectId: objectIds.enterpriseApplicationObjectId,
    });
    for (const address of [SUPPORT, SALES]) await grantMailbox(address, ['FullAccess', 'SendAs']);
    const scope = await control(emu, 'POST', '/exchange/management-scopes', {
      tenantId: DEMO.tenantId,
      name: 'Mailroom mailboxes',
      members: [SUPPORT],
    });
    assert.equal(scope.status, 201);
    for (const [name, role] of [
      ['scoped-smtp', 'Application SMTP.SendAsApp'],
      ['scoped-graph', 'Application Mail Full Access'],
    ]) {
      const assigned = await control(emu, 'POST', '/exchange/role-assignments', {
        tenantId: DEMO.tenantId,
        name,
        role,
        app: objectIds.enterpriseApplicationObjectId,
        customResourceScope: 'Mailroom mailboxes',
      });
      assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    }
    const token = await appToken(OUTLOOK_DEFAULT);
    assert.equal(await smtp(SUPPORT, token).verify(), true);
    const outside = await smtpError(smtp(SALES, token).verify());
    assert.equal(outside.responseCode, 535);
    assert.match(String(outside.response), /5\.7\.3/);
    // IMAP is not covered by RBAC: FullAccess alone decides.
    assert.equal((await imapLogin(SALES, token)).at(-1)?.startsWith('a2 OK'), true);

    const g = await appToken(GRAPH_DEFAULT);
    assert.equal((await graph(emu, g, `/v1.0/users/${SUPPORT}/mailFolders/inbox`)).status, 200);
    const denied = await graph(emu, g, `/v1.0/users/${SALES}/mailFolders/inbox`);
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, 'ErrorAccessDenied');

    // Without the assignments, the Entra grant reaches every mailbox again.
    await control(emu, 'DELETE', `/exchange/role-assignments/${DEMO.tenantId}/scoped-smtp`);
    assert.equal(await smtp(SALES, token).verify(), true);
  });

  test('SMTP AUTH off for the mailbox: 535 5.7.139 for the app too', async () => {
    await grantRoles(['SMTP.SendAsApp']);
    await control(emu, 'POST', '/exchange/service-principals', {
      tenantId: DEMO.tenantId,
      appId: DEMO.appId,
      objectId: objectIds.enterpriseApplicationObjectId,
    });
    await grantMailbox(SUPPORT, ['SendAs']);
    await control(emu, 'PATCH', `/mailboxes/${SUPPORT}`, { smtpAuthEnabled: false });
    try {
      const refused = await smtpError(smtp(SUPPORT, await appToken(OUTLOOK_DEFAULT)).verify());
      assert.equal(refused.responseCode, 535);
      assert.match(String(refused.response), /5\.7\.139/);
    } finally {
      await control(emu, 'PATCH', `/mailboxes/${SUPPORT}`, { smtpAuthEnabled: null });
    }
  });

  test('control API: unknown app, tenant, scope or role are refused', async () => {
    const base = {
      tenantId: DEMO.tenantId,
      appId: DEMO.appId,
      objectId: objectIds.enterpriseApplicationObjectId,
    };
    assert.equal(
      (
        await control(emu, 'POST', '/exchange/service-principals', {
          ...base,
          appId: '11111111-2222-4333-8444-555555555555',
        })
      ).status,
      404,
    );
    assert.equal(
      (await control(emu, 'POST', '/exchange/service-principals', { ...base, tenantId: 'nowhere.example' }))
        .status,
      404,
    );
    assert.equal(
      (await control(emu, 'POST', '/exchange/service-principals', { ...base, objectId: 'x' })).status,
      400,
    );
    assert.equal((await control(emu, 'POST', '/exchange/service-principals', base)).status, 201);
    assert.equal((await control(emu, 'POST', '/exchange/service-principals', base)).status, 409);
    const assignment = { tenantId: DEMO.tenantId, name: 'x', role: 'Application Mail.Send', app: DEMO.appId };
    assert.equal(
      (await control(emu, 'POST', '/exchange/role-assignments', { ...assignment, role: 'Mail.Send' })).status,
      400,
    );
    assert.equal(
      (
        await control(emu, 'POST', '/exchange/role-assignments', {
          ...assignment,
          customResourceScope: 'none',
        })
      ).status,
      404,
    );
  });
});

const graphRoles = (roles: string[]) =>
  control(emu, 'POST', `/apps/${DEMO.appId}/app-role-grants`, {
    tenantId: DEMO.tenantId,
    roles: roles.map((r) => `https://graph.microsoft.com/${r}`),
  });
