import { sql } from 'kysely';
import { type Db, dbKind } from '../db/database.ts';

/** What happened; the base for webhooks later, so names are stable. */
export type EventType =
  | 'mailbox.state_changed'
  | 'messages.stored'
  | 'messages.flags_changed'
  | 'messages.removed'
  | 'folder.synced'
  | 'message.sent'
  | 'message.send_failed'
  | 'mailbox.sends_through_changed'
  | 'mailbox.reads_through_changed'
  | 'credential.expiring'
  | 'credential.expired';

export interface EventInput {
  readonly type: EventType;
  readonly mailboxId: string | null;
  /** What changed: a folder (its path), an outgoing message (its id), the mailbox. */
  readonly subject?: { readonly type: 'folder' | 'outgoing' | 'mailbox'; readonly id: string };
  /** Counts, ids, codes: small, and never a secret or message content. */
  readonly payload?: Readonly<Record<string, unknown>>;
}

/** Payloads stay small: a batch's ids beyond this many are counted, not listed. */
export const MAX_EVENT_IDS = 200;

/** One `messages.stored` event for a stored batch: counts, and the new messages' ids (up to MAX_EVENT_IDS). */
export const storedEvent = (
  mailboxId: string,
  stored: readonly { readonly path: string; readonly messageId: string; readonly created: boolean }[],
): EventInput => {
  const created = stored.filter((s) => s.created).map((s) => s.messageId);
  const paths = [...new Set(stored.map((s) => s.path))];
  return {
    type: 'messages.stored',
    mailboxId,
    ...(paths.length === 1 ? { subject: { type: 'folder' as const, id: paths[0]! } } : {}),
    payload: {
      stored: stored.length,
      created: created.length,
      messageIds: created.slice(0, MAX_EVENT_IDS),
      ...(created.length > MAX_EVENT_IDS ? { moreIds: created.length - MAX_EVENT_IDS } : {}),
    },
  };
};

// Any number, the same in every process: PostgreSQL's transaction-level advisory lock on it.
const EVENTS_LOCK = 0x6d61696c;

/**
 * Writes an event in the caller's transaction, so it exists exactly when the change it tells of was
 * committed. Readers page by id, so ids must become visible in order: on PostgreSQL a sequence hands
 * them out in order but transactions commit in any order, and a reader at `after=10` could miss 9
 * committed after 10. A transaction-level advisory lock, taken by the same statement before the id is
 * drawn, serialises the event writers from here to their commit (call it last in the transaction); SQLite
 * has one writer at a time anyway. One statement, not a lock and then an insert: the lock is held until
 * the commit, and every round trip to this process inside it is one every other writer waits for (a
 * worker listing arrivals for 1,000 mailboxes: 1,000 such sections in a row, bench/scale.ts).
 */
export const recordEvent = (trx: Db, event: EventInput, now = new Date()): Promise<void> =>
  recordEvents(trx, [event], now);

/**
 * `recordEvent` for several events of one transaction (arrival rounds of many mailboxes that commit
 * together), in one statement: their ids in the order given.
 */
export const recordEvents = async (
  trx: Db,
  events: readonly EventInput[],
  now = new Date(),
): Promise<void> => {
  if (!trx.isTransaction) throw new Error('recordEvent needs the transaction of the change it records');
  if (events.length === 0) return;
  const rows = events.map((event) => ({
    at: now.toISOString(),
    type: event.type,
    mailbox_id: event.mailboxId,
    subject_type: event.subject?.type ?? null,
    subject_id: event.subject?.id ?? null,
    payload_json: JSON.stringify(event.payload ?? {}),
  }));
  if (dbKind(trx) === 'sqlite') {
    await trx.insertInto('events').values(rows).execute();
    return;
  }
  // The rows come out of the lock's CTE, so the ids' default (nextval) is drawn once the lock is held.
  const columns = Object.keys(rows[0]!) as (keyof (typeof rows)[number])[];
  await trx
    .with('locked', (db) => db.selectNoFrom(sql`pg_advisory_xact_lock(${EVENTS_LOCK})`.as('held')))
    .insertInto('events')
    .columns(columns)
    .expression((eb) => {
      const select = (row: (typeof rows)[number]) =>
        eb.selectFrom('locked').select(columns.map((c) => sql.val(row[c]).as(c)));
      return rows.slice(1).reduce((all, row) => all.unionAll(select(row)), select(rows[0]!));
    })
    .execute();
};

/** Runs `work` in the caller's transaction when `db` is one, else in a new one. */
export const inTransaction = <T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> =>
  db.isTransaction ? work(db) : db.transaction().execute(work);

/** How long events are kept: readers that fall further behind start again from the oldest. */
export const EVENTS_RETENTION_DAYS = 30;

/** Deletes events older than the retention; the purge job calls it. */
export const purgeEvents = async (db: Db, now = new Date()): Promise<number> => {
  const before = new Date(now.getTime() - EVENTS_RETENTION_DAYS * 86_400_000).toISOString();
  const result = await db.deleteFrom('events').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
};
