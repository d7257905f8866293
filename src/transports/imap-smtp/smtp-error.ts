import { isCertificateNotVerified } from '../../net/tls-errors.ts';
import { MailTransportError, type WhoMustAct } from '../transport-error.ts';

/**
 * SMTP submission failures with stable codes (STYLE.md 5), translated once from nodemailer's errors by
 * their `code`, `responseCode` and the RFC 3463 enhanced status code (STYLE.md 6). Who must act
 * (STYLE.md 7, ms-identity-spec.md §15):
 * - auth_failed (`535 5.7.3`): refresh the token once, then the user reconnects;
 * - auth_disabled (`535 5.7.139`): the admin enables SMTP AUTH for the tenant or mailbox;
 * - send_as_denied (`554 5.2.252`): the sender uses the mailbox's address or gets Send As;
 * - recipient_rejected, message_rejected: the sender fixes the message (permanent when 5xx);
 * - unreachable, timeout: retry later; tls: the admin fixes trust or host; protocol: a bug or odd server.
 */
export type SmtpErrorCode =
  | 'smtp.auth_failed'
  | 'smtp.auth_disabled'
  | 'smtp.send_as_denied'
  | 'smtp.recipient_rejected'
  | 'smtp.message_rejected'
  | 'smtp.unreachable'
  | 'smtp.timeout'
  | 'smtp.tls'
  | 'smtp.protocol';

export interface SmtpWireFields {
  /** The reply's basic code, e.g. 535. */
  readonly responseCode: number | null;
  /** RFC 3463 enhanced status code, e.g. `5.7.139`. */
  readonly enhancedCode: string | null;
  /** The server's reply line, for logs and the admin. */
  readonly serverText: string | null;
  /** The address a RCPT TO refusal was about. */
  readonly recipient: string | null;
}

/** Who must act once the one forced token refresh has been tried (send/send-failure.ts says it in full). */
const whoMustAct = (code: SmtpErrorCode, responseCode: number | null): WhoMustAct => {
  switch (code) {
    case 'smtp.auth_failed':
      return 'user';
    case 'smtp.auth_disabled':
    case 'smtp.send_as_denied':
    case 'smtp.tls':
      return 'administrator';
    case 'smtp.recipient_rejected':
    case 'smtp.message_rejected':
      // The sender changes the message after a permanent (5xx) refusal; a 4xx one passes.
      return (responseCode ?? 500) >= 500 ? 'user' : 'nobody';
    default:
      return 'nobody';
  }
};

const USER_MESSAGE: Record<WhoMustAct, string> = {
  user: 'The message or the mailbox’s sign-in for sending was refused. Fix the message or reconnect the mailbox.',
  administrator:
    'Exchange does not let Mailroom send from this mailbox over SMTP. An administrator must act.',
  microsoft: 'Exchange is throttling or unavailable; Mailroom will try again.',
  nobody: 'The SMTP server could not be used; Mailroom will try again.',
};

export class SmtpError extends MailTransportError implements SmtpWireFields {
  override readonly name = 'SmtpError';
  declare readonly code: SmtpErrorCode;
  readonly responseCode: number | null;
  readonly enhancedCode: string | null;
  readonly serverText: string | null;
  readonly recipient: string | null;
  constructor(code: SmtpErrorCode, wire: SmtpWireFields, options: { cause: unknown }) {
    const who = whoMustAct(code, wire.responseCode);
    super(
      { code, transport: 'imap_smtp', whoMustAct: who, userMessage: USER_MESSAGE[who], retryAfterMs: null },
      wire.serverText ? `${code}: ${wire.serverText}` : code,
      options,
    );
    this.responseCode = wire.responseCode;
    this.enhancedCode = wire.enhancedCode;
    this.serverText = wire.serverText;
    this.recipient = wire.recipient;
  }
}

/** What nodemailer 10 (dist/esm/smtp-connection/index.js `_formatError`, `_actionRCPT`) sets on its errors. */
interface NodemailerFields {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  recipient?: unknown;
  rejected?: unknown;
}

/** `535 5.7.139 Authentication unsuccessful, …` → `5.7.139` (RFC 3463 §2: class.subject.detail). */
export const enhancedStatusCode = (reply: string): string | null =>
  /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/.exec(reply)?.[1] ?? null;

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);
const CONNECTION = new Set(['ECONNECTION', 'ESOCKET', 'EDNS']);

const firstString = (value: unknown): string | null =>
  typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : null;

const classify = (e: NodemailerFields, code: string, enhanced: string | null): SmtpErrorCode => {
  const socketCode = typeof e.originalCode === 'string' ? e.originalCode : code;
  // `535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.` (§13.5)
  if (enhanced === '5.7.139') return 'smtp.auth_disabled';
  if (code === 'EAUTH' || code === 'ENOAUTH' || code === 'EOAUTH2') return 'smtp.auth_failed';
  // `554 5.2.252 SendAsDenied; info@x not allowed to send as noreply@x; …` after DATA (§13.5).
  // Also `550 5.7.60 SMTP; Client does not have permissions to send as this sender` (the older wording).
  if (enhanced === '5.2.252' || enhanced === '5.7.60') return 'smtp.send_as_denied';
  if (code === 'EENVELOPE' && e.command === 'RCPT TO') return 'smtp.recipient_rejected';
  if (code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'EMAXRECIPIENTS')
    return 'smtp.message_rejected';
  if (
    code === 'ETLS' ||
    isCertificateNotVerified(socketCode) ||
    socketCode === 'EPROTO' ||
    socketCode.startsWith('ERR_SSL_')
  )
    return 'smtp.tls';
  if (code === 'ETIMEDOUT' || socketCode === 'ETIMEDOUT') return 'smtp.timeout';
  // A refused or dropped connection (nodemailer's ECONNECTION, ESOCKET, EDNS) is for a retry later.
  if (CONNECTION.has(code) || UNREACHABLE.has(socketCode)) return 'smtp.unreachable';
  return 'smtp.protocol';
};

/** Translates whatever nodemailer (or the socket under it) threw into an SmtpError. */
export const toSmtpError = (error: unknown): SmtpError => {
  if (error instanceof SmtpError) return error;
  const e: NodemailerFields = typeof error === 'object' && error !== null ? error : {};
  const serverText = typeof e.response === 'string' && e.response.trim() ? e.response.trim() : null;
  const enhancedCode = serverText ? enhancedStatusCode(serverText) : null;
  const code = classify(e, typeof e.code === 'string' ? e.code : '', enhancedCode);
  return new SmtpError(
    code,
    {
      responseCode: typeof e.responseCode === 'number' ? e.responseCode : null,
      enhancedCode,
      serverText,
      // nodemailer puts `recipient` on a single RCPT refusal, `rejected` on "all recipients were rejected".
      recipient:
        code === 'smtp.recipient_rejected' ? (firstString(e.recipient) ?? firstString(e.rejected)) : null,
    },
    { cause: error },
  );
};
