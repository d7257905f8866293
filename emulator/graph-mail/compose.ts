import { randomUUID } from 'node:crypto';
import { type AddressObject, simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { z } from 'zod';
import { GraphError, TEXT } from './errors.ts';

const recipient = z.object({
  emailAddress: z.object({ address: z.string().min(3), name: z.string().optional() }),
});

/** The JSON message of `sendMail` and of a new draft (graph-mail-spec.md §5); other fields are ignored. */
export const jsonMessageSchema = z.object({
  subject: z.string().optional(),
  body: z.object({ contentType: z.string().regex(/^(text|html)$/i), content: z.string() }).optional(),
  from: recipient.optional(),
  toRecipients: z.array(recipient).default([]),
  ccRecipients: z.array(recipient).default([]),
  bccRecipients: z.array(recipient).default([]),
  replyTo: z.array(recipient).default([]),
  internetMessageId: z.string().optional(),
  internetMessageHeaders: z.array(z.object({ name: z.string().min(1), value: z.string() })).default([]),
  attachments: z
    .array(
      z.object({
        name: z.string().min(1),
        contentType: z.string().optional(),
        contentBytes: z.string(),
        isInline: z.boolean().optional(),
        contentId: z.string().optional(),
      }),
    )
    .default([]),
});

export type JsonMessage = z.infer<typeof jsonMessageSchema>;

const mailbox = (r: z.infer<typeof recipient>) =>
  r.emailAddress.name
    ? { name: r.emailAddress.name, address: r.emailAddress.address }
    : r.emailAddress.address;

/** Custom headers: at most five, each named `x-…`, set only at creation (graph-mail-spec.md §5). */
const customHeaders = (headers: JsonMessage['internetMessageHeaders']): Record<string, string> => {
  if (headers.length > 5)
    throw new GraphError(400, 'InvalidInternetMessageHeaderCollection', TEXT.tooManyHeaders);
  const out: Record<string, string> = {};
  for (const h of headers) {
    if (!/^x-/i.test(h.name))
      throw new GraphError(
        400,
        'InvalidInternetMessageHeaderCollection',
        `The internet message header name '${h.name}' should start with 'x-' or 'X-'.`,
      );
    out[h.name] = h.value;
  }
  return out;
};

const build = (options: Mail.Options, keepBcc: boolean): Promise<Buffer> => {
  const node = new MailComposer(options).compile();
  node.keepBcc = keepBcc;
  return node.build();
};

/** `<uuid@domain>`, from the sender's domain (RFC 5322 §3.6.4). */
export const newMessageId = (from: string): string =>
  `<${randomUUID()}@${from.split('@')[1] ?? 'emulator.invalid'}>`;

/** The RFC 5322 message a JSON message stands for; a draft keeps its Bcc header, a sent message does not. */
export const composeJson = (message: JsonMessage, from: string, keepBcc: boolean): Promise<Buffer> => {
  const html = message.body && message.body.contentType.toLowerCase() === 'html';
  return build(
    {
      messageId: message.internetMessageId ?? newMessageId(from),
      date: new Date(),
      from: message.from ? mailbox(message.from) : from,
      to: message.toRecipients.map(mailbox),
      cc: message.ccRecipients.map(mailbox),
      bcc: message.bccRecipients.map(mailbox),
      replyTo: message.replyTo.map(mailbox),
      subject: message.subject ?? '',
      ...(html ? { html: message.body!.content } : { text: message.body?.content ?? '' }),
      headers: customHeaders(message.internetMessageHeaders),
      attachments: message.attachments.map((a) => ({
        filename: a.name,
        contentType: a.contentType ?? 'application/octet-stream',
        content: Buffer.from(a.contentBytes, 'base64'),
        ...(a.isInline ? { contentDisposition: 'inline' as const, cid: a.contentId ?? a.name } : {}),
      })),
    },
    keepBcc,
  );
};

/** The MIME form's body: base64 of the whole message (graph-mail-spec.md §5). */
export const decodeMimeBody = (text: string): Buffer => {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 === 1)
    throw new GraphError(400, 'ErrorMimeContentInvalidBase64String', TEXT.invalidBase64);
  return Buffer.from(compact, 'base64');
};

const addressesOf = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : [])
    .flatMap((o) => o.value)
    .flatMap((a) => (a.address ? [a.address.toLowerCase()] : []));

/** Envelope of a MIME message: its From and every To, Cc and Bcc address. */
export const envelopeOf = async (raw: Buffer): Promise<{ from: string | null; recipients: string[] }> => {
  const parsed = await simpleParser(raw, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
  });
  return {
    from: addressesOf(parsed.from)[0] ?? null,
    recipients: [
      ...new Set([...addressesOf(parsed.to), ...addressesOf(parsed.cc), ...addressesOf(parsed.bcc)]),
    ],
  };
};

export interface NewAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly content: Buffer;
  readonly isInline: boolean;
  readonly contentId: string | null;
}

/** The draft rebuilt with one more attachment; Message-ID, threading and custom headers are kept. */
export const withAttachment = async (raw: Buffer, attachment: NewAttachment): Promise<Buffer> => {
  const parsed = await simpleParser(raw, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
  });
  const headers: Record<string, string> = {};
  for (const line of parsed.headerLines)
    if (/^x-/i.test(line.key)) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
  const references = Array.isArray(parsed.references)
    ? parsed.references
    : parsed.references
      ? [parsed.references]
      : [];
  const addresses = (value: AddressObject | AddressObject[] | undefined) =>
    (Array.isArray(value) ? value : value ? [value] : [])
      .flatMap((o) => o.value)
      .map((a) => ({ name: a.name, address: a.address ?? '' }));
  return build(
    {
      ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
      date: parsed.date ?? new Date(),
      from: addresses(parsed.from)[0] ?? '',
      to: addresses(parsed.to),
      cc: addresses(parsed.cc),
      bcc: addresses(parsed.bcc),
      replyTo: addresses(parsed.replyTo),
      subject: parsed.subject ?? '',
      ...(parsed.inReplyTo ? { inReplyTo: parsed.inReplyTo } : {}),
      ...(references.length > 0 ? { references } : {}),
      ...(typeof parsed.html === 'string' ? { html: parsed.html } : { text: parsed.text ?? '' }),
      headers,
      attachments: [
        ...parsed.attachments.map((a) => ({
          filename: a.filename ?? 'attachment',
          contentType: a.contentType,
          content: a.content,
          ...(a.contentDisposition === 'inline' && a.cid
            ? { contentDisposition: 'inline' as const, cid: a.cid }
            : {}),
        })),
        {
          filename: attachment.name,
          contentType: attachment.contentType,
          content: attachment.content,
          ...(attachment.isInline
            ? { contentDisposition: 'inline' as const, cid: attachment.contentId ?? attachment.name }
            : {}),
        },
      ],
    },
    true,
  );
};
