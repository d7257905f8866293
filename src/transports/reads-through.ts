import type { Db } from '../db/database.ts';
import { recordEvent } from '../events/record-event.ts';
import type { ReadsThrough } from '../mailboxes/mailboxes.table.ts';

/** Why a mailbox on Automatic moved to Graph for reading: Exchange's answer, quoted for the mailbox page. */
export const imapRefusedReason = (serverText: string | null): string =>
  `Exchange refused IMAP for this mailbox (IMAP is switched off for it${serverText ? `: “${serverText}”` : ''}) while Microsoft Graph could open it, so it reads through Microsoft Graph.`;

/**
 * Records how the mailbox reads from now on, why and when, with a `mailbox.reads_through_changed` event in
 * the same transaction. Only a mailbox not already reading that way changes (two processes meeting the
 * refusal at once write one event).
 */
export const recordReadsThrough = async (
  db: Db,
  mailboxId: string,
  change: { readonly through: ReadsThrough; readonly reason: string; readonly reasonCode: string },
  now = new Date(),
): Promise<boolean> =>
  db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('mailboxes')
      .set({
        reads_through: change.through,
        reads_through_reason: change.reason,
        reads_through_at: now.toISOString(),
      })
      .where('id', '=', mailboxId)
      .where('reads_through', '<>', change.through)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await recordEvent(
      trx,
      {
        type: 'mailbox.reads_through_changed',
        mailboxId,
        subject: { type: 'mailbox', id: mailboxId },
        payload: { readsThrough: change.through, reasonCode: change.reasonCode },
      },
      now,
    );
    return true;
  });
