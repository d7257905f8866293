import { z } from 'zod';
import type { GraphErrorContext } from './graph-advice.ts';
import type { GraphClient } from './graph-client.ts';
import { GraphError } from './graph-error.ts';
import { mailboxRoot, segment } from './mailbox-path.ts';
import { type LargeAttachment, uploadAttachment } from './upload-session.ts';

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
 * The draft half of sendMime (graph-mail-spec.md §5 "Draft + large attachment"): the message without its
 * moved files as a MIME draft, its Message-ID made sure of, the files added, then `POST …/messages/{id}/send`.
 * A draft left by a failure is deleted.
 */
export const sendThroughDraft = async (
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
