import type { EmulatorContext } from '../context.ts';
import { EXCHANGE_AUDIENCES, IMAP_SCOPE, SMTP_SCOPE } from '../identity/resources.ts';
import { type AccessTokenClaims, verifyAccessToken } from '../identity/tokens.ts';
import { findMailbox, mailboxOfUser } from '../state/directory.ts';
import type { Mailbox } from '../state/model.ts';
import { authorizeAppLogin } from './app-login.ts';

export type MailProtocol = 'imap' | 'smtp';

export type MailAccess =
  | {
      readonly ok: true;
      readonly mailbox: Mailbox;
      readonly claims: AccessTokenClaims;
      readonly principal: string;
      /** App-only: the app id, so Send As may name the app or its service principal. */
      readonly appId?: string;
    }
  | {
      readonly ok: false;
      /**
       * `token_rejected`: IMAP `NO AUTHENTICATE failed.` / SMTP `535 5.7.3`.
       * `not_connected`: the token is fine but its principal has no right to the mailbox
       * (IMAP `BAD User is authenticated but not connected.`).
       * `smtp_auth_disabled`: SMTP `535 5.7.139`.
       */
      readonly failure: 'token_rejected' | 'not_connected' | 'smtp_auth_disabled';
      readonly detail: string;
      readonly claims?: AccessTokenClaims;
    };

export const reject = (detail: string): MailAccess => ({ ok: false, failure: 'token_rejected', detail });

/**
 * Decides what Exchange Online would do with an XOAUTH2 login: `user=` (the mailbox) and the bearer token.
 * Rules: ms-identity-spec.md §12.2 (delegated, shared mailboxes via FullAccess), §12.3 (app-only), §13.
 */
export const authorizeMailLogin = async (
  ctx: EmulatorContext,
  protocol: MailProtocol,
  userParam: string,
  token: string,
): Promise<MailAccess> => {
  const check = await verifyAccessToken(ctx, token);
  if (!check.ok) return reject(`token ${check.reason}`);
  const { claims } = check;
  if (!EXCHANGE_AUDIENCES.includes(claims.aud))
    return reject(`audience ${claims.aud} is not Exchange Online`);
  const tenant = ctx.dir.tenants.get(claims.tid);
  if (!tenant) return reject('tenant unknown');

  if (claims.idtyp === 'app') return authorizeAppLogin(ctx, protocol, userParam, claims);
  const needed = protocol === 'imap' ? IMAP_SCOPE : SMTP_SCOPE;
  if (!(claims.scp ?? '').split(' ').includes(needed)) return reject(`token lacks ${needed}`);
  const user = ctx.dir.users.get(claims.oid ?? '');
  if (!user || user.disabled) return reject('user unknown or disabled');

  const mailbox =
    findMailbox(ctx.dir, userParam) ??
    (user && user.upn === userParam.trim().toLowerCase() ? mailboxOfUser(ctx.dir, user) : undefined);

  if (protocol === 'smtp') {
    const smtpEnabled = mailbox?.smtpAuthEnabled ?? tenant.smtpAuthEnabled;
    if (!smtpEnabled)
      return { ok: false, failure: 'smtp_auth_disabled', detail: 'SMTP AUTH disabled', claims };
  }
  // Exchange accepts the token and then refuses every mailbox command (`BAD User is authenticated but not
  // connected.`) when IMAP is switched off for the mailbox (Set-CASMailbox -ImapEnabled $false).
  if (protocol === 'imap' && mailbox && !mailbox.imapEnabled)
    return { ok: false, failure: 'not_connected', detail: 'IMAP disabled for the mailbox', claims };

  const principal = user.oid;
  // SMTP AUTH signs in as the token's own user; a shared mailbox is sent from with `From:` and Send As
  // (anchors.md pain point 7). Exchange answers a delegate's login as the shared address with 535 5.7.3.
  if (protocol === 'smtp' && mailbox && mailbox.ownerOid !== principal)
    return reject(`SMTP AUTH as ${mailbox.address} with ${principal}'s token: only the owner may sign in`);
  const allowed =
    mailbox !== undefined &&
    mailbox.tenantId === claims.tid &&
    (mailbox.ownerOid === principal || mailbox.fullAccess.includes(principal));
  if (!allowed) {
    const detail = mailbox
      ? `${principal} has no FullAccess to ${mailbox.address}`
      : `no mailbox ${userParam}`;
    // SMTP has no "authenticated but not connected" state: Exchange answers 535 5.7.3.
    return protocol === 'imap' ? { ok: false, failure: 'not_connected', detail, claims } : reject(detail);
  }
  return { ok: true, mailbox, claims, principal };
};
