import type { Db } from '../db/database.ts';

export interface LastSendOutcome {
  readonly state: 'sent' | 'failed';
  /** An SmtpErrorCode, GraphErrorCode or `send.*` code when it failed. */
  readonly errorCode: string | null;
  readonly serverReply: string | null;
  readonly at: string;
}

/** How the mailbox's most recent finished message ended (sent or failed), or null when none has. */
export const lastSendOutcome = async (db: Db, mailboxId: string): Promise<LastSendOutcome | null> => {
  const row = await db
    .selectFrom('outgoing_messages')
    .select(['state', 'error_code', 'server_reply', 'updated_at'])
    .where('mailbox_id', '=', mailboxId)
    .where('state', 'in', ['sent', 'failed'])
    .orderBy('updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row || (row.state !== 'sent' && row.state !== 'failed')) return null;
  return { state: row.state, errorCode: row.error_code, serverReply: row.server_reply, at: row.updated_at };
};
