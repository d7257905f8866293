import { simpleParser } from 'mailparser';
import type { GraphErrorContext } from './graph-advice.ts';
import type { GraphClient } from './graph-client.ts';
import { GraphError } from './graph-error.ts';
import { mailboxRoot } from './mailbox-path.ts';
import { type SendMimeOptions, type SendMimeResult, sendThroughDraft } from './send-through-draft.ts';
import { isAttachmentPart, joinMixed, type MimePart, readHeaders, splitMixed } from './split-mime.ts';
import type { LargeAttachment } from './upload-session.ts';

/**
 * The largest message sent in one `sendMail` request: its base64 must stay under Graph's ~4 MB request limit
 * (§5: over it, 413), and base64 grows by a third.
 */
export const SEND_MIME_MAX_BYTES = 3_000_000;

export type { SendMimeOptions, SendMimeResult } from './send-through-draft.ts';

/** `POST …/sendMail`, body the base64 of the whole message as `text/plain` (§5 MIME form) → 202. */
const sendWhole = async (client: GraphClient, mailbox: string, mime: Buffer, options: SendMimeOptions) => {
  await client.request({
    method: 'POST',
    path: `${mailboxRoot(mailbox)}/sendMail`,
    body: { contentType: 'text/plain', data: mime.toString('base64') },
    read: 'none',
    context: { mailbox, permission: 'Mail.Send' },
    ...(options.signal ? { signal: options.signal } : {}),
  });
};

/** One file part, decoded by mailparser (name from RFC 2231/2047, transfer encoding undone); null if it is no file. */
const decodePart = async (part: MimePart): Promise<LargeAttachment | null> => {
  const parsed = await simpleParser(part.raw, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
  });
  const file = parsed.attachments[0];
  if (!file) return null;
  return {
    name: file.filename ?? 'attachment',
    contentType: file.contentType,
    content: file.content,
    isInline: file.contentDisposition === 'inline',
    contentId: file.contentId?.replace(/^<|>$/g, '') ?? null,
  };
};

/**
 * Which parts stay in the draft's MIME: everything but files, then the smallest files while the message
 * stays under SEND_MIME_MAX_BYTES. The others are added to the draft afterwards.
 */
const planSplit = (parts: readonly MimePart[], fits: (kept: readonly MimePart[]) => boolean) => {
  const kept = new Set(parts.filter((p) => !isAttachmentPart(p)));
  const files = parts.filter((p) => isAttachmentPart(p)).sort((a, b) => a.raw.length - b.raw.length);
  const inOrder = () => parts.filter((p) => kept.has(p));
  for (const file of files) {
    kept.add(file);
    if (!fits(inOrder())) kept.delete(file);
  }
  return { kept: inOrder(), moved: files.filter((f) => !kept.has(f)) };
};

/**
 * Sends a prepared message as MIME, so Message-ID, In-Reply-To and References are the ones Mailroom wrote
 * (§5). Up to SEND_MIME_MAX_BYTES in one `sendMail`; a larger one through a draft: the message without its
 * large files as a MIME draft (`POST …/messages`), each file of 3 MB or more through an upload session and
 * smaller ones as JSON attachments, then `POST …/messages/{id}/send`. `mailbox` is 'me' or, for a system
 * mailbox, its address (`/users/{address}/sendMail`: Send As and Mail.Send.Shared, §1).
 */
export const sendMime = async (
  client: GraphClient,
  mailbox: string,
  mime: Buffer,
  options: SendMimeOptions = {},
): Promise<SendMimeResult> => {
  if (mime.length <= SEND_MIME_MAX_BYTES) {
    await sendWhole(client, mailbox, mime, options);
    return { via: 'sendMail' };
  }
  const context: GraphErrorContext = { mailbox, permission: 'Mail.Send' };
  const layout = splitMixed(mime);
  if (!layout) throw new GraphError('graph.message_too_large', {}, context);
  const plan = planSplit(layout.parts, (kept) => joinMixed(layout, kept).length <= SEND_MIME_MAX_BYTES);
  const skeleton = joinMixed(layout, plan.kept);
  if (skeleton.length > SEND_MIME_MAX_BYTES) throw new GraphError('graph.message_too_large', {}, context);
  const files: LargeAttachment[] = [];
  for (const part of plan.moved) {
    const file = await decodePart(part);
    if (!file) throw new GraphError('graph.message_too_large', {}, context);
    files.push(file);
  }
  const messageId = readHeaders(layout.head.toString('latin1')).get('message-id') ?? null;
  return sendThroughDraft(client, mailbox, { skeleton, messageId, files }, options);
};
