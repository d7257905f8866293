import type { Selectable } from 'kysely';
import type { AttachmentsTable, MessageLocationsTable, MessagesTable, ParseState } from './messages.table.ts';
import type { ParsedAddress, ParsedAttachment } from './parsed-message.ts';

/** A line of a message list. */
export interface MessageSummary {
  readonly id: string;
  readonly threadId: string;
  readonly subject: string;
  readonly from: ParsedAddress | null;
  readonly to: readonly ParsedAddress[];
  readonly sentAt: string | null;
  readonly receivedAt: string;
  readonly snippet: string;
  readonly hasAttachments: boolean;
  /** Over the copies listed (one folder's, or all): seen if any copy is, flagged if any copy is. */
  readonly seen: boolean;
  readonly flagged: boolean;
  /** Listed from its header, its body not read yet: the list shows its envelope and "loading". */
  readonly loading: boolean;
}

/** A stored attachment: what parsing found, with its row id. Open the content with `BlobStore.open(sha256)`. */
export interface Attachment extends ParsedAttachment {
  readonly id: string;
}

export interface MessageLocation {
  readonly path: string;
  readonly uidValidity: number;
  readonly uid: number;
  readonly seen: boolean;
  readonly flagged: boolean;
  readonly answered: boolean;
  readonly draft: boolean;
}

/** A whole message, to read. */
export interface Message extends MessageSummary {
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly cc: readonly ParsedAddress[];
  readonly size: number;
  readonly bodyText: string | null;
  /**
   * The HTML's length in characters, null when there is none. The HTML itself (as received: sanitise it
   * before showing it) is read with `htmlOf`: it can be megabytes, which a page view should not load.
   */
  readonly htmlLength: number | null;
  readonly warnings: readonly string[];
  /** `pending` while the body is being read, `failed` when it could not be (`parseError` says why). */
  readonly parseState: ParseState;
  readonly parseError: string | null;
  readonly attachments: readonly Attachment[];
  readonly locations: readonly MessageLocation[];
}

/** The columns a summary needs (bodies left out: a list never carries them). */
export const SUMMARY_COLUMNS = [
  'm.id',
  'm.thread_id',
  'm.subject',
  'm.from_address',
  'm.from_name',
  'm.to_json',
  'm.sent_at',
  'm.received_at',
  'm.snippet',
  'm.has_attachments',
  'm.parse_state',
] as const;

export type SummaryRow = Pick<
  Selectable<MessagesTable>,
  | 'id'
  | 'thread_id'
  | 'subject'
  | 'from_address'
  | 'from_name'
  | 'to_json'
  | 'sent_at'
  | 'received_at'
  | 'snippet'
  | 'has_attachments'
  | 'parse_state'
> & { seen: number | string | null; flagged: number | string | null };

const fromOf = (row: { from_address: string | null; from_name: string | null }): ParsedAddress | null =>
  row.from_address || row.from_name ? { name: row.from_name ?? '', address: row.from_address } : null;

export const rowToSummary = (row: SummaryRow): MessageSummary => ({
  id: row.id,
  threadId: row.thread_id,
  subject: row.subject,
  from: fromOf(row),
  to: JSON.parse(row.to_json) as ParsedAddress[],
  sentAt: row.sent_at,
  receivedAt: row.received_at,
  snippet: row.snippet,
  hasAttachments: row.has_attachments === 1,
  // max() over integer columns: a number on SQLite, a number or a numeric string on PostgreSQL.
  seen: Number(row.seen) === 1,
  flagged: Number(row.flagged) === 1,
  loading: row.parse_state === 'pending',
});

/** The columns of a whole message but its HTML, which `htmlOf` reads (a length stands in for it). */
export const MESSAGE_COLUMNS = [
  'id',
  'mailbox_id',
  'dedupe_key',
  'message_id',
  'thread_id',
  'in_reply_to',
  'references',
  'subject',
  'from_address',
  'from_name',
  'to_json',
  'cc_json',
  'sent_at',
  'received_at',
  'size',
  'snippet',
  'body_text',
  'html_length',
  'has_attachments',
  'parse_warnings',
  'created_at',
  'parse_state',
  'parse_error',
] as const;

export type MessageRow = Omit<Selectable<MessagesTable>, 'body_html' | 'thread_key' | 'message_key'>;

export const rowToMessage = (
  row: MessageRow,
  attachments: readonly Selectable<AttachmentsTable>[],
  locations: readonly Selectable<MessageLocationsTable>[],
): Message => ({
  ...rowToSummary({
    ...row,
    seen: locations.some((l) => l.seen === 1) ? 1 : 0,
    flagged: locations.some((l) => l.flagged === 1) ? 1 : 0,
  }),
  messageId: row.message_id,
  inReplyTo: row.in_reply_to,
  references: JSON.parse(row.references) as string[],
  cc: JSON.parse(row.cc_json) as ParsedAddress[],
  size: row.size,
  bodyText: row.body_text,
  htmlLength: row.html_length,
  warnings: JSON.parse(row.parse_warnings) as string[],
  parseState: row.parse_state,
  parseError: row.parse_error,
  attachments: attachments.map((a) => ({
    id: a.id,
    position: a.position,
    filename: a.filename,
    contentType: a.content_type,
    disposition: a.disposition,
    contentId: a.content_id,
    size: a.size,
    sha256: a.sha256,
  })),
  locations: locations.map((l) => ({
    path: l.path,
    uidValidity: l.uidvalidity,
    uid: l.uid,
    seen: l.seen === 1,
    flagged: l.flagged === 1,
    answered: l.answered === 1,
    draft: l.draft === 1,
  })),
});
