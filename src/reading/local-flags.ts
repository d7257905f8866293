import type { Db } from '../db/database.ts';
import { inTransaction, recordEvent } from '../events/record-event.ts';

/** Flags a reader changes in Mailroom; each key present is a change still to be written to the server. */
export interface FlagChange {
  readonly seen?: boolean;
  readonly flagged?: boolean;
  /** Set by Mailroom when a reply to the message was sent (`\Answered`, RFC 3501 §2.3.2). */
  readonly answered?: boolean;
}

/** `message_locations.pending_flags` as written here: `{"seen":true}`, `{"seen":false,"flagged":true}`. */
export const parsePending = (json: string | null): FlagChange => {
  if (!json) return {};
  const value = JSON.parse(json) as Record<string, unknown>;
  return {
    ...(typeof value.seen === 'boolean' ? { seen: value.seen } : {}),
    ...(typeof value.flagged === 'boolean' ? { flagged: value.flagged } : {}),
    ...(typeof value.answered === 'boolean' ? { answered: value.answered } : {}),
  };
};

/** How many times a location is re-read when another writer changed its pending flags meanwhile. */
const ATTEMPTS = 5;

type Row = { path: string; uidvalidity: number; uid: number; pending_flags: string | null };

/**
 * Changes flags of every copy of a message in Mailroom at once: the columns (so lists and counts are
 * right at once) and `pending_flags`, which the mailbox's transport sends to the server (write-flags.ts)
 * and then clears. The pending JSON is merged compare-and-set, so two changes at the same moment (seen
 * from one request, flagged from another) both survive on either database. A change is told in a
 * `messages.flags_changed` event of the same transaction. Returns how many copies changed.
 */
export const setLocalFlags = (
  db: Db,
  mailboxId: string,
  messageId: string,
  change: FlagChange,
): Promise<number> =>
  inTransaction(db, async (trx) => {
    const rows = await trx
      .selectFrom('message_locations')
      .select(['path', 'uidvalidity', 'uid', 'pending_flags', 'seen', 'flagged', 'answered', 'draft'])
      .where('mailbox_id', '=', mailboxId)
      .where('message_id', '=', messageId)
      .execute();
    let changed = 0;
    for (const row of rows) if (await setOne(trx, mailboxId, row, change)) changed++;
    const differs = rows.some(
      (r) =>
        (change.seen !== undefined && r.seen !== (change.seen ? 1 : 0)) ||
        (change.flagged !== undefined && r.flagged !== (change.flagged ? 1 : 0)) ||
        (change.answered !== undefined && r.answered !== (change.answered ? 1 : 0)),
    );
    if (changed > 0 && differs) {
      const any = (key: 'seen' | 'flagged' | 'answered' | 'draft') =>
        change[key as keyof FlagChange] ?? rows.some((r) => r[key] === 1);
      await recordEvent(trx, {
        type: 'messages.flags_changed',
        mailboxId,
        payload: {
          messages: [
            {
              id: messageId,
              seen: any('seen'),
              flagged: any('flagged'),
              answered: any('answered'),
              draft: any('draft'),
            },
          ],
          by: 'mailroom',
        },
      });
    }
    return changed;
  });

const setOne = async (db: Db, mailboxId: string, first: Row, change: FlagChange): Promise<boolean> => {
  let row: Row | undefined = first;
  for (let attempt = 0; attempt < ATTEMPTS && row; attempt++) {
    const pending = JSON.stringify({ ...parsePending(row.pending_flags), ...change });
    const result = await db
      .updateTable('message_locations')
      .set({
        pending_flags: pending,
        ...(change.seen === undefined ? {} : { seen: change.seen ? 1 : 0 }),
        ...(change.flagged === undefined ? {} : { flagged: change.flagged ? 1 : 0 }),
        ...(change.answered === undefined ? {} : { answered: change.answered ? 1 : 0 }),
      })
      .where('mailbox_id', '=', mailboxId)
      .where('path', '=', row.path)
      .where('uidvalidity', '=', row.uidvalidity)
      .where('uid', '=', row.uid)
      .where('pending_flags', row.pending_flags === null ? 'is' : '=', row.pending_flags)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return true;
    row = await db
      .selectFrom('message_locations')
      .select(['path', 'uidvalidity', 'uid', 'pending_flags'])
      .where('mailbox_id', '=', mailboxId)
      .where('path', '=', row.path)
      .where('uidvalidity', '=', row.uidvalidity)
      .where('uid', '=', row.uid)
      .executeTakeFirst();
  }
  if (!row) return false; // a sync removed the copy meanwhile: nothing left to change
  throw new Error(`the pending flags of ${first.path} UID ${first.uid} kept changing under this write`);
};
