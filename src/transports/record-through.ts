import type { Db } from '../db/database.ts';
import { recordEvent } from '../events/record-event.ts';
import type { ReadsThrough, SendsThrough } from '../mailboxes/mailboxes.table.ts';

/** The two halves a mailbox on Automatic may move to Graph, each with its columns and event. */
const HALVES = {
  reads: {
    column: 'reads_through',
    reason: 'reads_through_reason',
    at: 'reads_through_at',
    event: 'mailbox.reads_through_changed',
    payloadKey: 'readsThrough',
  },
  sends: {
    column: 'sends_through',
    reason: 'sends_through_reason',
    at: 'sends_through_at',
    event: 'mailbox.sends_through_changed',
    payloadKey: 'sendsThrough',
  },
} as const;

export interface ThroughChange<T> {
  readonly through: T;
  readonly reason: string;
  readonly reasonCode: string;
}

/**
 * Records how the mailbox reads or sends from now on, why and when, with a `mailbox.<half>_through_changed`
 * event in the same transaction. Only a mailbox not already going that way changes (two processes meeting
 * the refusal at once write one event).
 */
const recordThrough = async (
  db: Db,
  half: keyof typeof HALVES,
  mailboxId: string,
  change: ThroughChange<ReadsThrough | SendsThrough>,
  now: Date,
): Promise<boolean> => {
  const h = HALVES[half];
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('mailboxes')
      .set({ [h.column]: change.through, [h.reason]: change.reason, [h.at]: now.toISOString() })
      .where('id', '=', mailboxId)
      .where(h.column, '<>', change.through)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await recordEvent(
      trx,
      {
        type: h.event,
        mailboxId,
        subject: { type: 'mailbox', id: mailboxId },
        payload: { [h.payloadKey]: change.through, reasonCode: change.reasonCode },
      },
      now,
    );
    return true;
  });
};

export const recordReadsThrough = (
  db: Db,
  mailboxId: string,
  change: ThroughChange<ReadsThrough>,
  now = new Date(),
): Promise<boolean> => recordThrough(db, 'reads', mailboxId, change, now);

export const recordSendsThrough = (
  db: Db,
  mailboxId: string,
  change: ThroughChange<SendsThrough>,
  now = new Date(),
): Promise<boolean> => recordThrough(db, 'sends', mailboxId, change, now);
