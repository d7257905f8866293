import { loadAppAccessSettings } from '../mailboxes/app-access/app-access-settings.ts';
import { AppTokenError, getAppToken } from '../mailboxes/app-access/app-token.ts';
import { consentProblem, NEEDED_ROLES } from '../mailboxes/app-access/consent.ts';
import { appImapFailure, appSmtpFailure } from '../mailboxes/app-access/explain-failure.ts';
import { fullAccessLine, newServicePrincipalLine, sendAsLine } from '../mailboxes/app-access/powershell.ts';
import type { MailResource } from '../mailboxes/token-store.ts';
import { IdentityError } from '../microsoft/identity-error.ts';
import { ImapError } from '../transports/imap-smtp/imap-error.ts';
import { SmtpError } from '../transports/imap-smtp/smtp-error.ts';
import { verifySmtp } from '../transports/imap-smtp/smtp-session.ts';
import { docsLink } from './docs-link.ts';
import { identityFailure } from './token-failure-advice.ts';
import type { DiagnoseContext, StepOutcome } from './types.ts';

// Diagnose for a system mailbox with application access (issue 14 §1): the tenant's client-credentials
// token with its `roles`, and Exchange's answers read as app-access/explain-failure.ts reads them, with the
// PowerShell lines of app-access/powershell.ts filled in with this installation's ids.

const ENTRA_APP = 'Microsoft Entra admin center › App registrations › the app Mailroom uses';

/** The mailbox is reached as the application (client credentials), not with a person's token. */
export const usesApplication = (ctx: Pick<DiagnoseContext, 'mailbox'>): boolean =>
  ctx.mailbox.kind === 'system' && ctx.mailbox.access === 'application';

/** The application roles the mailbox's use needs: IMAP always, SMTP when it sends over SMTP; Graph's mail roles. */
export const neededRoles = (ctx: Pick<DiagnoseContext, 'plan'>, resource: MailResource): string[] =>
  resource === 'outlook'
    ? ['IMAP.AccessAsApp', ...(ctx.plan.smtp ? ['SMTP.SendAsApp'] : [])]
    : [...NEEDED_ROLES.graph];

/** The ids the PowerShell lines need: the client id, and the Enterprise application's object id as entered. */
const principalOf = async (ctx: DiagnoseContext) => {
  const settings = await loadAppAccessSettings(ctx.deps.db);
  return {
    appId: ctx.settings?.clientId ?? '<Application (client) ID>',
    objectId: settings.enterpriseObjectId ?? '<Enterprise application Object ID>',
  };
};

/** The Entra change for missing application roles (admin consent). */
export const rolesFix = (resource: MailResource, missing: readonly string[]): string =>
  `${ENTRA_APP} › API permissions › Add a permission › ${resource === 'outlook' ? 'APIs my organization uses › Office 365 Exchange Online' : 'Microsoft Graph'} › Application permissions: ${missing.join(', ')} › Grant admin consent (a Global Administrator or Privileged Role Administrator).`;

/** Why the app token's roles fall short, in app-access's words (no roles at all: admin consent was never granted). */
export const rolesMessage = (resource: MailResource, roles: readonly string[], missing: readonly string[]) =>
  consentProblem(resource, roles)?.split(' A Global Administrator')[0] ??
  `Mailroom's application token lacks ${missing.join(' and ')}.`;

/**
 * The tenant's application token for `resource` (the one every mailbox with application access shares,
 * renewed now unless another mailbox just did), or the failed step saying why there is none.
 */
export const applicationToken = async (
  ctx: DiagnoseContext,
  resource: MailResource,
): Promise<{ token: string } | { outcome: StepOutcome }> => {
  try {
    return { token: (await getAppToken(ctx.deps, resource, { force: true })).accessToken };
  } catch (error) {
    if (error instanceof IdentityError)
      return { outcome: identityFailure(error, resource, ctx.mailbox.address) };
    if (!(error instanceof AppTokenError)) throw error;
    return {
      outcome: {
        status: 'failed',
        code: error.code,
        whoMustAct: error.code === 'app_access.busy' ? 'nobody' : 'administrator',
        message: error.message,
        fix:
          error.code === 'app_access.busy'
            ? 'Nothing to change: run Diagnose again in a minute.'
            : `Mailroom › Microsoft 365 settings: enter the Directory (tenant) ID from ${ENTRA_APP} › Overview.`,
        docs: docsLink('settings-incomplete'),
      },
    };
  }
};

