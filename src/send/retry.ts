import type { Db } from '../db/database.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import type { User } from '../users/users.table.ts';
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

/** Forgets a failed message for good (its sender's choice); a queued or sent one stays. */
export const discardOutgoing = async (
  db: Db,
  user: User,
  mailbox: Mailbox,
  row: OutgoingRow,
): Promise<void> => {
  if (mailbox.kind === 'user' && mailbox.ownerUserId !== user.id)
    throw new SendError('send.forbidden', 'Only the owner of a personal mailbox discards its messages.');
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

export const listOutgoing = (db: Db, mailboxId: string, limit = 100) =>
  db
    .selectFrom('outgoing_messages')
    .selectAll()
    .where('mailbox_id', '=', mailboxId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
