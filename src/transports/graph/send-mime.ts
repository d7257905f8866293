import { simpleParser } from 'mailparser';
import { z } from 'zod';
import type { GraphErrorContext } from './graph-advice.ts';
import type { GraphClient } from './graph-client.ts';
import { GraphError } from './graph-error.ts';
import { mailboxRoot, segment } from './mailbox-path.ts';
import { isAttachmentPart, joinMixed, type MimePart, readHeaders, splitMixed } from './split-mime.ts';
import { type LargeAttachment, uploadAttachment } from './upload-session.ts';

/**
 * The largest message sent in one `sendMail` request: its base64 must stay under Graph's ~4 MB request limit
 * (§5: over it, 413), and base64 grows by a third.
 */
export const SEND_MIME_MAX_BYTES = 3_000_000;
/** Smaller attachments are refused by upload sessions: ErrorAttachmentSizeShouldNotBeLessThanMinimumSize (§5). */
export const UPLOAD_SESSION_MIN_BYTES = 3 * 1024 * 1024;

export type SendMimeResult =
  | { readonly via: 'sendMail' }
  /** Sent through a draft; with `Prefer: IdType="ImmutableId"` its id is the sent copy's too (§5 Replies). */
  | { readonly via: 'draft'; readonly draftId: string; readonly uploaded: number; readonly attached: number };

export interface SendMimeOptions {
  readonly signal?: AbortSignal;
  /** For each upload range. */
  readonly timeoutMs?: number;
}

const draftSchema = z.looseObject({ id: z.string().min(1), internetMessageId: z.string().nullish() });

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

/** A file under the upload-session minimum goes in one JSON request (`POST …/attachments`, fileAttachment). */
const attachSmall = (
  client: GraphClient,
  root: string,
  draftId: string,
  file: LargeAttachment,
  context: GraphErrorContext,
  signal?: AbortSignal,
) =>
  client.request({
    method: 'POST',
    path: `${root}/messages/${segment(draftId)}/attachments`,
    json: {
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: file.name,
      contentType: file.contentType,
      contentBytes: file.content.toString('base64'),
      ...(file.isInline ? { isInline: true } : {}),
      ...(file.contentId ? { contentId: file.contentId } : {}),
    },
    read: 'none',
    context,
    ...(signal ? { signal } : {}),
  });

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

const sendThroughDraft = async (
  client: GraphClient,
  mailbox: string,
  draft: { skeleton: Buffer; messageId: string | null; files: readonly LargeAttachment[] },
  options: SendMimeOptions,
): Promise<SendMimeResult> => {
  const root = mailboxRoot(mailbox);
  const context: GraphErrorContext = { mailbox, permission: 'Mail.ReadWrite' };
  const signal = options.signal ? { signal: options.signal } : {};
  const created = await client.request({
    method: 'POST',
    path: `${root}/messages`,
    body: { contentType: 'text/plain', data: draft.skeleton.toString('base64') },
    read: 'json',
    context,
    ...signal,
  });
  const made = draftSchema.safeParse(created.json);
  if (!made.success) throw new GraphError('graph.protocol', {}, context, { cause: made.error });
  const draftId = made.data.id;
  try {
    // internetMessageId is writable while the message is a draft (§3); whether a MIME draft keeps the
    // Message-ID is unconfirmed, so it is put back when it was not kept.
    if (draft.messageId && made.data.internetMessageId !== draft.messageId)
      await client.request({
        method: 'PATCH',
        path: `${root}/messages/${segment(draftId)}`,
        json: { internetMessageId: draft.messageId },
        read: 'none',
        context,
        ...signal,
      });
    let uploaded = 0;
    let attached = 0;
    for (const file of draft.files) {
      if (file.content.length >= UPLOAD_SESSION_MIN_BYTES) {
        await uploadAttachment(client, mailbox, draftId, file, options);
        uploaded += 1;
      } else {
        await attachSmall(client, root, draftId, file, context, options.signal);
        attached += 1;
      }
    }
    await client.request({
      method: 'POST',
      path: `${root}/messages/${segment(draftId)}/send`,
      read: 'none',
      context: { mailbox, permission: 'Mail.Send' },
      ...signal,
    });
    return { via: 'draft', draftId, uploaded, attached };
  } catch (error) {
    await deleteDraft(client, root, draftId, context);
    throw error;
  }
};

/** A draft left by a failed send is removed; if Graph refuses that too, the draft stays in Drafts and the send's own failure is what the caller sees. */
const deleteDraft = async (
  client: GraphClient,
  root: string,
  draftId: string,
  context: GraphErrorContext,
) => {
  try {
    await client.request({
      method: 'DELETE',
      path: `${root}/messages/${segment(draftId)}`,
      read: 'none',
      context,
    });
  } catch (cleanup) {
    if (!(cleanup instanceof GraphError)) throw cleanup;
  }
};
