import type { AddressObject, EmailAddress } from 'mailparser';

export interface ParsedAddress {
  readonly name: string;
  /** Null when the header gave a name without an address. */
  readonly address: string | null;
}

export interface ParsedAttachment {
  /** Order among the message's attachments, from 0. */
  readonly position: number;
  readonly filename: string | null;
  readonly contentType: string;
  /** `attachment`, `inline`, or null when the part did not say. */
  readonly disposition: string | null;
  /** Content-ID without brackets: what `cid:` URLs in the HTML name. */
  readonly contentId: string | null;
  readonly size: number;
  /** The blob's name in the blob store. */
  readonly sha256: string;
}

/** One message as read, as well as it could be: odd input is described in `warnings`, never thrown. */
export interface ParsedMessage {
  /** Message-ID without angle brackets, as written (case kept); null when there is none. */
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  /** References, oldest first, without angle brackets. */
  readonly references: readonly string[];
  readonly subject: string;
  readonly from: ParsedAddress | null;
  readonly to: readonly ParsedAddress[];
  readonly cc: readonly ParsedAddress[];
  /** The Date header; null when missing or unreadable. */
  readonly date: Date | null;
  /** Plain text (converted from the HTML when there is no text part). */
  readonly text: string | null;
  readonly html: string | null;
  readonly snippet: string;
  readonly attachments: readonly ParsedAttachment[];
  /** `code: detail` lines; the codes are stable (ParseWarningCode), the details are for people. */
  readonly warnings: readonly string[];
}

export type ParseWarningCode =
  | 'message.not_a_message'
  | 'mime.parse_failed'
  | 'multipart.no_boundary'
  | 'multipart.unterminated'
  | 'charset.unknown'
  | 'header.latin1'
  | 'message_id.missing'
  | 'date.invalid'
  | 'html.not_converted'
  | 'attachment.unreadable'
  | 'body.truncated';

export const parseWarning = (code: ParseWarningCode, detail: string): string => `${code}: ${detail}`;

/** The code of a stored warning line. */
export const warningCode = (warning: string): ParseWarningCode =>
  warning.slice(0, warning.indexOf(':')) as ParseWarningCode;

/** PostgreSQL's text type cannot hold U+0000, which binary junk in a header or body can contain. */
export const withoutNul = (value: string): string =>
  value.includes('\0') ? value.replace(/\0/g, '') : value;

const SNIPPET_LENGTH = 200;

const fold = (text: string): string => withoutNul(text).replace(/\s+/g, ' ').trim();

/**
 * About 200 characters of the text, whitespace folded, never cut inside a surrogate pair. Only a
 * window of the text is folded, widened while it folds to less than a snippet: folding the whole body
 * (or even 1,600 characters) cost a third of a parse.
 */
export const toSnippet = (text: string): string => {
  let window = SNIPPET_LENGTH * 2;
  let folded = fold(text.slice(0, window));
  while (folded.length <= SNIPPET_LENGTH && window < text.length) {
    window *= 4;
    folded = fold(text.slice(0, window));
  }
  if (folded.length <= SNIPPET_LENGTH) return folded;
  const cut = /[\uD800-\uDBFF]/.test(folded[SNIPPET_LENGTH - 1]!) ? SNIPPET_LENGTH - 1 : SNIPPET_LENGTH;
  return `${folded.slice(0, cut).trimEnd()}…`;
};

/** Mailboxes of one address header (or of several, when repeated), groups flattened (RFC 5322 §3.4). */
export const toParsedAddresses = (header: AddressObject | AddressObject[] | undefined): ParsedAddress[] => {
  const flatten = (list: EmailAddress[]): EmailAddress[] =>
    list.flatMap((a) => (a.group ? flatten(a.group) : [a]));
  return flatten([header ?? []].flat().flatMap((h) => h.value)).map((a) => ({
    name: withoutNul(a.name ?? ''),
    address: a.address ? withoutNul(a.address) : null,
  }));
};
