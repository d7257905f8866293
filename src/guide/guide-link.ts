import { headingAnchor } from './anchors.ts';

/**
 * Where the guide's troubleshooting section for an explained code lives: docs/troubleshooting.md,
 * served by Mailroom itself at /docs/troubleshooting (guide-routes.ts), one heading per code.
 */
export const GUIDE_TROUBLESHOOTING = '/docs/troubleshooting';

/**
 * The codes docs/troubleshooting.md has a section for: the AADSTS numbers, token `error`s and state codes
 * of src/mailboxes/token-failure.ts and src/microsoft/check-configuration.ts, the sign-in refusals of
 * src/signin/refusal.ts, the IMAP, SMTP and Graph codes of src/transports/ (and graph-transport-error.ts's
 * token codes), and application access's codes of src/mailboxes/app-access/. test/docs/links.test.ts checks
 * each has its heading.
 */
export const GUIDE_CODES: readonly string[] = [
  ...[
    50173, 700082, 70008, 65001, 65004, 50076, 50079, 50057, 50034, 54005, 7000215, 7000222, 700027, 700024,
    700016, 90002,
  ].map((n) => `AADSTS${n}`),
  'invalid_grant',
  'invalid_client',
  'http_429',
  'unreachable',
  ...[
    'disabled',
    'not_configured',
    'microsoft_error',
    'access_denied',
    'consent_required',
    'interaction_required',
    'state_missing',
    'state_unknown',
    'code_redeemed',
    'token_error',
    'app_credential_refused',
    'unreachable',
    'id_token_invalid',
    'tenant_not_allowed',
    'address_unverified',
    'link_pending',
    'domain_not_allowed',
    'no_matching_user',
    'user_disabled',
  ].map((c) => `signin.${c}`),
  ...[
    'auth_failed',
    'not_connected',
    'token_expired',
    'throttled',
    'unavailable',
    'unreachable',
    'timeout',
    'tls',
    'closed',
    'protocol',
  ].map((c) => `imap.${c}`),
  ...[
    'auth_failed',
    'auth_disabled',
    'send_as_denied',
    'recipient_rejected',
    'message_rejected',
    'unreachable',
    'timeout',
    'tls',
    'protocol',
  ].map((c) => `smtp.${c}`),
  ...[
    'invalid_token',
    'access_denied',
    'send_as_denied',
    'consent_missing',
    'token_refused',
    'mailbox_not_enabled',
    'throttled',
    'unavailable',
    'item_not_found',
    'sync_state_not_found',
    'quota_exceeded',
    'message_too_large',
    'invalid_recipients',
    'request_rejected',
    'unknown',
    'unreachable',
    'timeout',
    'tls',
    'too_large',
    'protocol',
    'aborted',
  ].map((c) => `graph.${c}`),
  ...[
    'consent_missing',
    'tenant_required',
    'not_configured',
    'busy',
    'full_access_missing',
    'imap_refused',
    'smtp_refused',
    'send_as_missing',
    'scope_not_limiting',
  ].map((c) => `app_access.${c}`),
];

const KNOWN = new Map(GUIDE_CODES.map((code) => [code.toLowerCase(), code]));

/** The guide's URL for `code` (matched without regard to case), or null when the guide has no section for it. */
export const guideUrlFor = (code: string | null | undefined): string | null => {
  const known = code ? KNOWN.get(code.toLowerCase()) : undefined;
  return known ? `${GUIDE_TROUBLESHOOTING}#${headingAnchor(known)}` : null;
};
