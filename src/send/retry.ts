import type { Db } from '../db/database.ts';
import { AppError } from '../http/errors.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import type { User } from '../users/users.table.ts';
import { checkMayHandleOutgoing } from './outgoing-access.ts';
import { findOutgoing, type OutgoingRow } from './outgoing-store.ts';
import { checkMaySend } from './queue-send.ts';
import { SendError } from './send-error.ts';

/**
 * Queues a failed message again, the same bytes with the same Message-ID, with a fresh budget of
 * attempts. An earlier attempt that may have reached the server makes the next one look in Sent Items
 * first, so a retry never delivers a second copy of a message that went.
 */
export const retryOutgoing = async (
  db: Db,
  user: User,
  mailbox: Mailbox,
  row: OutgoingRow,
): Promise<OutgoingRow> => {
  checkMaySend(user, mailbox);
  checkMayHandleOutgoing(user, row, 'retry');
  if (row.state !== 'failed')
    throw new SendError(
      'send.not_retryable',
      `Only a failed message can be retried; this one is ${row.state}.`,
    );
  const now = new Date().toISOString();
  await db
    .updateTable('outgoing_messages')
    .set({
      state: 'queued',
      attempts: 0,
      next_attempt_at: now,
      error_code: null,
      error_message: null,
      error_for: null,
      error_recipient: null,
      updated_at: now,
    })
    .where('id', '=', row.id)
    .where('state', '=', 'failed')
    .execute();
  return (await findOutgoing(db, row.id)) ?? row;
};

/** Forgets a failed message for good (its writer's or an administrator's choice); a queued or sent one stays. */
export const discardOutgoing = async (db: Db, user: User, row: OutgoingRow): Promise<void> => {
  checkMayHandleOutgoing(user, row, 'discard');
  if (row.state !== 'failed')
    throw new SendError(
      'send.not_retryable',
      `Only a failed message can be discarded; this one is ${row.state}.`,
    );
  await db.deleteFrom('outgoing_messages').where('id', '=', row.id).where('state', '=', 'failed').execute();
};

/** The mailbox's message with this id, or a 404 that does not say whether it exists elsewhere. */
export const outgoingOf = async (db: Db, mailbox: Mailbox, id: string): Promise<OutgoingRow> => {
  const row = await findOutgoing(db, id);
  if (!row || row.mailbox_id !== mailbox.id)
    throw new SendError('send.not_found', 'There is no such message.');
  return row;
};

/** The cursor is opaque to callers: base64url of `created_at|id`, the last row of the page. */
const encodeCursor = (row: OutgoingRow) => Buffer.from(`${row.created_at}|${row.id}`).toString('base64url');

const decodeCursor = (cursor: string): { createdAt: string; id: string } | null => {
  const [createdAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  return createdAt && id && extra === undefined && !Number.isNaN(Date.parse(createdAt))
    ? { createdAt, id }
    : null;
};

/**
 * A mailbox's messages sent through Mailroom, newest first, a page at a time (keyset on created_at, id:
 * every message once, however many are queued meanwhile), optionally of one state.
 */
export const listOutgoing = async (
  db: Db,
  mailboxId: string,
  options: { limit?: number; state?: OutgoingRow['state']; cursor?: string } = {},
): Promise<{ rows: OutgoingRow[]; nextCursor: string | null }> => {
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 200);
  let query = db.selectFrom('outgoing_messages').selectAll().where('mailbox_id', '=', mailboxId);
  if (options.state) query = query.where('state', '=', options.state);
  if (options.cursor) {
    const after = decodeCursor(options.cursor);
    if (!after)
      throw new AppError(
        'request.invalid',
        'This cursor was not given by this list: start again without it.',
      );
    query = query
      .where('created_at', '<=', after.createdAt)
      .where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb('id', '<', after.id)]));
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!) : null };
};
