import type { GraphErrorCode, WhoMustAct } from './graph-error.ts';

/** The delegated Graph permission an operation needs (graph-mail-spec.md §1). */
export type GraphPermission = 'Mail.Read' | 'Mail.ReadWrite' | 'Mail.Send';

/** What the failed request was for: enough to tell the right person what to do. */
export interface GraphErrorContext {
  /** `me`, or the address of another (shared, system) mailbox reached through `/users/{address}`. */
  readonly mailbox: string;
  /** The permission the operation needs; null when none is specific to it. */
  readonly permission: GraphPermission | null;
}

export interface Advice {
  readonly who: WhoMustAct;
  readonly message: string;
}

const ENTRA_PATH =
  'Microsoft Entra admin center → App registrations → the app Mailroom signs in with → API permissions';

const whose = (ctx: GraphErrorContext) =>
  ctx.mailbox === 'me' ? 'the connected mailbox' : `the mailbox ${ctx.mailbox}`;

/** Another person's mailbox needs the `.Shared` form of a delegated permission (§1). */
const permissionFor = (ctx: GraphErrorContext): string => {
  const base = ctx.permission ?? 'Mail.ReadWrite';
  return ctx.mailbox === 'me' ? base : `${base}.Shared`;
};

const accessDenied = (ctx: GraphErrorContext): string => {
  const permission = permissionFor(ctx);
  const grant =
    ctx.mailbox === 'me'
      ? ''
      : ` The signed-in account also needs FullAccess to ${ctx.mailbox} in Exchange (Add-MailboxPermission -Identity ${ctx.mailbox} -User <account> -AccessRights FullAccess).`;
  return `Microsoft Graph refused access to ${whose(ctx)} (ErrorAccessDenied). An administrator must add the delegated Microsoft Graph permission ${permission} in ${ENTRA_PATH} → Add a permission → Microsoft Graph → Delegated, grant admin consent (or Grant admin consent for Microsoft Graph on Mailroom’s Microsoft 365 settings page), and then whoever manages the mailbox presses “Allow Mailroom to use Microsoft Graph” on its page in Mailroom.${grant} If the permission is there, an Exchange application access policy or RBAC scope may exclude this mailbox.`;
};

/**
 * `ErrorSendAsDenied` (graph-mail-spec.md §1): who must act (an Exchange administrator) and the exact fix
 * for this mailbox and its delegate, when they are known.
 */
export const sendAsDeniedMessage = (address: string, delegate: string | null): string => {
  const trustee = delegate ?? '<the account that connected the mailbox>';
  return `${delegate ?? 'The signed-in account'} may not send as ${address} through Microsoft Graph (ErrorSendAsDenied); nothing was sent. An Exchange administrator must grant ${trustee} Send As on ${address}: Exchange admin center → Recipients → Mailboxes → ${address} → Delegation → Send as → add ${trustee}, or in Exchange Online PowerShell: Add-RecipientPermission -Identity ${address} -Trustee ${trustee} -AccessRights SendAs. Sending through /users/${address} also needs FullAccess and the delegated permission Mail.Send.Shared.`;
};

