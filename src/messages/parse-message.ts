import { Readable } from 'node:stream';
import {
  type AttachmentStream,
  type HeaderLines,
  MailParser,
  type MessageText,
  type StructuredHeader,
} from 'mailparser';
import type { BlobStore } from './blob-store.ts';
import { charsetDecoders, decodeUnknown, repairHead } from './decode-text.ts';
import { dateOf, firstMessageId, rawHeader, referencesOf } from './header-fields.ts';
import { MessagesError } from './messages-error.ts';
import type { ParsedAttachment, ParsedMessage } from './parsed-message.ts';
import { parseWarning, toParsedAddresses, toSnippet, withoutNul } from './parsed-message.ts';

/** Raw text kept when a body cannot be parsed (no boundary, not a message): enough to read, bounded. */
const MAX_SALVAGED_BYTES = 1024 * 1024;
/** HTML longer than this is kept but not turned into text: html-to-text is slow on huge markup. */
const MAX_HTML_TO_TEXT = 2 * 1024 * 1024;
/** The source is fed to the parser in slices of the caller's buffer (no copy) so it can push back. */
const SLICE = 64 * 1024;

/**
 * Parses one message, streaming each attachment's content into the blob store as mailparser decodes
 * it (a 20 MB attachment is never in memory). Never throws on malformed mail: what could be read is
 * returned, and what was odd is in `warnings`. Throws only when the blob store fails.
 */
export const parseMessage = async (source: Buffer, blobs: BlobStore): Promise<ParsedMessage> => {
  const warnings: string[] = [];
  if (!looksLikeMessage(source)) return notAMessage(source, warnings);
  const { head, bodyStart, latin1 } = repairHead(source);
  if (latin1) warnings.push(parseWarning('header.latin1', 'raw 8-bit header bytes are not UTF-8'));
  const body = source.subarray(bodyStart);

  const parser = new MailParser({
    Iconv: charsetDecoders((charset, as) =>
      warnings.push(parseWarning('charset.unknown', `"${charset}", read as ${as}`)),
    ),
    checksumAlgo: false, // the blob store hashes (SHA-256) as it writes
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    maxHtmlLengthToParse: MAX_HTML_TO_TEXT,
  });
  Readable.from(slices(head, body)).pipe(parser);
  const attachments: ParsedAttachment[] = [];
  let text: MessageText | null = null;
  let failed = false;
  try {
    for await (const part of parser as AsyncIterable<AttachmentStream | MessageText>) {
      if (part.type === 'text') text = part;
      else {
        const stored = await storeAttachment(part, blobs, attachments.length, warnings);
        if (stored) attachments.push(stored);
      }
    }
  } catch (error) {
    if (error instanceof MessagesError) throw error;
    failed = true;
    warnings.push(parseWarning('mime.parse_failed', `${(error as Error).message}; kept what was read`));
  }

  const lines: HeaderLines = parser.headerLines || [];
  const messageId = firstMessageId(rawHeader(lines, 'message-id'));
  if (!messageId) warnings.push(parseWarning('message_id.missing', 'no usable Message-ID header'));
  const { date, unreadable } = dateOf(lines);
  if (unreadable) warnings.push(parseWarning('date.invalid', `Date: ${unreadable}`));
  if (text?.textConversionError)
    warnings.push(parseWarning('html.not_converted', text.textConversionError.message));
  const salvage = checkMultipart(parser, body, warnings) || (failed && !text);
  const bodyText = text?.text ?? (salvage ? salvaged(body, warnings) : null);

  return {
    messageId,
    inReplyTo: firstMessageId(rawHeader(lines, 'in-reply-to')),
    references: referencesOf(lines),
    subject: withoutNul(parser.subject ?? ''),
    from: toParsedAddresses(parser.from)[0] ?? null,
    to: toParsedAddresses(parser.to),
    cc: toParsedAddresses(parser.cc),
    date,
    text: bodyText === null ? null : withoutNul(bodyText),
    html: text?.html ? withoutNul(text.html) : null,
    snippet: toSnippet(bodyText ?? ''),
    attachments,
    warnings,
  };
};

async function* slices(head: Buffer, body: Buffer): AsyncGenerator<Buffer> {
  yield head;
  for (let at = 0; at < body.length; at += SLICE) yield body.subarray(at, at + SLICE);
}

/** Streams one attachment into the blob store; the parser waits until `release()`. */
const storeAttachment = async (
  part: AttachmentStream,
  blobs: BlobStore,
  position: number,
  warnings: string[],
): Promise<ParsedAttachment | null> => {
  // An error of the content itself (a broken encoding) is the message's fault, not the store's.
  let contentError: Error | null = null;
  part.content.once('error', (error: Error) => {
    contentError = error;
  });
  try {
    const { sha256, size } = await blobs.put(part.content);
    return {
      position,
      filename: part.filename ? withoutNul(part.filename) : null,
      contentType: withoutNul(part.contentType),
      disposition: part.contentDisposition ?? null,
      contentId: part.cid ? withoutNul(part.cid) : null,
      size,
      sha256,
    };
  } catch (error) {
    if (contentError) {
      warnings.push(parseWarning('attachment.unreadable', `part ${part.partId}: ${contentError}`));
      return null;
    }
    throw new MessagesError('messages.blob_failed', 'the blob store could not take an attachment', {
      cause: error,
    });
  } finally {
    part.release?.();
  }
};

/**
 * mailparser reads a multipart body whose boundary never appears as an empty preamble, and a missing
 * closing boundary silently (RFC 2046 §5.1.1). Says whether the body must be salvaged as raw text.
 */
const checkMultipart = (parser: MailParser, body: Buffer, warnings: string[]): boolean => {
  const type = parser.headers
    ? (parser.headers.get('content-type') as StructuredHeader | undefined)
    : undefined;
  if (!type?.value.toLowerCase().startsWith('multipart/')) return false;
  const boundary = type.params.boundary;
  if (!boundary || body.indexOf(`--${boundary}`) < 0) {
    warnings.push(parseWarning('multipart.no_boundary', `boundary "${boundary ?? ''}" never appears`));
    return true;
  }
  if (body.indexOf(`--${boundary}--`) < 0)
    warnings.push(parseWarning('multipart.unterminated', 'no closing boundary; parts read to the end'));
  return false;
};

const salvaged = (bytes: Buffer, warnings: string[]): string => {
  if (bytes.length > MAX_SALVAGED_BYTES)
    warnings.push(parseWarning('body.truncated', `raw text kept up to ${MAX_SALVAGED_BYTES} bytes`));
  return decodeUnknown(bytes.subarray(0, MAX_SALVAGED_BYTES)).text;
};

/** A message starts with a header field, `name: value` (RFC 5322 §2.2: printable ASCII but colon). */
const looksLikeMessage = (source: Buffer): boolean =>
  /^[!-9;-~]+[ \t]*:/.test(source.subarray(0, 1000).toString('latin1'));

const notAMessage = (source: Buffer, warnings: string[]): ParsedMessage => {
  warnings.push(parseWarning('message.not_a_message', 'no header fields; kept as raw text'));
  const text = withoutNul(salvaged(source, warnings));
  return {
    messageId: null,
    inReplyTo: null,
    references: [],
    subject: '',
    from: null,
    to: [],
    cc: [],
    date: null,
    text,
    html: null,
    snippet: toSnippet(text),
    attachments: [],
    warnings,
  };
};
