import { MailboxTokenError } from '../mailboxes/access-token.ts';
import { classifyTokenFailure } from '../mailboxes/token-failure.ts';
import type { MailResource } from '../mailboxes/token-store.ts';
import { IdentityError } from '../microsoft/identity-error.ts';
import { type DocAnchor, docsLink } from './docs-link.ts';
import type { StepOutcome, WhoMustAct } from './types.ts';

const APP = 'Microsoft Entra admin center › App registrations › the app Mailroom uses';
const NEW_SECRET = `${APP} › Certificates & secrets › New client secret; paste its Value (not its Secret ID) in Mailroom › Microsoft 365 settings › Client secret`;

const API_PERMISSIONS: Record<MailResource, string> = {
  outlook: `${APP} › API permissions › Add a permission › APIs my organization uses › Office 365 Exchange Online › Delegated: IMAP.AccessAsUser.All and SMTP.Send › Grant admin consent; then Mailboxes › the mailbox › Reconnect and accept`,
  graph: `${APP} › API permissions › Add a permission › Microsoft Graph › Delegated: Mail.ReadWrite and Mail.Send (Mail.ReadWrite.Shared and Mail.Send.Shared for a system mailbox) › Grant admin consent; then Mailboxes › the mailbox › Reconnect and accept`,
};

interface Known {
  readonly who: WhoMustAct;
  readonly fix: (resource: MailResource, address: string) => string;
  readonly anchor: DocAnchor;
}

const reconnect = (_r: MailResource, address: string) => `Mailroom › Mailboxes › ${address} › Reconnect.`;

/** AADSTS codes a refresh meets (ms-identity-spec.md §15), with the change that makes them go away. */
const KNOWN: Record<number, Known> = {
  7000215: { who: 'administrator', fix: () => NEW_SECRET, anchor: 'aadsts7000215' },
  7000222: { who: 'administrator', fix: () => NEW_SECRET, anchor: 'aadsts7000222' },
  700016: {
    who: 'administrator',
    fix: () =>
      `Copy the Application (client) ID and Directory (tenant) ID from ${APP} › Overview into Mailroom › Microsoft 365 settings.`,
    anchor: 'aadsts700016',
  },
  65001: { who: 'user', fix: (r) => API_PERMISSIONS[r], anchor: 'aadsts65001' },
  50173: { who: 'user', fix: reconnect, anchor: 'aadsts50173' },
  700082: { who: 'user', fix: reconnect, anchor: 'aadsts700082' },
};

const WHO_BY_STATE = {
  reconnect_required: 'user',
  admin_action_required: 'administrator',
  retrying: 'microsoft',
} as const;

/** The token endpoint's refusal (a refresh, or the application's client credentials) as a failed step. */
export const identityFailure = (
  cause: IdentityError,
  resource: MailResource,
  address: string,
  fallbackMessage: string = cause.message,
): StepOutcome => {
  const change = classifyTokenFailure(cause);
  const aadsts = cause.microsoft?.aadsts ?? null;
  const known = aadsts !== null ? KNOWN[aadsts] : undefined;
  const who =
    known?.who ??
    (change.state in WHO_BY_STATE
      ? WHO_BY_STATE[change.state as keyof typeof WHO_BY_STATE]
      : 'administrator');
  return {
    status: 'failed',
    code: aadsts !== null ? `AADSTS${aadsts}` : (change.code ?? cause.code),
    whoMustAct: who,
    message: change.message ?? fallbackMessage,
    fix: known
      ? known.fix(resource, address)
      : who === 'user'
        ? reconnect(resource, address)
        : who === 'microsoft'
          ? 'Nothing to change: Mailroom tries again after the wait Microsoft asked for.'
          : 'Mailroom › Microsoft 365 settings › Check configuration, and the app registration in Microsoft Entra.',
    docs: docsLink(known?.anchor ?? 'token-refresh'),
  };
};

/** A refused token request as a failed step: the AADSTS code, who must act, and the exact fix. */
export const tokenFailure = (error: unknown, resource: MailResource, address: string): StepOutcome => {
  if (!(error instanceof MailboxTokenError)) throw error;
  if (error.cause instanceof IdentityError)
    return identityFailure(error.cause, resource, address, error.message);
  const who: WhoMustAct =
    error.code === 'mailbox.retry_later' || error.code === 'mailbox.refresh_busy' ? 'nobody' : 'user';
  return {
    status: 'failed',
    code: error.code,
    whoMustAct: who,
    message: error.message,
    fix: who === 'user' ? reconnect(resource, address) : 'Nothing to change: run Diagnose again in a minute.',
    docs: docsLink('token-refresh'),
  };
};
