import { ImapError } from '../../transports/imap-smtp/imap-error.ts';
import { grantHolderOf, usesApplication } from '../app-access.ts';
import { docsLink } from '../docs-link.ts';
import { openInbox } from '../imap-open.ts';
import type { DiagnoseStep, StepOutcome } from '../types.ts';
import { imapFailure } from './imap-login.ts';

/**
 * A system mailbox is read with its delegate's token and `user=` the shared address: IMAP sign-in, then
 * EXAMINE INBOX, which works only with FullAccess (Exchange: `BAD User is authenticated but not
 * connected.`, §13.3). A refused sign-in is the IMAP failure of the shared mailbox (IMAP switched off).
 * With application access, IMAP sign-in already opened the shared mailbox as the application, which
 * Exchange allows only with FullAccess for its service principal: reached, this link holds.
 */
export const fullAccess: DiagnoseStep = {
  id: 'full_access',
  title: 'IMAP and FullAccess to the system mailbox',
  docs: docsLink('full-access'),
  applies: (ctx) =>
    ctx.mailbox.kind === 'system' ? true : 'Only system mailboxes are opened by a delegate.',
  run: async (ctx): Promise<StepOutcome> => {
    const address = ctx.mailbox.address;
    const delegate = await grantHolderOf(ctx);
    if (usesApplication(ctx))
      return {
        status: 'ok',
        code: null,
        whoMustAct: null,
        message: `Mailroom’s application opened ${address}’s INBOX at IMAP sign-in: its service principal (${delegate}) has FullAccess. RBAC scopes do not cover IMAP; FullAccess is its only limit there.`,
        fix: null,
      };
    try {
      const count = await openInbox(ctx, address);
      return {
        status: 'ok',
        code: null,
        whoMustAct: null,
        message: `${delegate} opened ${address}’s INBOX over IMAP (${count} messages): FullAccess holds.`,
        fix: null,
      };
    } catch (error) {
      if (error instanceof ImapError && error.code === 'imap.not_connected')
        return {
          status: 'failed',
          code: error.code,
          serverText: error.serverText,
          whoMustAct: 'administrator',
          message: `${delegate} may not open ${address} (“User is authenticated but not connected.”): it has no FullAccess, or IMAP is switched off for ${address} — Exchange answers both alike.`,
          fix: `Add-MailboxPermission -Identity ${address} -User ${delegate} -AccessRights FullAccess -InheritanceType All (Exchange Online PowerShell), or Exchange admin center › Recipients › Mailboxes › ${address} › Delegation › Read and manage (Full Access). If Get-MailboxPermission -Identity ${address} -User ${delegate} already shows FullAccess, IMAP is off: Set-CASMailbox -Identity ${address} -ImapEnabled $true.`,
        };
      return imapFailure(error, address);
    }
  },
};