const ADVICE: Record<GraphErrorCode, (ctx: GraphErrorContext, status: number | null) => Advice> = {
  'graph.invalid_token': () => ({
    who: 'user',
    message:
      'Microsoft Graph refused the mailbox’s token even after a refresh (InvalidAuthenticationToken). The mailbox’s owner (an administrator for a system mailbox) must reconnect it (Mailboxes → Reconnect) and then press “Allow Mailroom to use Microsoft Graph” on its page.',
  }),
  'graph.access_denied': (ctx) => ({ who: 'administrator', message: accessDenied(ctx) }),
  'graph.send_as_denied': (ctx) => ({
    who: 'administrator',
    message: sendAsDeniedMessage(ctx.mailbox === 'me' ? 'this address' : ctx.mailbox, null),
  }),
  'graph.mailbox_not_enabled': (ctx) => ({
    who: 'administrator',
    message: `Microsoft Graph cannot reach ${whose(ctx)} (MailboxNotEnabledForRESTAPI): it is inactive, soft-deleted, hosted on-premises or has no Exchange Online licence. An administrator must give it an Exchange Online licence in the Microsoft 365 admin center, or set the mailbox to use IMAP and SMTP.`,
  }),
  'graph.throttled': () => ({
    who: 'nobody',
    message:
      'Microsoft Graph is throttling Mailroom (429, MailboxConcurrency or request rate); Mailroom waits as Microsoft asks and tries again by itself.',
  }),
  'graph.unavailable': (_ctx, status) => ({
    who: 'microsoft',
    message: `Microsoft Graph is unavailable for now (${status ?? 503}); Mailroom tries again by itself. Nothing needs to change in Mailroom or the tenant.`,
  }),
  'graph.item_not_found': () => ({
    who: 'nobody',
    message:
      'The message or folder is no longer in the mailbox (ErrorItemNotFound): it was deleted or moved. Mailroom drops it at the next sync.',
  }),
  'graph.sync_state_not_found': () => ({
    who: 'nobody',
    message:
      'Microsoft Graph no longer knows where the last sync of this folder stopped (410 SyncStateNotFound); Mailroom syncs the folder again from the start, without duplicates.',
  }),
  'graph.quota_exceeded': (ctx) => ({
    who: 'user',
    message: `${ctx.mailbox === 'me' ? 'The mailbox' : ctx.mailbox} is full (ErrorQuotaExceeded). Delete or archive mail (and empty Deleted Items), or ask an administrator for a larger quota.`,
  }),
  'graph.message_too_large': () => ({
    who: 'user',
    message:
      'The message is larger than Microsoft 365 accepts (ErrorMessageSizeExceeded); nothing was sent. Make the attachments smaller or share large files as links, then send again.',
  }),
  'graph.invalid_recipients': () => ({
    who: 'user',
    message:
      'Microsoft 365 refused at least one recipient (ErrorInvalidRecipients); nothing was sent. Correct the addresses and send again.',
  }),
  'graph.request_rejected': (_ctx, status) => ({
    who: 'administrator',
    message: `Microsoft Graph refused Mailroom’s request as malformed (${status ?? 400}). This is a fault in Mailroom: an administrator should report it with the request id below.`,
  }),
  'graph.unknown': (ctx, status) =>
    status !== null && status >= 500
      ? { who: 'microsoft', message: `Microsoft Graph failed (${status}); Mailroom tries again by itself.` }
      : status === 403
        ? { who: 'administrator', message: accessDenied(ctx) }
        : {
            who: 'administrator',
            message: `Microsoft Graph answered ${status ?? 'an error'} with a code Mailroom does not know. An administrator should look at the logged Graph code and request id.`,
          },
  'graph.unreachable': () => ({
    who: 'nobody',
    message:
      'Mailroom could not reach Microsoft Graph; it tries again by itself. If this lasts, an administrator should check that this server can reach the Microsoft Graph host.',
  }),
  'graph.timeout': () => ({
    who: 'microsoft',
    message: 'Microsoft Graph did not answer in time; Mailroom tries again by itself.',
  }),
  'graph.tls': () => ({
    who: 'administrator',
    message:
      'The Microsoft Graph host’s TLS certificate is not trusted. An administrator must check the Microsoft settings (authority host) or MAILROOM_EXTRA_CA_FILE.',
  }),
  'graph.too_large': () => ({
    who: 'nobody',
    message: 'Microsoft Graph answered with more data than Mailroom accepts for one answer; it was not read.',
  }),
  'graph.protocol': () => ({
    who: 'microsoft',
    message: 'Microsoft Graph answered something Mailroom could not read; Mailroom tries again later.',
  }),
  'graph.aborted': () => ({ who: 'nobody', message: 'The Microsoft Graph request was cancelled.' }),
};

export const adviceFor = (code: GraphErrorCode, status: number | null, ctx: GraphErrorContext): Advice =>
  ADVICE[code](ctx, status);
