import type { ImapError } from '../../transports/imap-smtp/imap-error.ts';
import type { SmtpError } from '../../transports/imap-smtp/smtp-error.ts';
import type { StateChange } from '../repository.ts';

// What Exchange's answers mean for a mailbox reached with application access (app-only-spec.md §1, §5), in
// words for the Exchange administrator who must act. Exchange gives no reason at AUTH time, so each sentence
// lists the causes in the order they are most often missed, each with its PowerShell line.

const SP = '<service principal object id>';

/** IMAP: a refused login (service principal, FullAccess, IMAP off) or "authenticated but not connected". */
export const appImapFailure = (error: ImapError, address: string): StateChange | null => {
  switch (error.code) {
    case 'imap.not_connected':
      return {
        state: 'admin_action_required',
        code: 'app_access.full_access_missing',
        message: `Exchange let Mailroom's application sign in but not open ${address} (“User is authenticated but not connected.”): its Exchange service principal has no FullAccess to the mailbox. An Exchange administrator must run Add-MailboxPermission -Identity ${address} -User ${SP} -AccessRights FullAccess (RBAC scopes do not cover IMAP: FullAccess is the only grant that counts here).`,
      };
    case 'imap.auth_failed':
    case 'imap.token_expired':
      return {
        state: 'admin_action_required',
        code: 'app_access.imap_refused',
        message: `Exchange refused Mailroom's application for ${address} over IMAP (NO AUTHENTICATE failed) although its token carries IMAP.AccessAsApp. An Exchange administrator must check, in this order: the Exchange service principal exists and was created with the Enterprise application's object id — New-ServicePrincipal -AppId <client id> -ObjectId <Enterprise application object id> (not the app registration's object id; Get-ServicePrincipal shows it); it has FullAccess — Add-MailboxPermission -Identity ${address} -User ${SP} -AccessRights FullAccess; IMAP is on for the mailbox — Set-CASMailbox ${address} -ImapEnabled $true.`,
      };
    default:
      return null;
  }
};

/** SMTP: 535 5.7.3 (service principal, Send As or FullAccess, RBAC scope) and 554 5.2.252 (Send As). */
export const appSmtpFailure = (
  error: SmtpError,
  address: string,
): { code: string; message: string } | null => {
  switch (error.code) {
    case 'smtp.auth_failed':
      return {
        code: 'app_access.smtp_refused',
        message: `Exchange refused Mailroom's application for sending from ${address} (535 5.7.3 Authentication unsuccessful) although its token carries SMTP.SendAsApp. An Exchange administrator must check: the mailbox is inside the RBAC for Applications scope assigned to the app — Test-ServicePrincipalAuthorization -Identity ${SP} -Resource ${address} must say InScope True, else add it to the scope's group (or filter) used by New-ManagementScope; the service principal exists with the Enterprise application's object id (New-ServicePrincipal); it has Send As — Add-RecipientPermission -Identity ${address} -Trustee ${SP} -AccessRights SendAs. Nothing was sent.`,
      };
    case 'smtp.send_as_denied':
      return {
        code: 'app_access.send_as_missing',
        message: `Exchange did not let Mailroom's application send as ${address} (554 5.2.252 SendAsDenied). An Exchange administrator must run Add-RecipientPermission -Identity ${address} -Trustee ${SP} -AccessRights SendAs. Nothing was delivered.`,
      };
    default:
      return null;
  }
};
