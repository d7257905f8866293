import { createHash } from 'node:crypto';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { folderId, type IdAliases, type IdType, messageId } from './ids.ts';
import type { StoreMessage } from './store.ts';

/** Graph's follow-up flag on IMAP flags: `\Flagged` is flagged, the keyword below is complete. */
export const COMPLETE_KEYWORD = '$FlagComplete';

type Recipient = { emailAddress: { name: string; address: string } };

const recipients = (value: AddressObject | AddressObject[] | undefined): Recipient[] =>
  (Array.isArray(value) ? value : value ? [value] : [])
    .flatMap((o) => o.value)
    .filter((a) => a.address)
    .map((a) => ({ emailAddress: { name: a.name || a.address!, address: a.address! } }));

/** UTC ISO-8601 without fractions, as Graph writes dates. */
export const graphDate = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const flagStatus = (flags: readonly string[]): 'notFlagged' | 'flagged' | 'complete' => {
  if (flags.includes(COMPLETE_KEYWORD)) return 'complete';
  return flags.includes('\\Flagged') ? 'flagged' : 'notFlagged';
};

const hash = (value: string): string => createHash('sha256').update(value).digest('base64').slice(0, 22);

/** One conversation per thread root: the first References id, else In-Reply-To, else the message's own. */
const conversationId = (mailbox: string, parsed: ParsedMail): string => {
  const references = Array.isArray(parsed.references)
    ? parsed.references
    : parsed.references
      ? [parsed.references]
      : [];
  const root = references[0] ?? parsed.inReplyTo ?? parsed.messageId ?? '';
  return `AAQkAD${Buffer.from(hash(`${mailbox}|${root}`)).toString('base64url')}`;
};

const preview = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 255);

export interface MessageJsonOptions {
  readonly aliases: IdAliases;
  readonly idType: IdType;
  /** `$select`: the fields to return (`id` always); `null` = Graph's default set. */
  readonly select: readonly string[] | null;
  readonly textBody: boolean;
}

const DEFAULT_FIELDS = [
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
] as const;

/** The message resource (graph-mail-spec.md §3); `internetMessageHeaders` only when selected. */
export const messageJson = async (message: StoreMessage, options: MessageJsonOptions) => {
  const parsed = await simpleParser(message.source, { skipImageLinks: true, skipTextToHtml: true });
  const { location, flags } = message;
  const changeKey = hash(`${location.uidValidity}|${location.uid}|${flags.join(' ')}`);
  const from = recipients(parsed.from)[0] ?? null;
  const received = graphDate(message.internalDate);
  const html = typeof parsed.html === 'string' ? parsed.html : null;
  const text = parsed.text ?? '';
  const body =
    html !== null && !options.textBody
      ? { contentType: 'html', content: html }
      : { contentType: 'text', content: text };
  const all: Record<string, () => unknown> = {
    createdDateTime: () => received,
    lastModifiedDateTime: () => received,
    changeKey: () => changeKey,
    categories: () => [],
    receivedDateTime: () => received,
    sentDateTime: () => graphDate(parsed.date ?? message.internalDate),
    hasAttachments: () => parsed.attachments.some((a) => a.contentDisposition !== 'inline'),
    internetMessageId: () => parsed.messageId ?? null,
    subject: () => parsed.subject ?? '',
    bodyPreview: () => preview(text),
    importance: () => 'normal',
    parentFolderId: () => folderId(location.mailbox, location.folder),
    conversationId: () => conversationId(location.mailbox, parsed),
    isDeliveryReceiptRequested: () => false,
    isReadReceiptRequested: () => false,
    isRead: () => flags.includes('\\Seen'),
    isDraft: () => flags.includes('\\Draft'),
    webLink: () =>
      `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(messageId(options.aliases, location, 'rest'))}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: () => 'focused',
    body: () => body,
    sender: () =>
      recipients(
        parsed.headers.has('sender') ? (parsed.headers.get('sender') as AddressObject) : parsed.from,
      )[0] ?? from,
    from: () => from,
    toRecipients: () => recipients(parsed.to),
    ccRecipients: () => recipients(parsed.cc),
    bccRecipients: () => recipients(parsed.bcc),
    replyTo: () => recipients(parsed.replyTo),
    flag: () => ({ flagStatus: flagStatus(flags) }),
    internetMessageHeaders: () =>
      parsed.headerLines.map((h) => {
        const colon = h.line.indexOf(':');
        return {
          name: h.line.slice(0, colon),
          value: h.line
            .slice(colon + 1)
            .replace(/\r?\n[ \t]+/g, ' ')
            .trim(),
        };
      }),
  };
  const wanted = options.select ?? DEFAULT_FIELDS;
  const json: Record<string, unknown> = {
    '@odata.etag': `W/"${changeKey}"`,
    id: messageId(options.aliases, location, options.idType),
  };
  for (const field of wanted) {
    const value = all[field];
    if (value) json[field] = value();
  }
  return json;
};

/** `$select=a,b` as field names; `null` without one. */
export const selectOf = (value: string | undefined): string[] | null => {
  if (!value) return null;
  const fields = value
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f.length > 0 && f !== 'id');
  return fields;
};