/**
 * Signing in over SMTP as the shared address tells "Exchange does not know the application" (both
 * protocols refuse) from "IMAP is off for this mailbox" (SMTP accepts). Nothing is sent. Null when SMTP
 * cannot tell (the token has no SMTP.SendAsApp, or SMTP failed otherwise).
 */
const smtpAccepts = async (ctx: DiagnoseContext, token: string): Promise<boolean | null> => {
  if (!ctx.plan.smtp || !ctx.servers) return null;
  try {
    await verifySmtp(ctx.servers, { user: ctx.mailbox.address, accessToken: token }, { timeoutMs: 20_000 });
    return true;
  } catch (error) {
    if (!(error instanceof SmtpError)) throw error;
    return error.code === 'smtp.auth_failed' ? false : null;
  }
};

/** IMAP as the application with `user=` the shared address failed: FullAccess, the service principal, or IMAP off. */
export const appImapOutcome = async (ctx: DiagnoseContext, error: unknown): Promise<StepOutcome | null> => {
  if (!(error instanceof ImapError)) return null;
  const address = ctx.mailbox.address;
  const change = appImapFailure(error, address);
  if (!change) return null;
  const { appId, objectId } = await principalOf(ctx);
  const base = {
    status: 'failed' as const,
    serverText: error.serverText,
    whoMustAct: 'administrator' as const,
  };
  if (error.code === 'imap.not_connected')
    return {
      ...base,
      code: change.code,
      message: change.message ?? '',
      fix: `${fullAccessLine(address, objectId)} (Exchange Online PowerShell; RBAC scopes do not cover IMAP). If Get-MailboxPermission -Identity '${address}' already shows FullAccess for it, IMAP is off: Set-CASMailbox -Identity ${address} -ImapEnabled $true.`,
      docs: docsLink('full-access'),
    };
  const token = ctx.tokens.get('outlook')?.token;
  const smtp = token ? await smtpAccepts(ctx, token) : null;
  if (smtp === true)
    return {
      ...base,
      code: error.code,
      message: `Exchange refused Mailroom's application over IMAP for ${address} but accepted it over SMTP: its service principal is known, so IMAP is switched off for the mailbox.`,
      fix: `Set-CASMailbox -Identity ${address} -ImapEnabled $true (Exchange Online PowerShell).`,
      docs: docsLink('imap-disabled'),
    };
  const spFix = `${newServicePrincipalLine(appId, objectId)} (Exchange Online PowerShell, with the Object ID of Microsoft Entra admin center › Enterprise applications › Mailroom › Overview, not the one on App registrations; first Get-ServicePrincipal | Where-Object AppId -eq ${appId} and Remove-ServicePrincipal one created with another object id); then ${fullAccessLine(address, objectId)}`;
  if (smtp === false)
    return {
      ...base,
      code: 'app_access.service_principal_missing',
      message: `Exchange refused Mailroom's application for ${address} over IMAP (NO AUTHENTICATE failed) and over SMTP (535 5.7.3), although its token carries IMAP.AccessAsApp and SMTP.SendAsApp: Exchange does not know the application. Its Exchange service principal is missing, or was created with the app registration's object id instead of the Enterprise application's.`,
      fix: spFix,
    };
  return {
    ...base,
    code: change.code,
    message: change.message ?? '',
    fix: `${spFix}; and Set-CASMailbox -Identity ${address} -ImapEnabled $true.`,
  };
};

/** SMTP AUTH as the application refused: the RBAC scope, the service principal, or Send As. */
export const appSmtpOutcome = async (ctx: DiagnoseContext, error: unknown): Promise<StepOutcome | null> => {
  if (!(error instanceof SmtpError)) return null;
  const address = ctx.mailbox.address;
  const app = appSmtpFailure(error, address);
  if (!app) return null;
  const { objectId } = await principalOf(ctx);
  return {
    status: 'failed',
    code: app.code,
    serverText: error.serverText,
    whoMustAct: 'administrator',
    message: app.message,
    fix: `${sendAsLine(address, objectId)}; and Test-ServicePrincipalAuthorization -Identity ${objectId} -Resource '${address}' must say InScope True (Exchange Online PowerShell).`,
    docs: docsLink(error.code === 'smtp.send_as_denied' ? 'send-as' : 'smtp-auth'),
  };
};

/** Who holds the grants of an application-access mailbox: its Exchange service principal. */
export const grantHolderOf = async (ctx: DiagnoseContext): Promise<string> =>
  usesApplication(ctx)
    ? (await principalOf(ctx)).objectId
    : (ctx.mailbox.account?.upn ?? 'the connected account');
