import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { BlobStore } from '../messages/blob-store.ts';
import type { Recipient } from './compose-input.ts';

export interface MimeAttachment {
  readonly filename: string;
  readonly contentType: string;
  /** Bytes in hand, or a stream from the blob store (a forwarded file). */
  readonly content: Buffer | (() => Readable);
}

export interface MimeInput {
  readonly from: Recipient;
  readonly to: readonly Recipient[];
  readonly cc: readonly Recipient[];
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly attachments: readonly MimeAttachment[];
  readonly date: Date;
}

/** `<uuid@domain>`: unique, and from the sender's own domain as RFC 5322 §3.6.4 recommends. Without brackets. */
export const newMessageId = (fromAddress: string): string =>
  `${randomUUID()}@${fromAddress.split('@')[1] ?? 'mailroom.invalid'}`;

const bracket = (id: string) => `<${id}>`;
const mailbox = (r: Recipient) => (r.name ? { name: r.name, address: r.address } : r.address);

/**
 * The message as RFC 5322 bytes, written into the blob store: built once when the message is queued, so
 * every attempt sends the very same bytes with the very same Message-ID. Bcc is left out of the headers
 * (the envelope carries it). Forwarded files stream from the blob store into the new message.
 */
export const buildMime = async (
  blobs: BlobStore,
  messageId: string,
  input: MimeInput,
): Promise<{ sha256: string; size: number }> => {
  const composer = new MailComposer({
    messageId: bracket(messageId),
    date: input.date,
    from: mailbox(input.from),
    to: input.to.map(mailbox),
    cc: input.cc.map(mailbox),
    subject: input.subject,
    text: input.text,
    ...(input.html !== null ? { html: input.html } : {}),
    ...(input.inReplyTo ? { inReplyTo: bracket(input.inReplyTo) } : {}),
    ...(input.references.length > 0 ? { references: input.references.map(bracket) } : {}),
    attachments: input.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.isBuffer(a.content) ? a.content : a.content(),
    })),
    headers: { 'X-Mailer': 'Mailroom' },
  });
  return blobs.put(composer.compile().createReadStream());
};
