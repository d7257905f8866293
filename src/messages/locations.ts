import type { Db } from '../db/database.ts';
import { inTransaction, MAX_EVENT_IDS, recordEvent } from '../events/record-event.ts';
import type { MessageLocationsTable } from './messages.table.ts';

/** UIDs per statement (a batch of the sync in one): far below SQLite's and PostgreSQL's limits on bound parameters. */
export const CHUNK = 1000;

/** `items` in slices of `size`: one statement each, under both databases' limits on bound parameters. */
export const chunks = <T>(items: readonly T[], size = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
};

type FlagColumns = Pick<MessageLocationsTable, 'seen' | 'flagged' | 'answered' | 'draft'>;

/** IMAP system flags (RFC 3501 §2.3.2) as a location's columns; flags compare case-insensitively. */
export const flagColumns = (flags: ReadonlySet<string> | readonly string[]): FlagColumns => {
  const set = new Set([...flags].map((f) => f.toLowerCase()));
  return {
    seen: set.has('\\seen') ? 1 : 0,
    flagged: set.has('\\flagged') ? 1 : 0,
    answered: set.has('\\answered') ? 1 : 0,
    draft: set.has('\\draft') ? 1 : 0,
  };
};

/** Forgets every copy of a folder under an old UIDVALIDITY (the server reset it): one statement. */
export const removeGeneration = async (
  db: Db,
  mailboxId: string,
  path: string,
  uidValidity: number,
): Promise<void> => {
  await db
    .deleteFrom('message_locations')
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .where('uidvalidity', '=', uidValidity)
    .execute();
};

/**
 * Forgets copies the server no longer has (expunged or moved away), with a `messages.removed` event per
 * MAX_EVENT_IDS of them, in the same transaction.
 */
export const removeLocations = async (
  db: Db,
  mailboxId: string,
  path: string,
  uidValidity: number,
  uids: readonly number[],
): Promise<number> =>
  inTransaction(db, async (trx) => {
    const removed: string[] = [];
    for (const part of chunks(uids)) {
      const rows = await trx
        .deleteFrom('message_locations')
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', path)
        .where('uidvalidity', '=', uidValidity)
        .where('uid', 'in', part)
        .returning('message_id')
        .execute();
      removed.push(...rows.map((r) => r.message_id));
    }
    for (const messageIds of chunks(removed, MAX_EVENT_IDS))
      await recordEvent(trx, {
        type: 'messages.removed',
        mailboxId,
        subject: { type: 'folder', id: path },
        payload: { messageIds },
      });
    return removed.length;
  });

/**
 * Deletes the mailbox's messages that no folder holds any more; their attachment rows go with them
 * (ON DELETE CASCADE). Blobs stay: one may belong to other messages or mailboxes, and a later sweep
 * of blobs no row names can remove them.
 */
export const pruneOrphans = async (db: Db, mailboxId: string): Promise<number> => {
  const result = await db
    .deleteFrom('messages')
    .where('mailbox_id', '=', mailboxId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('message_locations')
            .select('message_locations.uid')
            .whereRef('message_locations.message_id', '=', 'messages.id'),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
};

/**
 * Applies the server's flags to stored copies, one UPDATE per distinct combination of flags and per
 * chunk of UIDs rather than one per message, all in one transaction. Only rows whose flags differ are
 * written, each told in a `messages.flags_changed` event (one per MAX_EVENT_IDS copies) of the same
 * transaction; returns how many changed.
 */
export const updateFlags = async (
  db: Db,
  mailboxId: string,
  path: string,
  uidValidity: number,
  changes: readonly { uid: number; flags: ReadonlySet<string> | readonly string[] }[],
): Promise<number> => {
  const groups = new Map<string, { flags: FlagColumns; uids: number[] }>();
  for (const change of changes) {
    const flags = flagColumns(change.flags);
    const key = `${flags.seen}${flags.flagged}${flags.answered}${flags.draft}`;
    const group = groups.get(key) ?? groups.set(key, { flags, uids: [] }).get(key)!;
    group.uids.push(change.uid);
  }
  if (groups.size === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const changed: { id: string; seen: boolean; flagged: boolean; answered: boolean; draft: boolean }[] = [];
    for (const { flags, uids } of groups.values()) {
      for (const part of chunks(uids)) {
        const rows = await trx
          .updateTable('message_locations')
          .set(flags)
          .where('mailbox_id', '=', mailboxId)
          .where('path', '=', path)
          .where('uidvalidity', '=', uidValidity)
          .where('uid', 'in', part)
          // A flag changed in Mailroom and not yet written to the server wins over the server's old value.
          .where('pending_flags', 'is', null)
          .where((eb) =>
            eb.or([
              eb('seen', '!=', flags.seen),
              eb('flagged', '!=', flags.flagged),
              eb('answered', '!=', flags.answered),
              eb('draft', '!=', flags.draft),
            ]),
          )
          .returning('message_id')
          .execute();
        for (const row of rows)
          changed.push({
            id: row.message_id,
            seen: flags.seen === 1,
            flagged: flags.flagged === 1,
            answered: flags.answered === 1,
            draft: flags.draft === 1,
          });
      }
    }
    for (const messages of chunks(changed, MAX_EVENT_IDS))
      await recordEvent(trx, {
        type: 'messages.flags_changed',
        mailboxId,
        subject: { type: 'folder', id: path },
        payload: { messages },
      });
    return changed.length;
  });
};
