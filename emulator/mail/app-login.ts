import type { EmulatorContext } from '../context.ts';
import { insideScope } from '../exchange/rbac.ts';
import { exchangeState, workingServicePrincipal } from '../exchange/service-principals.ts';
import { IMAP_APP_ROLE, SMTP_APP_ROLE } from '../identity/resources.ts';
import type { AccessTokenClaims } from '../identity/tokens.ts';
import { findMailbox } from '../state/directory.ts';
import type { MailAccess, MailProtocol } from './mailbox-access.ts';

const reject = (detail: string): MailAccess => ({ ok: false, failure: 'token_rejected', detail });

/** The grant names the service principal (its object id) or, as older scripts do, the app id. */
const names = (list: readonly string[], objectId: string, appId: string) =>
  list.includes(objectId) || list.includes(appId);

/**
 * An app-only XOAUTH2 login (app-only-spec.md §1): the token's `roles` hold the protocol's app role; an
 * Exchange service principal registered with the Enterprise application's object id; the protocol enabled
 * for the mailbox (and SMTP AUTH); FullAccess of that principal on `user=` for IMAP (the only limit there:
 * RBAC does not cover IMAP), FullAccess or Send As for SMTP, and for SMTP the RBAC scope when one is
 * assigned. Send As for the `From:` is checked after DATA, not here.
 */
export const authorizeAppLogin = (
  ctx: EmulatorContext,
  protocol: MailProtocol,
  userParam: string,
  claims: AccessTokenClaims,
): MailAccess => {
  const needed = protocol === 'imap' ? IMAP_APP_ROLE : SMTP_APP_ROLE;
  if (!(claims.roles ?? []).includes(needed)) return reject(`app token lacks the role ${needed}`);
  const sp = workingServicePrincipal(ctx.dir, claims.tid, claims.appid);
  if (!sp)
    return reject(
      `no Exchange service principal with the Enterprise application's object id for ${claims.appid}`,
    );
  const mailbox = findMailbox(ctx.dir, userParam);
  if (!mailbox || mailbox.tenantId !== claims.tid) return reject(`no mailbox ${userParam}`);
  if (protocol === 'smtp') {
    const tenant = ctx.dir.tenants.get(claims.tid);
    if (!(mailbox.smtpAuthEnabled ?? tenant?.smtpAuthEnabled ?? false))
      return { ok: false, failure: 'smtp_auth_disabled', detail: 'SMTP AUTH disabled', claims };
    if (!names(mailbox.fullAccess, sp.objectId, sp.appId) && !names(mailbox.sendAs, sp.objectId, sp.appId))
      return reject(
        `service principal ${sp.objectId} has neither FullAccess nor Send As on ${mailbox.address}`,
      );
    if (!insideScope(ctx.dir, claims.tid, claims.appid, 'smtp_send', mailbox.address))
      return reject(`${mailbox.address} is outside the RBAC scope of ${claims.appid}`);
    return { ok: true, mailbox, claims, principal: sp.objectId, appId: sp.appId };
  }
  if (!mailbox.imapEnabled) return reject('IMAP disabled for the mailbox');
  if (!names(mailbox.fullAccess, sp.objectId, sp.appId)) {
    const detail = `service principal ${sp.objectId} has no FullAccess to ${mailbox.address}`;
    return exchangeState(ctx.dir).fullAccessMissing === 'not_connected'
      ? { ok: false, failure: 'not_connected', detail, claims }
      : reject(detail);
  }
  return { ok: true, mailbox, claims, principal: sp.objectId, appId: sp.appId };
};
