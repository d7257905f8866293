import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { type MessageSummary, rowToSummary, SUMMARY_COLUMNS } from '../messages/message.ts';
import { MessagesError } from '../messages/messages-error.ts';
import { encodeCursor, listMessages, MAX_PAGE } from '../messages/queries.ts';
import { matchesSearch } from '../messages/search.ts';

export interface ListOptions {
  readonly mailboxId: string;
  readonly path?: string;
  readonly cursor?: string;
  readonly limit: number;
  readonly search?: string;
  readonly unread?: boolean;
}

/**
 * listMessages with an "unread only" filter. Without it this is listMessages itself; with it, the same
 * query (keyset on received_at and id, the same cursor, the same full-text search, correlated look-ups of
 * the copies) keeping messages no listed copy of which is seen. It belongs in messages/queries.ts as
 * an `unread` option (with decodeCursor exported); until then it lives here, then shrinks to a call.
 */
export const listForReading = async (
  db: Db,
  options: ListOptions,
): Promise<{ messages: MessageSummary[]; nextCursor: string | null }> => {
  const { unread, ...rest } = options;
  if (!unread) return listMessages(db, rest);
  const limit = Math.min(Math.max(Math.trunc(options.limit), 1), MAX_PAGE);
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const search = options.search?.trim();
  const copies = (eb: ExpressionBuilder<Database & { m: Database['messages'] }, 'm'>) => {
    const query = eb.selectFrom('message_locations as l').whereRef('l.message_id', '=', 'm.id');
    return options.path === undefined ? query : query.where('l.path', '=', options.path);
  };
  let query = db
    .selectFrom('messages as m')
    .select(SUMMARY_COLUMNS)
    .select((eb) => [
      sql<number>`0`.as('seen'),
      copies(eb)
        .select((e) => e.fn.max('l.flagged').as('v'))
        .as('flagged'),
    ])
    .where('m.mailbox_id', '=', options.mailboxId)
    .where((eb) => eb.exists(copies(eb).select('l.uid')))
    .where((eb) => eb.not(eb.exists(copies(eb).select('l.uid').where('l.seen', '=', 1))));
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('m.received_at', '<', after.receivedAt),
        eb.and([eb('m.received_at', '=', after.receivedAt), eb('m.id', '<', after.id)]),
      ]),
    );
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

/** The inverse of encodeCursor (messages/queries.ts keeps its own private). */
const decodeCursor = (cursor: string): { receivedAt: string; id: string } => {
  const [receivedAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!receivedAt || !id || extra !== undefined || Number.isNaN(Date.parse(receivedAt)))
    throw new MessagesError('messages.invalid_cursor', 'this paging cursor was not made by listMessages');
  return { receivedAt, id };
};
