import type { Context } from 'hono';
import type { EmulatorContext } from '../context.ts';
import { insideScope, type ScopedAction } from '../exchange/rbac.ts';
import { type AccessTokenClaims, isGraphAudience, verifyAccessToken } from '../identity/tokens.ts';
import { findMailbox, findUserByLogin, mailboxOfUser } from '../state/directory.ts';
import type { Mailbox, User } from '../state/model.ts';
import { takeSlot } from './concurrency.ts';
import { accessDenied, ConnectionDrop, GraphError, TEXT } from './errors.ts';
import type { GraphFault, GraphMailState } from './state.ts';

export type MailAccessKind = 'read' | 'write' | 'send';

/** Who calls, and the mailbox the path names, after every check of graph-mail-spec.md §1. */
export interface MailTarget {
  readonly claims: AccessTokenClaims;
  /** `null` for an app-only token. */
  readonly user: User | null;
  readonly mailbox: Mailbox;
  /** The mailbox is the caller's own (delegated) rather than reached through a grant or an app role. */
  readonly own: boolean;
}

/** Delegated scopes that allow each kind of access to the caller's own mailbox, and to someone else's. */
const DELEGATED: Record<MailAccessKind, { own: readonly string[]; other: readonly string[] }> = {
  read: {
    own: ['Mail.Read', 'Mail.ReadWrite', 'Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
    other: ['Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  },
  write: { own: ['Mail.ReadWrite', 'Mail.ReadWrite.Shared'], other: ['Mail.ReadWrite.Shared'] },
  send: { own: ['Mail.Send', 'Mail.Send.Shared'], other: ['Mail.Send.Shared'] },
};

const APPLICATION: Record<MailAccessKind, readonly string[]> = {
  read: ['Mail.Read', 'Mail.ReadWrite'],
  write: ['Mail.ReadWrite'],
  send: ['Mail.Send'],
};

const unauthenticated = (message: string) => new GraphError(401, 'InvalidAuthenticationToken', message);

/** Signature, lifetime, then audience: an Outlook token is "Invalid audience" (graph-mail-spec.md §1). */
export const bearerClaims = async (ctx: EmulatorContext, c: Context): Promise<AccessTokenClaims> => {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  if (!match) throw unauthenticated('Access token is empty.');
  const check = await verifyAccessToken(ctx, match[1]!);
  if (!check.ok) {
    if (check.reason === 'expired' || check.reason === 'not_yet_valid')
      throw unauthenticated('Access token has expired or is not yet valid.');
    throw unauthenticated('Access token validation failure.');
  }
  if (!isGraphAudience(check.claims.aud))
    throw unauthenticated('Access token validation failure. Invalid audience.');
  return check.claims;
};

const invalidUser = (name: string) =>
  new GraphError(404, 'ErrorInvalidUser', `The requested user '${name}' is invalid.`);

/** `/users/{id | userPrincipalName}`: a user's object id or UPN, or a (shared) mailbox's address. */
const mailboxNamed = (ctx: EmulatorContext, name: string): Mailbox | undefined => {
  const byOid = ctx.dir.users.get(name);
  if (byOid) return mailboxOfUser(ctx.dir, byOid);
  const mailbox = findMailbox(ctx.dir, name);
  if (mailbox) return mailbox;
  const user = findUserByLogin(ctx.dir, name);
  return user ? mailboxOfUser(ctx.dir, user) : undefined;
};

const targetMailbox = (
  ctx: EmulatorContext,
  claims: AccessTokenClaims,
  user: User | null,
  name: string | null,
) => {
  if (name === null) {
    if (!user)
      throw new GraphError(
        400,
        'BadRequest',
        '/me request is only valid with delegated authentication flow.',
      );
    const own = mailboxOfUser(ctx.dir, user);
    if (!own) throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', TEXT.restDisabled);
    return own;
  }
  const mailbox = mailboxNamed(ctx, name);
  if (!mailbox || mailbox.tenantId !== claims.tid) throw invalidUser(name);
  return mailbox;
};

/** RBAC for Applications: an assigned scope limits Graph (app-only-spec.md §2, row 23 of §5). */
const SCOPED: Record<MailAccessKind, ScopedAction> = {
  read: 'graph_read',
  write: 'graph_write',
  send: 'graph_send',
};

const checkPermission = (ctx: EmulatorContext, target: MailTarget, kind: MailAccessKind): void => {
  const { claims, user, mailbox, own } = target;
  if (!user) {
    if (!(claims.roles ?? []).some((r) => APPLICATION[kind].includes(r))) throw accessDenied();
    if (!insideScope(ctx.dir, claims.tid, claims.appid, SCOPED[kind], mailbox.address)) throw accessDenied();
    return;
  }
  const scopes = (claims.scp ?? '').split(' ');
  const needed = own ? DELEGATED[kind].own : DELEGATED[kind].other;
  if (!scopes.some((s) => needed.includes(s))) throw accessDenied();
  // Reading or changing someone else's mailbox needs FullAccess; sending as it is checked against Send As.
  if (!own && kind !== 'send' && !mailbox.fullAccess.includes(user.oid)) throw accessDenied();
};

/** Consumes one use of the mailbox's injected fault if it is of `mode`. */
export const takeFault = (state: GraphMailState, mailbox: string, mode: GraphFault['mode']): boolean => {
  const fault = state.faults.get(mailbox);
  if (!fault || fault.mode !== mode) return false;
  fault.remaining -= 1;
  if (fault.remaining <= 0) state.faults.delete(mailbox);
  return true;
};

/** Per-mailbox switches of the control API: REST off, then injected throttling (graph-mail-spec.md §6, §7). */
const checkSwitches = (state: GraphMailState, mailbox: Mailbox): void => {
  if (state.restDisabled.has(mailbox.address))
    throw new GraphError(state.settings.restDisabledStatus, 'MailboxNotEnabledForRESTAPI', TEXT.restDisabled);
  if (takeFault(state, mailbox.address, 'drop_connection')) throw new ConnectionDrop();
  const throttle = state.throttles.get(mailbox.address);
  if (!throttle) return;
  throttle.remaining -= 1;
  if (throttle.remaining <= 0) state.throttles.delete(mailbox.address);
  const headers: Record<string, string> =
    throttle.retryAfterSeconds === null ? {} : { 'Retry-After': String(throttle.retryAfterSeconds) };
  if (throttle.status === 503)
    throw new GraphError(503, 'serviceNotAvailable', TEXT.serviceUnavailable, headers);
  const message = throttle.code === 'TooManyRequests' ? TEXT.tooManyRequests : TEXT.mailboxConcurrency;
  throw new GraphError(
    429,
    throttle.code === 'TooManyRequests' ? 'TooManyRequests' : 'ApplicationThrottled',
    message,
    headers,
  );
};

/** Authenticates the request and decides whether it may do `kind` to the mailbox its path names. */
export const mailTarget = async (
  ctx: EmulatorContext,
  state: GraphMailState,
  c: Context,
  kind: MailAccessKind,
): Promise<MailTarget> => {
  const claims = await bearerClaims(ctx, c);
  const user = claims.idtyp === 'user' ? (ctx.dir.users.get(claims.oid ?? '') ?? null) : null;
  if (claims.idtyp === 'user' && (!user || user.disabled))
    throw unauthenticated('Access token validation failure.');
  const name = c.req.param('user') ?? null;
  const mailbox = targetMailbox(ctx, claims, user, name === null ? null : decodeURIComponent(name));
  const target: MailTarget = { claims, user, mailbox, own: user !== null && mailbox.ownerOid === user.oid };
  checkPermission(ctx, target, kind);
  checkSwitches(state, mailbox);
  takeSlot(state, c.req.raw, claims, mailbox.address);
  return target;
};
