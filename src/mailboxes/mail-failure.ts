import { ImapError } from '../transports/imap-smtp/imap-error.ts';
import type { MailTransportError } from '../transports/transport-error.ts';
import { appImapFailure } from './app-access/explain-failure.ts';
import type { Mailbox } from './mailbox.ts';
import type { StateChange } from './repository.ts';
import { MAX_RETRY_AFTER_SECONDS, retryLater } from './token-failure.ts';

/**
 * Sorts an IMAP failure by who must act (ms-identity-spec.md §15). Called after one forced refresh has
 * already been tried for an authentication failure.
 */
export const classifyImapFailure = (error: ImapError, mailbox: Mailbox): StateChange => {
  if (mailbox.access === 'application') {
    const change = appImapFailure(error, mailbox.address);
    if (change) return change;
  }
  switch (error.code) {
    case 'imap.auth_failed':
    case 'imap.token_expired':
      return {
        state: 'reconnect_required',
        code: error.code,
        message:
          'Exchange refused a fresh token for IMAP (NO AUTHENTICATE failed). Reconnect the mailbox; if it keeps happening, IMAP may be switched off for this mailbox in Exchange.',
      };
    case 'imap.not_connected': {
      const who = mailbox.account?.upn ?? 'the connected account';
      return {
        state: 'admin_action_required',
        code: error.code,
        message:
          mailbox.kind === 'system'
            ? `${who} has no FullAccess to ${mailbox.address} (Exchange: “User is authenticated but not connected.”). An Exchange administrator must grant it, e.g. Add-MailboxPermission -Identity ${mailbox.address} -User ${who} -AccessRights FullAccess, then reconnect.`
            : `Exchange does not let ${who} open ${mailbox.address} (“User is authenticated but not connected.”). An Exchange administrator must check the mailbox and its permissions.`,
      };
    }
    case 'imap.tls':
      return {
        state: 'admin_action_required',
        code: error.code,
        message:
          'The IMAP server’s TLS certificate is not trusted. An administrator must check the mail server settings (or MAILROOM_EXTRA_CA_FILE).',
      };
    case 'imap.throttled': {
      const seconds =
        error.backoffMs === null
          ? null
          : Math.min(Math.ceil(error.backoffMs / 1000), MAX_RETRY_AFTER_SECONDS);
      return retryLater(
        error.code,
        `Exchange is throttling this mailbox; Mailroom will try again${seconds ? ` in ${seconds} seconds` : ''}.`,
        seconds,
      );
    }
    default:
      return retryLater(
        error.code,
        `The IMAP server could not be used (${error.code}); Mailroom will try again.`,
        null,
      );
  }
};

/**
 * Sorts any transport's failure by who must act: IMAP's with the words above, another transport's by the
 * failure's own `whoMustAct` and sentence.
 */
export const classifyTransportFailure = (error: MailTransportError, mailbox: Mailbox): StateChange => {
  if (error instanceof ImapError) return classifyImapFailure(error, mailbox);
  switch (error.whoMustAct) {
    case 'user':
      return { state: 'reconnect_required', code: error.code, message: error.userMessage };
    case 'administrator':
      return { state: 'admin_action_required', code: error.code, message: error.userMessage };
    default: {
      const seconds =
        error.retryAfterMs === null
          ? null
          : Math.min(Math.ceil(error.retryAfterMs / 1000), MAX_RETRY_AFTER_SECONDS);
      return retryLater(error.code, error.userMessage, seconds);
    }
  }
};
