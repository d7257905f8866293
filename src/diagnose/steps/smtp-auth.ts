import { SmtpError } from '../../transports/imap-smtp/smtp-error.ts';
import { smtpLoginOf, verifySmtp } from '../../transports/imap-smtp/smtp-session.ts';
import { appSmtpOutcome, usesApplication } from '../app-access.ts';
import { docsLink } from '../docs-link.ts';
import type { DiagnoseStep, StepOutcome } from '../types.ts';

const TIMEOUT_MS = 20_000;

const smtpFailure = (error: unknown, login: string, auto: boolean): StepOutcome => {
  if (!(error instanceof SmtpError)) throw error;
  const base = {
    status: 'failed' as const,
    code: error.enhancedCode ?? error.code,
    serverText: error.serverText,
  };
  switch (error.code) {
    case 'smtp.auth_disabled':
      return {
        ...base,
        whoMustAct: 'administrator',
        message: `Exchange has SMTP AUTH switched off for ${login} or for the whole organisation (535 5.7.139).${auto ? ' On Automatic, Mailroom sends through Microsoft Graph at the next message instead.' : ''}`,
        fix: `Set-CASMailbox -Identity ${login} -SmtpClientAuthenticationDisabled $false (this mailbox), or for the whole organisation Set-TransportConfig -SmtpClientAuthenticationDisabled $false; or choose Microsoft Graph under Reach this mailbox through on the mailbox page.`,
        docs: docsLink('smtp-auth-disabled'),
      };
    case 'smtp.auth_failed':
      return {
        ...base,
        whoMustAct: 'administrator',
        message: `Exchange refused SMTP sign-in for ${login} with a token that carries SMTP.Send (535 5.7.3): the account may not sign in over SMTP.`,
        fix: `Check that ${login} has an Exchange Online licence and is enabled (Microsoft 365 admin center › Users › Active users), then Mailboxes › the mailbox › Reconnect.`,
      };
    case 'smtp.tls':
      return {
        ...base,
        whoMustAct: 'administrator',
        message: 'The SMTP server’s TLS certificate is not trusted, or it offers no STARTTLS.',
        fix: 'Check the SMTP server on the Microsoft 365 settings page, or give its CA with MAILROOM_EXTRA_CA_FILE.',
      };
    default:
      return {
        ...base,
        whoMustAct: error.whoMustAct,
        message: `The SMTP server could not be used (${error.code}).`,
        fix: 'Nothing to change if it passes on another try: run Diagnose again in a minute.',
      };
  }
};

/**
 * EHLO, STARTTLS and AUTH XOAUTH2 as the sending account (with application access, `user=` the shared
 * address); no MAIL FROM, nothing sent.
 */
export const smtpAuth: DiagnoseStep = {
  id: 'smtp_auth',
  title: 'SMTP EHLO and AUTH',
  docs: docsLink('smtp-auth'),
  applies: (ctx) => (ctx.plan.smtp ? true : 'The mailbox sends through Microsoft Graph, not SMTP.'),
  run: async (ctx) => {
    const login = usesApplication(ctx) ? ctx.mailbox.address : smtpLoginOf(ctx.mailbox);
    const token = ctx.tokens.get('outlook')?.token;
    if (!token || !ctx.servers) throw new Error('the token and settings steps run before SMTP');
    try {
      await verifySmtp(ctx.servers, { user: login, accessToken: token }, { timeoutMs: TIMEOUT_MS });
    } catch (error) {
      const app = usesApplication(ctx) ? await appSmtpOutcome(ctx, error) : null;
      if (app) return app;
      return smtpFailure(error, login, ctx.mailbox.sending.via === 'auto');
    }
    return {
      status: 'ok',
      code: null,
      whoMustAct: null,
      message: `${ctx.servers.smtp.host} accepted AUTH XOAUTH2 for ${login}; nothing was sent.`,
      fix: null,
    };
  },
};
