// Pure parts of application access (issue 14): reading `roles` from a token, saying what consent is
// missing, and the PowerShell the page writes. No database or server involved.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rolesOf } from '../../src/mailboxes/app-access/app-token.ts';
import { consentProblem } from '../../src/mailboxes/app-access/consent.ts';
import { setupScript } from '../../src/mailboxes/app-access/powershell.ts';

const jwt = (payload: Record<string, unknown>) =>
  ['{"alg":"none"}', JSON.stringify(payload)].map((p) => Buffer.from(p).toString('base64url')).join('.') +
  '.';

describe('rolesOf', () => {
  const cases: [string, string, string[] | null][] = [
    [
      'roles present',
      jwt({ idtyp: 'app', roles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'] }),
      ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
    ],
    ['no roles claim (no admin consent)', jwt({ idtyp: 'app' }), []],
    ['roles not a list', jwt({ roles: 'IMAP.AccessAsApp' }), []],
    ['non-string entries dropped', jwt({ roles: ['Mail.Send', 3] }), ['Mail.Send']],
    ['an opaque token', 'EwBgA8l6BAAU-not-a-jwt', null],
  ];
  for (const [name, token, expected] of cases) test(name, () => assert.deepEqual(rolesOf(token), expected));
});

describe('consentProblem', () => {
  test('all roles present: nothing to say; unreadable token: nothing to claim', () => {
    assert.equal(consentProblem('outlook', ['IMAP.AccessAsApp', 'SMTP.SendAsApp']), null);
    assert.equal(consentProblem('graph', ['Mail.ReadWrite', 'Mail.Send', 'User.Read.All']), null);
    assert.equal(consentProblem('outlook', null), null);
  });
  test('no roles: admin consent never granted, and who must grant it', () => {
    const text = consentProblem('outlook', [])!;
    assert.match(text, /no “roles” claim/);
    assert.match(text, /Global Administrator or Privileged Role Administrator/);
    assert.match(
      text,
      /Office 365 Exchange Online → Application permissions → IMAP\.AccessAsApp, SMTP\.SendAsApp/,
    );
  });
  test('some roles: names the missing one', () => {
    const text = consentProblem('outlook', ['IMAP.AccessAsApp'])!;
    assert.match(text, /lacks SMTP\.SendAsApp \(it carries IMAP\.AccessAsApp\)/);
    assert.match(
      consentProblem('graph', ['Mail.ReadWrite'])!,
      /Microsoft Graph → Application permissions → Mail\.Send/,
    );
  });
});

describe('setupScript', () => {
  const clientId = '8c2d6f1e-4a7b-4c3d-9e0f-1b2a3c4d5e6f';
  const objectId = '0f1e2d3c-4b5a-4968-8776-655443322110';
  test('placeholders until the ids are known; no scope without a name', () => {
    const script = setupScript({
      clientId: null,
      settings: { enterpriseObjectId: null, scopeName: null },
      addresses: ['support@contoso.example'],
    });
    assert.match(
      script,
      /New-ServicePrincipal -AppId <Application \(client\) ID> -ObjectId <Enterprise application Object ID>/,
    );
    assert.doesNotMatch(script, /New-ManagementScope/);
  });
  test('every mailbox gets FullAccess and Send As; the scope lists them and says it leaves IMAP out', () => {
    const script = setupScript({
      clientId,
      settings: { enterpriseObjectId: objectId, scopeName: "Ops' boxes" },
      addresses: ['sales@contoso.example', 'support@contoso.example'],
    });
    assert.match(script, new RegExp(`New-ServicePrincipal -AppId ${clientId} -ObjectId ${objectId}`));
    for (const a of ['sales@contoso.example', 'support@contoso.example']) {
      assert.match(
        script,
        new RegExp(`Add-MailboxPermission -Identity '${a}' -User ${objectId} -AccessRights FullAccess`),
      );
      assert.match(
        script,
        new RegExp(`Add-RecipientPermission -Identity '${a}' -Trustee ${objectId} -AccessRights SendAs`),
      );
    }
    assert.match(
      script,
      /New-ManagementScope -Name 'Ops'' boxes' -RecipientRestrictionFilter "PrimarySmtpAddress -eq 'sales@contoso\.example' -or PrimarySmtpAddress -eq 'support@contoso\.example'"/,
    );
    assert.match(script, /-Role 'Application SMTP\.SendAsApp' -App 0f1e2d3c/);
    assert.match(script, /-Role 'Application Mail\.Send'/);
    assert.match(script, /limits SMTP and Graph, not IMAP/);
  });
});
