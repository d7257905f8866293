import { isCertificateNotVerified } from '../../net/tls-errors.ts';
import { MailTransportError, type WhoMustAct } from '../transport-error.ts';

/**
 * IMAP failures with stable codes (STYLE.md 5), translated once from imapflow's errors (STYLE.md 6).
 * Who must act (STYLE.md 7, ms-identity-spec.md §15):
 * - the user reconnects: auth_failed (after one refresh), not_connected (or the admin grants FullAccess);
 * - refresh the token and reconnect: token_expired;
 * - retry later: throttled (after backoffMs), unavailable, unreachable, timeout, closed;
 * - the admin fixes the server settings or trust: tls; a bug or an odd server: protocol.
 */
export type ImapErrorCode =
  | 'imap.auth_failed'
  | 'imap.not_connected'
  | 'imap.token_expired'
  | 'imap.throttled'
  | 'imap.unavailable'
  | 'imap.unreachable'
  | 'imap.timeout'
  | 'imap.tls'
  | 'imap.closed'
  | 'imap.protocol';

/** Who must act once the one forced token refresh has been tried (mailboxes/mail-failure.ts says it in full). */
const WHO: Record<ImapErrorCode, WhoMustAct> = {
  'imap.auth_failed': 'user',
  'imap.not_connected': 'administrator',
  'imap.token_expired': 'user',
  'imap.throttled': 'microsoft',
  'imap.unavailable': 'microsoft',
  'imap.unreachable': 'nobody',
  'imap.timeout': 'nobody',
  'imap.tls': 'administrator',
  'imap.closed': 'nobody',
  'imap.protocol': 'nobody',
};

const USER_MESSAGE: Record<WhoMustAct, string> = {
  user: 'Exchange refused the mailbox’s token for IMAP. Reconnect the mailbox.',
  administrator: 'Exchange does not let Mailroom open this mailbox over IMAP. An administrator must act.',
  microsoft: 'Exchange is throttling or unavailable; Mailroom will try again.',
  nobody: 'The IMAP server could not be used; Mailroom will try again.',
};

export class ImapError extends MailTransportError {
  override readonly name = 'ImapError';
  declare readonly code: ImapErrorCode;
  constructor(
    code: ImapErrorCode,
    /**
     * The server's suggested wait for `imap.throttled`, as sent; otherwise null. imapflow has already
     * waited up to min(N, socketTimeout / 2, 5 min) of it (its `throttleWaited`) before rejecting.
     * Callers cap what they wait on top (STYLE.md 11).
     */
    readonly backoffMs: number | null,
    /** The server's own words (NO/BAD text or BYE reason), for logs and the admin; never branched on elsewhere. */
    readonly serverText: string | null,
    options: { cause: unknown },
  ) {
    super(
      {
        code,
        transport: 'imap_smtp',
        whoMustAct: WHO[code],
        userMessage: USER_MESSAGE[WHO[code]],
        retryAfterMs: backoffMs,
      },
      serverText ? `${code}: ${serverText}` : code,
      options,
    );
  }
}

/** The fields imapflow (2.x, dist/esm/imap-flow.js, commands/*.js, tools.js) puts on what it throws. */
interface ImapflowFields {
  code?: unknown;
  name?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  responseText?: unknown;
  response?: unknown;
  reason?: unknown;
  throttleReset?: unknown;
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() ? value.trim() : null;

/**
 * Exchange's answer to every mailbox command when the token is valid but its principal may not open the
 * `user=` mailbox (§13.3), e.g. `A3 BAD User is authenticated but not connected.` imapflow sees it on
 * NAMESPACE during connect() and throws an AuthenticationFailure whose `response` is the bare text.
 */
export const isNotConnected = (serverText: string): boolean =>
  serverText.endsWith('User is authenticated but not connected.');

/**
 * Exchange ends a session whose token ran out with `* BYE Session invalidated - AccessTokenExpired`
 * in answer to the next command (§13.3); imapflow keeps the BYE text as the error's `reason`.
 */
export const isAccessTokenExpired = (byeReason: string): boolean => /\bAccessTokenExpired\b/.test(byeReason);

/**
 * `A5 BAD Request is throttled. Suggested Backoff Time: 92415 milliseconds` (§13.3) → 92415.
 * imapflow parses it too (code ETHROTTLE, throttleReset); this covers a BAD it did not mark.
 */
export const suggestedBackoffMs = (serverText: string): number | null => {
  const match = /Request is throttled\. Suggested Backoff Time: (\d+) milliseconds/.exec(serverText);
  return match ? Number(match[1]) : null;
};

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
const TIMEOUT = new Set(['ETIMEDOUT', 'ETIMEOUT', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT']);
const CLOSED = new Set([
  'NoConnection',
  'EConnectionClosed',
  'StateLogout',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  'ECONNRESET',
  'EPIPE',
]);
const isTlsCode = (code: string): boolean =>
  isCertificateNotVerified(code) ||
  code === 'EPROTO' ||
  code.startsWith('ERR_TLS_') ||
  code.startsWith('ERR_SSL_');

const classify = (e: ImapflowFields, serverText: string | null, byeReason: string | null): ImapErrorCode => {
  const code = typeof e.code === 'string' ? e.code : '';
  if (serverText && isNotConnected(serverText)) return 'imap.not_connected';
  if (byeReason && isAccessTokenExpired(byeReason)) return 'imap.token_expired';
  if (code === 'ETHROTTLE' || (serverText && suggestedBackoffMs(serverText) !== null))
    return 'imap.throttled';
  if (e.authenticationFailed === true) return 'imap.auth_failed';
  // `NO [UNAVAILABLE] …` (RFC 5530) and Exchange's bare `Server Unavailable.` line (imapflow: ParserErrorExchange).
  if (e.serverResponseCode === 'UNAVAILABLE' || code === 'ParserErrorExchange') return 'imap.unavailable';
  if (UNREACHABLE.has(code)) return 'imap.unreachable';
  if (TIMEOUT.has(code) || e.name === 'TimeoutError') return 'imap.timeout';
  if (isTlsCode(code)) return 'imap.tls';
  if (CLOSED.has(code) || e.name === 'AbortError') return 'imap.closed';
  return 'imap.protocol';
};

const backoffOf = (e: ImapflowFields, serverText: string | null): number | null => {
  if (typeof e.throttleReset === 'number') return e.throttleReset;
  return serverText ? suggestedBackoffMs(serverText) : null;
};

/** Translates whatever imapflow (or the socket under it) threw into an ImapError, by code and fields. */
export const toImapError = (error: unknown): ImapError => {
  if (error instanceof ImapError) return error;
  const e: ImapflowFields = typeof error === 'object' && error !== null ? error : {};
  // imapflow's connection errors carry the server's BYE text as `reason`; Node's TLS errors use the
  // same field name for OpenSSL's reason, which is not the server's word.
  const byeReason = typeof e.code === 'string' && CLOSED.has(e.code) ? text(e.reason) : null;
  const serverText = text(e.responseText) ?? text(e.response) ?? byeReason;
  const code = classify(e, serverText, byeReason);
  const backoffMs = code === 'imap.throttled' ? backoffOf(e, serverText) : null;
  return new ImapError(code, backoffMs, serverText, { cause: error });
};
