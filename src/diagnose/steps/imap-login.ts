import { ImapError } from '../../transports/imap-smtp/imap-error.ts';
import { appImapOutcome, usesApplication } from '../app-access.ts';
import { docsLink } from '../docs-link.ts';
import { openInbox } from '../imap-open.ts';
import type { DiagnoseStep, StepOutcome } from '../types.ts';

/** An IMAP failure once the token is known to be right: what Exchange's answer then means, and the fix. */
export const imapFailure = (error: unknown, login: string): StepOutcome => {
  if (!(error instanceof ImapError)) throw error;
  const base = { status: 'failed' as const, code: error.code, serverText: error.serverText };
  switch (error.code) {
    case 'imap.auth_failed':
    case 'imap.token_expired':
      // The token step found IMAP.AccessAsUser.All and Exchange's audience in it: what is left is the mailbox.
      return {
        ...base,
        whoMustAct: 'administrator',
        message: `Exchange refused IMAP sign-in for ${login} with a token that carries IMAP.AccessAsUser.All: IMAP is switched off for the mailbox (or it has no Exchange Online licence).`,
        fix: `Set-CASMailbox -Identity ${login} -ImapEnabled $true (Exchange Online PowerShell), or Microsoft 365 admin center › Users › Active users › ${login} › Mail › Manage email apps › IMAP.`,
        docs: docsLink('imap-disabled'),
      };
    case 'imap.not_connected':
      // Exchange accepts the token, then refuses every command, when IMAP is off for the mailbox itself.
      return {
        ...base,
        whoMustAct: 'administrator',
        message: `Exchange accepted the token but will not open ${login} (“User is authenticated but not connected.”): IMAP is switched off for the mailbox (or it has no mailbox or Exchange Online licence).`,
        fix: `Set-CASMailbox -Identity ${login} -ImapEnabled $true (Exchange Online PowerShell); if IMAP is on, check in the Exchange admin center that ${login} has a mailbox and an Exchange Online licence.`,
        docs: docsLink('imap-disabled'),
      };
    case 'imap.tls':
      return {
        ...base,
        whoMustAct: 'administrator',
        message: 'The IMAP server’s TLS certificate is not trusted.',
        fix: 'Check the IMAP server on the Microsoft 365 settings page, or give its CA with MAILROOM_EXTRA_CA_FILE.',
      };
    default:
      return {
        ...base,
        whoMustAct: error.whoMustAct,
        message: `The IMAP server could not be used (${error.code}).`,
        fix: 'Nothing to change if it passes on another try: run Diagnose again in a minute.',
      };
  }
};

/**
 * IMAP sign-in with XOAUTH2 and EXAMINE INBOX, as the mailbox. A system mailbox is only ever opened as
 * itself with its delegate's token (never the delegate's own mailbox, whose IMAP setting Mailroom does not
 * depend on): that sign-in is the FullAccess step's. With application access, the application signs in
 * with `user=` the shared address: Exchange lets it only with its service principal and FullAccess, so
 * this is where a missing service principal (or FullAccess) shows.
 */
export const imapLogin: DiagnoseStep = {
  id: 'imap_login',
  title: 'IMAP sign-in and INBOX',
  docs: docsLink('imap-login'),
  applies: (ctx) =>
    ctx.mailbox.kind === 'user' || usesApplication(ctx)
      ? true
      : 'A system mailbox is opened with its delegate’s token: see IMAP and FullAccess to the system mailbox.',
  run: async (ctx) => {
    const login = ctx.mailbox.address;
    try {
      const count = await openInbox(ctx, login);
      return {
        status: 'ok',
        code: null,
        whoMustAct: null,
        message: usesApplication(ctx)
          ? `Mailroom’s application signed in to IMAP as ${login} and opened INBOX (${count} messages): its Exchange service principal exists and has FullAccess.`
          : `Signed in to IMAP as ${login} and opened INBOX (${count} messages).`,
        fix: null,
      };
    } catch (error) {
      const app = usesApplication(ctx) ? await appImapOutcome(ctx, error) : null;
      if (app) return app;
      return imapFailure(error, login);
    }
  },
};
