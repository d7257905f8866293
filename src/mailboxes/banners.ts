import type { Db } from '../db/database.ts';
import { credentialExpiryBanner } from '../microsoft/credentials/expiry.ts';
import { loadMicrosoftSettings } from '../microsoft/settings.ts';
import type { User } from '../users/users.table.ts';

export interface Banner {
  readonly kind: 'error' | 'info';
  readonly text: string;
  readonly href: string;
  readonly action: string;
}

/** What blocks sending from a mailbox, in a few words, by the stored problem's code. */
const SEND_PROBLEM_TEXT: Record<string, string> = {
  'smtp.auth_disabled': 'Exchange has SMTP AUTH switched off for it',
  'smtp.send_as_denied': 'its delegate has no Send As right',
  'graph.send_as_denied': 'its delegate has no Send As right (Microsoft Graph)',
  'graph.consent_missing': 'Mailroom is not yet allowed to use Microsoft Graph for it',
};

/**
 * What the signed-in person must act on: their own mailboxes that need reconnecting, and, for
 * administrators only, one banner for every mailbox waiting on an administrator. Users are never told to
 * reconnect for a problem only an administrator can fix.
 */
export const bannersFor = async (db: Db, user: User): Promise<Banner[]> => {
  const banners: Banner[] = [];
  const mine = await db
    .selectFrom('mailboxes')
    .select(['id', 'address'])
    .where('state', '=', 'reconnect_required')
    .where((eb) =>
      eb.or([
        eb('owner_user_id', '=', user.id),
        eb.and([eb('kind', '=', 'system'), eb('connected_by_user_id', '=', user.id)]),
      ]),
    )
    .execute();
  for (const m of mine) {
    banners.push({
      kind: 'error',
      text: `${m.address} needs to be reconnected to Microsoft 365.`,
      href: `/mailboxes/connect/microsoft?mailbox=${m.id}`,
      action: 'Reconnect',
    });
  }
  if (user.role === 'administrator') {
    const expiry = credentialExpiryBanner(await loadMicrosoftSettings(db));
    if (expiry) banners.push(expiry);
    const waiting = await db
      .selectFrom('mailboxes')
      .select(['id', 'address'])
      .where('state', '=', 'admin_action_required')
      .execute();
    if (waiting.length > 0) {
      const names = waiting
        .slice(0, 3)
        .map((m) => m.address)
        .join(', ');
      banners.push({
        kind: 'error',
        text: `${waiting.length} mailbox${waiting.length > 1 ? 'es need' : ' needs'} an administrator: ${names}${waiting.length > 3 ? ', …' : ''}.`,
        href:
          waiting.length === 1 ? `/mailboxes/${waiting[0]!.id}` : '/mailboxes?state=admin_action_required',
        action: 'See what to fix',
      });
    }
  }
  // Messages this person wrote that could not be sent: theirs to retry, fix or discard.
  const failed = await db
    .selectFrom('outgoing_messages')
    .select(['id', 'mailbox_id'])
    .where('created_by_user_id', '=', user.id)
    .where('state', '=', 'failed')
    .orderBy('updated_at', 'desc')
    .execute();
  if (failed.length > 0) {
    const first = failed[0]!;
    const oneMailbox = failed.every((f) => f.mailbox_id === first.mailbox_id);
    banners.push({
      kind: 'error',
      text:
        failed.length === 1
          ? 'A message you wrote could not be sent.'
          : `${failed.length} messages you wrote could not be sent.`,
      href:
        failed.length === 1
          ? `/mail/${first.mailbox_id}/outbox/${first.id}`
          : oneMailbox
            ? `/mail/${first.mailbox_id}/outbox`
            : '/mail',
      action: 'See why',
    });
  }
  if (user.role === 'administrator') {
    // Sending blocked by Exchange (SMTP AUTH off, Send As missing): only an administrator can fix it.
    const blocked = await db
      .selectFrom('mailboxes')
      .select(['id', 'address', 'send_problem_code'])
      .where('send_problem_code', 'is not', null)
      .orderBy('address')
      .limit(3)
      .execute();
    for (const m of blocked) {
      banners.push({
        kind: 'error',
        text: `Mail cannot be sent from ${m.address}: ${SEND_PROBLEM_TEXT[m.send_problem_code ?? ''] ?? 'Exchange refuses it'}.`,
        href: `/mailboxes/${m.id}`,
        action: 'See what to fix',
      });
    }
  }
  return banners;
};
