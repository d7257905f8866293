import type { Db } from '../db/database.ts';
import { recordEvent } from '../events/record-event.ts';
import type { SendsThrough } from '../mailboxes/mailboxes.table.ts';

/** Why a mailbox on Automatic moved to Graph: Exchange's reply, quoted for the mailbox page. */
export const smtpAuthDisabledReason = (serverText: string | null): string =>
  `Exchange refused SMTP for this mailbox (SMTP AUTH is switched off${serverText ? `: “${serverText}”` : ''}), so it sends through Microsoft Graph.`;

/**
 * Records how the mailbox sends from now on, why and when, with a `mailbox.sends_through_changed` event
 * in the same transaction. Only a mailbox not already sending that way changes (two processes meeting
 * `5.7.139` at once write one event).
 */
export const recordSendsThrough = async (
  db: Db,
  mailboxId: string,
  change: { readonly through: SendsThrough; readonly reason: string; readonly reasonCode: string },
  now = new Date(),
): Promise<boolean> =>
  db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('mailboxes')
      .set({
        sends_through: change.through,
        sends_through_reason: change.reason,
        sends_through_at: now.toISOString(),
      })
      .where('id', '=', mailboxId)
      .where('sends_through', '<>', change.through)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await recordEvent(
      trx,
      {
        type: 'mailbox.sends_through_changed',
        mailboxId,
        subject: { type: 'mailbox', id: mailboxId },
        payload: { sendsThrough: change.through, reasonCode: change.reasonCode },
      },
      now,
    );
    return true;
  });
