import { type OutgoingRow, recipientsOf } from './outgoing-store.ts';

/** A queued, sent or failed message as the API and the outbox page show it: never its bytes. */
export const outgoingView = (row: OutgoingRow) => ({
  id: row.id,
  mailboxId: row.mailbox_id,
  state: row.state,
  mode: row.mode,
  messageId: row.message_id,
  from: row.from_address,
  ...recipientsOf(row),
  subject: row.subject,
  size: row.size,
  attempts: row.attempts,
  nextAttemptAt: row.state === 'queued' ? row.next_attempt_at : null,
  error:
    row.error_code === null
      ? null
      : {
          code: row.error_code,
          message: row.error_message ?? row.error_code,
          /** Who must act: `sender`, `mailbox_owner` or `administrator`. */
          forWhom: row.error_for,
          recipient: row.error_recipient,
        },
  serverReply: row.server_reply,
  sentAt: row.sent_at,
  /** `server` (Exchange kept it), `appended` (Mailroom put it in Sent Items), or null. */
  sentCopy: row.sent_copy,
  /** The message in Mailroom's store once the sent copy is in: it is in its thread. */
  storedMessageId: row.stored_message_id,
  replyToMessageId: row.reply_to_message_id,
  createdAt: row.created_at,
});

export type OutgoingView = ReturnType<typeof outgoingView>;
