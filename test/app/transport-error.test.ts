import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ImapError, toImapError } from '../../src/transports/imap-smtp/imap-error.ts';
import { SmtpError, toSmtpError } from '../../src/transports/imap-smtp/smtp-error.ts';
import { isTransient, MailTransportError } from '../../src/transports/transport-error.ts';

describe('one failure type behind the mail-transport seam', () => {
  test('IMAP failures say who must act', () => {
    const cases: [object, string, string][] = [
      [{ authenticationFailed: true, response: 'AUTHENTICATE failed.' }, 'imap.auth_failed', 'user'],
      [{ response: 'User is authenticated but not connected.' }, 'imap.not_connected', 'administrator'],
      [
        { code: 'NoConnection', reason: 'Session invalidated - AccessTokenExpired' },
        'imap.token_expired',
        'user',
      ],
      [{ code: 'ETHROTTLE', throttleReset: 92415 }, 'imap.throttled', 'microsoft'],
      [{ code: 'ECONNREFUSED' }, 'imap.unreachable', 'nobody'],
      [{ code: 'CERT_HAS_EXPIRED' }, 'imap.tls', 'administrator'],
    ];
    for (const [thrown, code, who] of cases) {
      const error = toImapError(thrown);
      assert.ok(error instanceof MailTransportError && error instanceof ImapError);
      assert.equal(error.code, code);
      assert.equal(error.transport, 'imap_smtp');
      assert.equal(error.whoMustAct, who, code);
      assert.ok(error.userMessage.length > 0);
    }
    assert.equal(toImapError({ code: 'ETHROTTLE', throttleReset: 92415 }).retryAfterMs, 92415);
  });

  test('SMTP failures say who must act; a 4xx refusal is transient, a 5xx one is the sender’s', () => {
    const cases: [object, string, string][] = [
      [
        { code: 'EAUTH', responseCode: 535, response: '535 5.7.139 Authentication unsuccessful' },
        'smtp.auth_disabled',
        'administrator',
      ],
      [
        { code: 'EAUTH', responseCode: 535, response: '535 5.7.3 Authentication unsuccessful' },
        'smtp.auth_failed',
        'user',
      ],
      [
        { code: 'EMESSAGE', responseCode: 554, response: '554 5.2.252 SendAsDenied' },
        'smtp.send_as_denied',
        'administrator',
      ],
      [
        { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.10 no' },
        'smtp.recipient_rejected',
        'user',
      ],
      [
        { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, response: '451 4.4.0 later' },
        'smtp.recipient_rejected',
        'nobody',
      ],
      [{ code: 'ECONNECTION' }, 'smtp.unreachable', 'nobody'],
    ];
    for (const [thrown, code, who] of cases) {
      const error = toSmtpError(thrown);
      assert.ok(error instanceof MailTransportError && error instanceof SmtpError);
      assert.equal(error.code, code);
      assert.equal(error.whoMustAct, who, code);
      assert.equal(isTransient(error), who === 'nobody');
    }
  });
});
