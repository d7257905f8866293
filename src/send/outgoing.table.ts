/** Where a message Mailroom sends stands (DESIGN.md flow 6). */
export type OutgoingState = 'queued' | 'sending' | 'sent' | 'failed';

export type ComposeMode = 'new' | 'reply' | 'reply_all' | 'forward';

export interface OutgoingMessagesTable {
  id: string;
  mailbox_id: string;
  created_by_user_id: string;
  idempotency_key: string | null;
  request_hash: string;
  mode: ComposeMode;
  /** Mailroom's id of the message replied to or forwarded. */
  reply_to_message_id: string | null;
  /** Without angle brackets. */
  message_id: string;
  from_address: string;
  subject: string;
  /** `{ to: string[], cc: string[], bcc: string[] }` */
  recipients_json: string;
  mime_sha256: string;
  size: number;
  state: OutgoingState;
  attempts: number;
  /** 1 once an attempt began handing the message to the server: the next looks for a delivered copy first. */
  transmitted: number;
  next_attempt_at: string | null;
  lease_until: string | null;
  lease_owner: string | null;
  /** An SmtpErrorCode or `send.*` code. */
  error_code: string | null;
  error_message: string | null;
  error_recipient: string | null;
  error_for: 'sender' | 'mailbox_owner' | 'administrator' | null;
  server_reply: string | null;
  sent_copy: 'server' | 'appended' | null;
  stored_message_id: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}
