import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphConsentAdvice } from '../../src/mailboxes/graph-consent-advice.ts';
import { adviceFor, type GraphErrorContext } from '../../src/transports/graph/graph-advice.ts';
import type { GraphErrorCode, WhoMustAct } from '../../src/transports/graph/graph-error.ts';

const ME: GraphErrorContext = { mailbox: 'me', permission: 'Mail.Send' };
const SUPPORT: GraphErrorContext = { mailbox: 'support@contoso.example', permission: 'Mail.Send' };

// Each Graph failure a mailbox or outbox page shows names who must act and what they do.
const TABLE: [GraphErrorCode, GraphErrorContext, number, WhoMustAct, RegExp[]][] = [
  [
    'graph.access_denied',
    ME,
    403,
    'administrator',
    [
      /ErrorAccessDenied/,
      /An administrator must add the delegated Microsoft Graph permission Mail\.Send /,
      /“Allow Mailroom to use Microsoft Graph”/,
    ],
  ],
  [
    'graph.access_denied',
    SUPPORT,
    403,
    'administrator',
    [/Mail\.Send\.Shared/, /Add-MailboxPermission -Identity support@contoso\.example/],
  ],
  [
    'graph.send_as_denied',
    SUPPORT,
    403,
    'administrator',
    [
      /ErrorSendAsDenied/,
      /An Exchange administrator must grant/,
      /Add-RecipientPermission -Identity support@contoso\.example -Trustee .+ -AccessRights SendAs/,
    ],
  ],
  [
    'graph.mailbox_not_enabled',
    ME,
    404,
    'administrator',
    [
      /MailboxNotEnabledForRESTAPI/,
      /An administrator must give it an Exchange Online licence/,
      /IMAP and SMTP/,
    ],
  ],
  ['graph.throttled', ME, 429, 'nobody', [/MailboxConcurrency/, /tries again by itself/]],
  ['graph.invalid_token', ME, 401, 'user', [/Reconnect/, /“Allow Mailroom to use Microsoft Graph”/]],
];

test('Graph failures say who must act and what to do (ErrorAccessDenied, ErrorSendAsDenied, MailboxNotEnabledForRESTAPI, ApplicationThrottled)', () => {
  for (const [code, ctx, status, who, patterns] of TABLE) {
    const advice = adviceFor(code, status, ctx);
    assert.equal(advice.who, who, code);
    for (const pattern of patterns) assert.match(advice.message, pattern, `${code} for ${ctx.mailbox}`);
  }
});

test('consent missing: the owner presses the button for a personal mailbox, an administrator for a system one; both learn the admin-consent way', () => {
  const own = graphConsentAdvice({ kind: 'user', address: 'megan@contoso.example' });
  assert.match(own, /The mailbox’s owner must open megan@contoso\.example/);
  assert.match(own, /permissions Mail\.ReadWrite and Mail\.Send were never consented/);
  assert.doesNotMatch(own, /\.Shared/);
  const system = graphConsentAdvice({ kind: 'system', address: 'support@contoso.example' });
  assert.match(system, /An administrator must open the system mailbox support@contoso\.example/);
  assert.match(system, /Mail\.Send\.Shared/);
  for (const text of [own, system]) {
    assert.match(text, /AADSTS65001/);
    assert.match(text, /“Allow Mailroom to use Microsoft Graph”/);
    assert.match(text, /admin consent for Microsoft Graph/);
  }
});
