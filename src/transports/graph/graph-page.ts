import type { Db } from '../../db/database.ts';
import { chunks } from '../../messages/locations.ts';
import type { ListedMessage } from './listed-message.ts';

/** A Graph listing's flags as the IMAP system flags a location keeps (`\Answered` is not in Graph's view). */
export const flagsOf = (m: ListedMessage): string[] => [
  ...(m.isRead ? ['\\Seen'] : []),
  ...(m.flagStatus === 'flagged' ? ['\\Flagged'] : []),
];

/** Forgets the folder's copies Graph says are gone (`@removed`: deleted, or moved to another folder). */
export const removeRemote = async (
  db: Db,
  mailboxId: string,
  path: string,
  ids: readonly string[],
): Promise<number> => {
  let removed = 0;
  for (const part of chunks([...new Set(ids)])) {
    const result = await db
      .deleteFrom('message_locations')
      .where('mailbox_id', '=', mailboxId)
      .where('path', '=', path)
      .where('remote_id', 'in', part)
      .executeTakeFirst();
    removed += Number(result.numDeletedRows);
  }
  return removed;
};

interface KnownCopy {
  readonly path: string;
  readonly uid: number;
  readonly seen: number;
  readonly flagged: number;
  readonly pending: boolean;
}

const knownCopies = async (
  db: Db,
  mailboxId: string,
  ids: readonly string[],
): Promise<Map<string, KnownCopy>> => {
  const known = new Map<string, KnownCopy>();
  for (const part of chunks(ids)) {
    const rows = await db
      .selectFrom('message_locations')
      .select(['remote_id', 'path', 'uid', 'seen', 'flagged', 'pending_flags'])
      .where('mailbox_id', '=', mailboxId)
      .where('remote_id', 'in', part)
      .execute();
    for (const r of rows)
      if (r.remote_id)
        known.set(r.remote_id, {
          path: r.path,
          uid: r.uid,
          seen: r.seen,
          flagged: r.flagged,
          pending: r.pending_flags !== null,
        });
  }
  return known;
};

export interface KnownApplied {
  /** Listings of messages Mailroom has no copy of: their MIME is fetched and stored. */
  readonly fresh: ListedMessage[];
  readonly flagsChanged: number;
  /** Copies moved here from another folder (the same immutable id): the same message, not a new one. */
  readonly moved: number;
}

/**
 * Applies a delta page's listings of copies Mailroom already has, in one transaction: the immutable id
 * (`Prefer: IdType="ImmutableId"`) names one copy in the mailbox, so a listing here of a copy stored in
 * another folder is a move (its location follows, the message stays one); a copy of this folder gets
 * Graph's read and flagged state unless a change made in Mailroom waits to be pushed. During a round from
 * nothing, every copy seen gets a UID at or above `resyncBelow`, so what is still below at the end is gone.
 */
export const applyKnown = async (
  db: Db,
  mailboxId: string,
  path: string,
  listed: readonly ListedMessage[],
  resyncBelow: number | null,
  allocate: () => number,
): Promise<KnownApplied> => {
  // Graph may send an item twice (a replay, graph-mail-spec.md §4): the last listing wins.
  const unique = [...new Map(listed.map((m) => [m.id, m])).values()];
  const known = await knownCopies(
    db,
    mailboxId,
    unique.map((m) => m.id),
  );
  const fresh: ListedMessage[] = [];
  let flagsChanged = 0;
  let moved = 0;
  await db.transaction().execute(async (trx) => {
    for (const m of unique) {
      const copy = known.get(m.id);
      if (!copy) {
        fresh.push(m);
        continue;
      }
      const seen = m.isRead === null ? copy.seen : m.isRead ? 1 : 0;
      const flagged = m.flagStatus === null ? copy.flagged : m.flagStatus === 'flagged' ? 1 : 0;
      const elsewhere = copy.path !== path;
      const restamp = elsewhere || (resyncBelow !== null && copy.uid < resyncBelow);
      const flagsDiffer = !copy.pending && (seen !== copy.seen || flagged !== copy.flagged);
      if (!restamp && !flagsDiffer) continue;
      await trx
        .updateTable('message_locations')
        .set({
          ...(restamp ? { path, uid: allocate() } : {}),
          ...(flagsDiffer ? { seen, flagged } : {}),
        })
        .where('mailbox_id', '=', mailboxId)
        .where('remote_id', '=', m.id)
        .execute();
      if (elsewhere) moved++;
      if (flagsDiffer && !elsewhere) flagsChanged++;
    }
  });
  return { fresh, flagsChanged, moved };
};

/**
 * The end of a round from nothing: the folder's copies it did not list are gone (Graph copies still below
 * `resyncBelow`, and copies an IMAP sync left before the mailbox read through Graph).
 */
export const dropUnseen = async (
  db: Db,
  mailboxId: string,
  path: string,
  resyncBelow: number,
): Promise<number> => {
  const result = await db
    .deleteFrom('message_locations')
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .where((eb) =>
      eb.or([
        eb('transport', '<>', 'graph'),
        eb.and([eb('uidvalidity', '=', 0), eb('uid', '<', resyncBelow)]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
};
