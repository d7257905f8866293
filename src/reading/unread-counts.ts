import type { Db } from '../db/database.ts';

export interface UnreadCounts {
  /** Messages of the mailbox no copy of which is seen (the list's "unread", over all folders). */
  readonly total: number;
  /** Per folder path: messages whose copy in that folder is not seen. */
  readonly folders: ReadonlyMap<string, number>;
}

/** Unread counts of several mailboxes in two queries, whatever their number of folders. */
export const unreadCounts = async (
  db: Db,
  mailboxIds: readonly string[],
): Promise<Map<string, UnreadCounts>> => {
  const counts = new Map<string, { total: number; folders: Map<string, number> }>(
    mailboxIds.map((id) => [id, { total: 0, folders: new Map() }]),
  );
  if (mailboxIds.length === 0) return counts;
  const perFolder = await db
    .selectFrom('message_locations')
    .select(['mailbox_id', 'path'])
    .select((eb) => eb.fn.count<number | string>('message_id').distinct().as('n'))
    .where('mailbox_id', 'in', mailboxIds)
    .where('seen', '=', 0)
    .groupBy(['mailbox_id', 'path'])
    .execute();
  for (const row of perFolder) counts.get(row.mailbox_id)?.folders.set(row.path, Number(row.n));
  // A message is unread when none of its copies is seen, as listMessages reads it.
  const totals = await db
    .selectFrom('message_locations')
    .select('mailbox_id')
    .select((eb) => eb.fn.count<number | string>('message_id').distinct().as('n'))
    .where('mailbox_id', 'in', mailboxIds)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('message_locations as other')
            .select('other.uid')
            .whereRef('other.message_id', '=', 'message_locations.message_id')
            .where('other.seen', '=', 1),
        ),
      ),
    )
    .groupBy('mailbox_id')
    .execute();
  for (const row of totals) {
    const entry = counts.get(row.mailbox_id);
    if (entry) entry.total = Number(row.n);
  }
  return counts;
};
