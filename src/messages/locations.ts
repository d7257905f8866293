import type { Db } from '../db/database.ts';
import type { MessageLocationsTable } from './messages.table.ts';

/** UIDs per statement: far below SQLite's and PostgreSQL's limits on bound parameters. */
const CHUNK = 500;

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

/** Forgets copies the server no longer has (expunged or moved away). */
export const removeLocations = async (
  db: Db,
  mailboxId: string,
  path: string,
  uidValidity: number,
  uids: readonly number[],
): Promise<number> => {
  let removed = 0;
  for (const part of chunks(uids)) {
    const result = await db
      .deleteFrom('message_locations')
      .where('mailbox_id', '=', mailboxId)
      .where('path', '=', path)
      .where('uidvalidity', '=', uidValidity)
      .where('uid', 'in', part)
      .executeTakeFirst();
    removed += Number(result.numDeletedRows);
  }
  return removed;
};

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
 * written; returns how many changed.
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
    let changed = 0;
    for (const { flags, uids } of groups.values()) {
      for (const part of chunks(uids)) {
        const result = await trx
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
          .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
    }
    return changed;
  });
};
