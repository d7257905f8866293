import type { StateChange } from '../mailboxes/repository.ts';
import type { SmtpError } from '../transports/imap-smtp/smtp-error.ts';
import { isTransient, type MailTransportError } from '../transports/transport-error.ts';

/** Who must act on a failed message (STYLE.md 7): the person who wrote it, the mailbox's owner, or an administrator. */
export type WhoActs = 'sender' | 'mailbox_owner' | 'administrator';

export type SendVerdict =
  | { readonly kind: 'retry'; readonly code: string; readonly message: string }
  | {
      readonly kind: 'failed';
      readonly code: string;
      readonly message: string;
      readonly who: WhoActs;
      readonly recipient?: string | null;
      /** Stored on the mailbox: a sending problem that stays until someone fixes it. */
      readonly sendProblem?: boolean;
      /** The mailbox's connection must change too (535 5.7.3 after a fresh token: reconnect). */
      readonly mailboxState?: StateChange;
    };

export interface SendContext {
  /** The mailbox sent from (`From:`). */
  readonly address: string;
  /** Who signed in over SMTP: the address itself, or a system mailbox's delegate. */
  readonly login: string;
}

const permanent = (error: SmtpError) => (error.responseCode ?? 500) >= 500;
const quoted = (error: SmtpError) => (error.serverText ? ` The server said: “${error.serverText}”.` : '');

/**
 * What to do after an SMTP failure (ms-identity-spec.md §15). An authentication failure arrives here
 * only after one forced token refresh was already tried.
 */
export const smtpVerdict = (error: SmtpError, ctx: SendContext): SendVerdict => {
  switch (error.code) {
    case 'smtp.auth_disabled':
      return {
        kind: 'failed',
        code: error.code,
        who: 'administrator',
        sendProblem: true,
        message: `Exchange does not allow SMTP sign-in (SMTP AUTH) for ${ctx.login} (535 5.7.139), so Mailroom cannot send from ${ctx.address}; reading mail still works. An Exchange administrator must enable it for the mailbox — Microsoft 365 admin center → Users → Active users → ${ctx.login} → Mail → Manage email apps → tick “Authenticated SMTP”, or in Exchange Online PowerShell: Set-CASMailbox -Identity ${ctx.login} -SmtpClientAuthenticationDisabled $false — and, if the whole organisation has it off, Set-TransportConfig -SmtpClientAuthenticationDisabled $false (Security defaults also block it). Then press Retry.`,
      };
    case 'smtp.auth_failed':
      return {
        kind: 'failed',
        code: error.code,
        who: 'mailbox_owner',
        message: `Exchange refused ${ctx.login}'s sign-in for sending even with a freshly refreshed token (535 5.7.3). The mailbox must be reconnected to Microsoft 365 (Mailboxes → Reconnect), then press Retry. If it keeps happening, the app registration may lack the SMTP.Send permission.`,
        mailboxState: {
          state: 'reconnect_required',
          code: error.code,
          message: `Exchange refused the mailbox's token for SMTP (535 5.7.3) after a refresh. Reconnect the mailbox; if it keeps happening, the app may lack the SMTP.Send permission.`,
        },
      };
    case 'smtp.send_as_denied':
      return {
        kind: 'failed',
        code: error.code,
        who: 'administrator',
        sendProblem: true,
        message: `${ctx.login} may not send as ${ctx.address} (554 5.2.252 SendAsDenied). An Exchange administrator must grant Send As — Exchange admin center → Recipients → Mailboxes → ${ctx.address} → Delegation → Send as → add ${ctx.login}, or in PowerShell: Add-RecipientPermission -Identity ${ctx.address} -Trustee ${ctx.login} -AccessRights SendAs — then press Retry. Nothing was delivered.`,
      };
    case 'smtp.recipient_rejected':
      if (!permanent(error))
        return {
          kind: 'retry',
          code: error.code,
          message: `The server put off ${error.recipient ?? 'a recipient'}.${quoted(error)}`,
        };
      return {
        kind: 'failed',
        code: error.code,
        who: 'sender',
        recipient: error.recipient,
        message: `The server refused the recipient ${error.recipient ?? '(unknown)'}${error.enhancedCode === '5.1.10' || error.enhancedCode === '5.1.1' ? ': there is no such mailbox' : ''}.${quoted(error)} Correct the address and send the message again; nothing was delivered.`,
      };
    case 'smtp.message_rejected':
      if (!permanent(error))
        return {
          kind: 'retry',
          code: error.code,
          message: `The server put the message off.${quoted(error)}`,
        };
      return {
        kind: 'failed',
        code: error.code,
        who: 'sender',
        message: `The server refused the message.${quoted(error)} Change it (size, attachments, recipients) and send it again.`,
      };
    case 'smtp.tls':
      return {
        kind: 'failed',
        code: error.code,
        who: 'administrator',
        message:
          'The SMTP server’s TLS certificate is not trusted. An administrator must check the mail server settings (or MAILROOM_EXTRA_CA_FILE), then press Retry.',
      };
    default:
      return {
        kind: 'retry',
        code: error.code,
        message: `The SMTP server could not be used (${error.code}).${quoted(error)}`,
      };
  }
};

/**
 * Failures that block every message from the mailbox until someone fixes them, while reading goes on:
 * stored on the mailbox (its page and an administrator's banner say what to fix), as SMTP's 5.7.139.
 */
const BLOCKS_SENDING: ReadonlySet<string> = new Set(['graph.send_as_denied', 'graph.consent_missing']);

/**
 * What to do after a failure of a transport without words of its own here (SMTP's are above): retry
 * what is transient, else fail it for whoever the failure names.
 */
export const transportVerdict = (error: MailTransportError): SendVerdict =>
  isTransient(error)
    ? { kind: 'retry', code: error.code, message: error.userMessage }
    : {
        kind: 'failed',
        code: error.code,
        who: error.whoMustAct === 'administrator' ? 'administrator' : 'mailbox_owner',
        message: `${error.userMessage} Then press Retry.`,
        ...(BLOCKS_SENDING.has(error.code) ? { sendProblem: true } : {}),
      };

/** The wait before attempt `attempts + 1`: `base`, then twice as long each time, at most an hour. */
export const backoffSeconds = (attempts: number, baseSeconds: number): number =>
  Math.min(baseSeconds * 2 ** Math.max(0, attempts - 1), 3600);
