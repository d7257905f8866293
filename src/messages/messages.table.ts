import type { Generated } from 'kysely';

export interface FolderSyncStateTable {
  mailbox_id: string;
  path: string;
  uidvalidity: number | null;
  uid_next: Generated<number>;
  highest_modseq: string | null;
  server_messages: Generated<number>;
  stored_messages: Generated<number>;
  status: Generated<'idle' | 'syncing' | 'failed'>;
  last_synced_at: string | null;
  last_error: string | null;
  /** `imap_smtp` (its cursor: uidvalidity, uid_next, highest_modseq) or `graph` (folder_id, cursor). */
  transport: Generated<string>;
  /** Graph's id of the folder; null for IMAP, which names it by its path. */
  folder_id: string | null;
  /** Graph's delta link, opaque; null for IMAP. */
  cursor: string | null;
  /** Graph, during a round from nothing: locations below this UID not seen yet in the round (0040). */
  resync_below: number | null;
}

export interface MessagesTable {
  id: string;
  mailbox_id: string;
  dedupe_key: string;
  message_id: string | null;
  thread_id: string;
  /** lookupKey(mailbox_id, thread_id) (lookup-keys.ts): what the thread look-ups use an index of. */
  thread_key: number;
  /** lookupKey(mailbox_id, message_id), null without a Message-ID. */
  message_key: number | null;
  in_reply_to: string | null;
  /** JSON array of Message-IDs (References), oldest first. */
  references: string;
  subject: string;
  from_address: string | null;
  from_name: string | null;
  /** JSON `[{ name, address }]` */
  to_json: string;
  cc_json: string;
  sent_at: string | null;
  received_at: string;
  size: number;
  snippet: string;
  body_text: string | null;
  body_html: string | null;
  /** body_html's length in characters (code points, as SQL's length() counts them). */
  html_length: number | null;
  has_attachments: number;
  parse_warnings: string;
  created_at: string;
  /** `pending`: listed from its header, the body not read yet (its source in message_sources). */
  parse_state: Generated<ParseState>;
  /** Why reading the body failed (`failed`); the envelope stays listed. */
  parse_error: string | null;
}

export type ParseState = 'pending' | 'parsed' | 'failed';

/** The raw source of a message waiting for its parse: in the row, or a blob for a large message. */
export interface MessageSourcesTable {
  message_id: string;
  source: Buffer | null;
  blob_sha256: string | null;
}

export interface MessageLocationsTable {
  mailbox_id: string;
  path: string;
  uidvalidity: number;
  uid: number;
  message_id: string;
  seen: number;
  flagged: number;
  answered: number;
  draft: number;
  pending_flags: string | null;
  /** `imap_smtp`, or `graph`: then uidvalidity is 0 and the UID one its folder handed out. */
  transport: Generated<string>;
  /** Graph's immutable message id, unique per mailbox; null for IMAP. */
  remote_id: string | null;
}

export interface AttachmentsTable {
  id: string;
  message_id: string;
  position: number;
  filename: string | null;
  content_type: string;
  disposition: string | null;
  content_id: string | null;
  size: number;
  sha256: string;
}
