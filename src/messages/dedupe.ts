import { createHash } from 'node:crypto';
import type { ParsedMessage } from './parsed-message.ts';

/**
 * What a message says, as Mailroom stores it (the `messages` columns and the attachments' hashes): the
 * part of a message that two copies of it share, whatever folder, UID or server rendering they came in.
 */
export interface MessageContent {
  readonly fromAddress: string | null;
  readonly subject: string;
  readonly text: string | null;
  readonly html: string | null;
  /** The SHA-256 of each attachment's decoded content. */
  readonly attachmentHashes: readonly string[];
}

/**
 * What the dedupe key hashes of a parsed message: the values its row and attachment rows will hold. Here, not
 * in store-message.ts, which the parse threads then loaded only for this, with kysely and the database code.
 */
export const contentOf = (parsed: ParsedMessage): MessageContent => ({
  fromAddress: parsed.from?.address ?? null,
  subject: parsed.subject,
  text: parsed.text,
  html: parsed.html,
  attachmentHashes: parsed.attachments.map((a) => a.sha256),
});

/**
 * The key that makes a message once per mailbox (the `messages_mailbox_dedupe` constraint): the same
 * message in Inbox and Archive, or fetched again after a UIDVALIDITY change, is one row with two
 * locations. A Message-ID alone does not make two messages one (RFC 5322 §3.6.4 asks senders for unique
 * ids; nothing makes them keep to it), or a sender who reuses one would hide the real message behind
 * theirs: the key is the id and the hash of the content (`contentHash`). A message without an id is known
 * by the SHA-256 of its source, so only byte-identical copies merge.
 */
export const dedupeKey = (messageId: string | null, content: MessageContent, source: Buffer): string => {
  const normalised = messageId === null ? '' : normaliseMessageId(messageId);
  return normalised
    ? `mid:${normalised}#${contentHash(content)}`
    : `sha256:${createHash('sha256').update(source).digest('hex')}`;
};

/**
 * SHA-256 over the decoded content: sender address, subject, text, HTML and attachments. Not the header
 * block, where Exchange adds its own fields to each copy (Received, X-MS-Exchange-Organization-*,
 * X-MS-Has-Attach, Thread-Index), and not the encoded body, which a server may re-encode (quoted-printable
 * or base64, CRLF, another boundary); decoded text compares without line-end style or trailing blanks.
 * Where two copies still differ, Mailroom shows two messages rather than hide one.
 */
export const contentHash = (c: MessageContent): string =>
  createHash('sha256')
    .update(
      JSON.stringify([
        c.fromAddress?.toLowerCase() ?? null,
        c.subject,
        comparable(c.text),
        comparable(c.html),
        [...c.attachmentHashes].sort(),
      ]),
    )
    .digest('hex');

/** Line ends as `\n`, no blanks at the end of a line or of the text (a loop and trimEnd: no regex). */
const comparable = (body: string | null): string | null =>
  body === null
    ? null
    : body
        .split('\n')
        .map((line) => line.trimEnd())
        .join('\n')
        .trimEnd();

/**
 * `<Abc@Example.COM>` → `abc@example.com`. Brackets are counted off in a loop: `/>+$/` is quadratic on
 * a header of `>` that do not end it.
 */
export const normaliseMessageId = (messageId: string): string => {
  const value = messageId.trim();
  let start = 0;
  let end = value.length;
  while (start < end && value[start] === '<') start++;
  while (end > start && value[end - 1] === '>') end--;
  return value.slice(start, end).trim().toLowerCase();
};
