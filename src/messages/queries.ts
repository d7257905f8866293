import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { lookupKey } from './lookup-keys.ts';
import {
  MESSAGE_COLUMNS,
  type Message,
  type MessageSummary,
  rowToMessage,
  rowToSummary,
  SUMMARY_COLUMNS,
} from './message.ts';
import { MessagesError } from './messages-error.ts';
import { matchesSearch } from './search.ts';

export const MAX_PAGE = 200;

/** The cursor is opaque to callers: base64url of `received_at|id`, the last row of the page. */
export const encodeCursor = (receivedAt: string, id: string): string =>
  Buffer.from(`${receivedAt}|${id}`).toString('base64url');

const decodeCursor = (cursor: string): { receivedAt: string; id: string } => {
  const [receivedAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!receivedAt || !id || extra !== undefined || Number.isNaN(Date.parse(receivedAt)))
    throw new MessagesError('messages.invalid_cursor', 'this paging cursor was not made by listMessages');
  return { receivedAt, id };
};

/**
 * Summaries of a mailbox's messages (or one folder's), newest first, a page at a time: pass back
 * `nextCursor` for the next page. Keyset paging on (received_at, id) lists every message exactly
 * once even while new mail arrives, and costs the same on page 1 and page 500.
 */
export const listMessages = async (
  db: Db,
  options: {
    mailboxId: string;
    path?: string;
    cursor?: string;
    limit: number;
    search?: string;
    /** Only messages no listed copy of which is seen. */
    unread?: boolean;
  },
): Promise<{ messages: MessageSummary[]; nextCursor: string | null }> => {
  const limit = Math.min(Math.max(Math.trunc(options.limit), 1), MAX_PAGE);
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const search = options.search?.trim();
  let query = summaries(db, options.mailboxId, options.path, options.unread === true);
  if (after) {
    // The first condition is implied by the second; it is there so the index range starts at the cursor.
    query = query
      .where('m.received_at', '<=', after.receivedAt)
      .where((eb) => eb.or([eb('m.received_at', '<', after.receivedAt), eb('m.id', '<', after.id)]));
  }
  if (search) query = query.where(matchesSearch(db, search));
  const rows = await query
    .orderBy('m.received_at', 'desc')
    .orderBy('m.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    messages: page.map(rowToSummary),
    nextCursor: rows.length > limit && last ? encodeCursor(last.received_at, last.id) : null,
  };
};

/**
 * Messages with at least one copy (in `path`, when given), flags over those copies; with `unread`, only
 * those no such copy of which is seen. Correlated look-ups (index `message_locations_message`) rather
 * than a join and GROUP BY, so a page walks `messages_mailbox_received` newest first and stops at the
 * limit instead of grouping the mailbox.
 */
const summaries = (db: Db, mailboxId: string, path: string | undefined, unread: boolean) => {
  const copies = (eb: ExpressionBuilder<Database & { m: Database['messages'] }, 'm'>) => {
    const query = eb.selectFrom('message_locations as l').whereRef('l.message_id', '=', 'm.id');
    return path === undefined ? query : query.where('l.path', '=', path);
  };
  const query = db
    .selectFrom('messages as m')
    .select(SUMMARY_COLUMNS)
    .select((eb) => [
      unread
        ? sql<number>`0`.as('seen')
        : copies(eb)
            .select((e) => e.fn.max('l.seen').as('v'))
            .as('seen'),
      copies(eb)
        .select((e) => e.fn.max('l.flagged').as('v'))
        .as('flagged'),
    ])
    .where('m.mailbox_id', '=', mailboxId)
    .where((eb) => eb.exists(copies(eb).select('l.uid')));
  return unread
    ? query.where((eb) => eb.not(eb.exists(copies(eb).select('l.uid').where('l.seen', '=', 1))))
    : query;
};

/** One message with its attachments and copies, or undefined when the mailbox has no such message. */
export const getMessage = async (db: Db, mailboxId: string, id: string): Promise<Message | undefined> => {
  const row = await db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('mailbox_id', '=', mailboxId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const [attachments, locations] = await Promise.all([
    db.selectFrom('attachments').selectAll().where('message_id', '=', id).orderBy('position').execute(),
    db
      .selectFrom('message_locations')
      .selectAll()
      .where('message_id', '=', id)
      .orderBy('path')
      .orderBy('uid')
      .execute(),
  ]);
  return rowToMessage(row, attachments, locations);
};

/**
 * A message's HTML as received (`upTo`: its first characters only), or null when it has none: read apart
 * from the rest of the message, since it can be megabytes.
 */
export const htmlOf = async (db: Db, id: string, upTo?: number): Promise<string | null> => {
  const row = await db
    .selectFrom('messages')
    .select(
      upTo === undefined ? 'body_html' : sql<string | null>`substr(body_html, 1, ${upTo})`.as('body_html'),
    )
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.body_html ?? null;
};

/** A thread's messages, oldest first. */
export const threadOf = async (db: Db, mailboxId: string, threadId: string): Promise<MessageSummary[]> =>
  (
    await summaries(db, mailboxId, undefined, false)
      .where('m.thread_key', '=', lookupKey(mailboxId, threadId))
      .where('m.thread_id', '=', threadId)
      .orderBy('m.received_at')
      .orderBy('m.id')
      .execute()
  ).map(rowToSummary);
