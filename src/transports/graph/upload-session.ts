import { z } from 'zod';
import type { GraphErrorContext } from './graph-advice.ts';
import type { GraphClient } from './graph-client.ts';
import { GraphError } from './graph-error.ts';
import { mailboxRoot, segment } from './mailbox-path.ts';

/** An attachment of 3 MB to 150 MB, added to a draft through an upload session (graph-mail-spec.md §5). */
export interface LargeAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly content: Buffer;
  readonly isInline: boolean;
  readonly contentId: string | null;
}

/**
 * Range size: Outlook takes chunks of at most 4 MB, in order (§5). A multiple of 320 KiB, as Microsoft asks
 * of upload sessions generally, and well under 4 MB.
 */
export const UPLOAD_CHUNK_BYTES = 9 * 320 * 1024;

const sessionSchema = z.looseObject({
  uploadUrl: z.url(),
  nextExpectedRanges: z.array(z.string()).nullish(),
});
const progressSchema = z.looseObject({ nextExpectedRanges: z.array(z.string()).nullish() }).nullable();

/** `["2097152"]` or `["2097152-"]` → 2097152: where the server wants the next range to start. */
const nextStart = (ranges: readonly string[] | null | undefined): number | null => {
  const first = ranges?.[0];
  const m = first === undefined ? null : /^(\d+)(?:-\d*)?$/.exec(first);
  return m ? Number(m[1]) : null;
};

/**
 * `POST …/messages/{id}/attachments/createUploadSession`, then `PUT {uploadUrl}` range by range, without the
 * Authorization header (the URL is pre-authenticated and may be on another host); the last range answers
 * `201`. Follows `nextExpectedRanges` when the server asks for a range again.
 */
export const uploadAttachment = async (
  client: GraphClient,
  mailbox: string,
  draftId: string,
  file: LargeAttachment,
  options: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
): Promise<void> => {
  const context: GraphErrorContext = { mailbox, permission: 'Mail.ReadWrite' };
  const signal = options.signal ? { signal: options.signal } : {};
  const size = file.content.length;
  const item: Record<string, unknown> = {
    attachmentType: 'file',
    name: file.name,
    size,
    contentType: file.contentType,
  };
  if (file.isInline) item.isInline = true;
  if (file.contentId) item.contentId = file.contentId;
  const created = await client.request({
    method: 'POST',
    path: `${mailboxRoot(mailbox)}/messages/${segment(draftId)}/attachments/createUploadSession`,
    json: { AttachmentItem: item },
    read: 'json',
    context,
    ...signal,
  });
  const session = sessionSchema.safeParse(created.json);
  if (!session.success) throw new GraphError('graph.protocol', {}, context, { cause: session.error });

  let start = nextStart(session.data.nextExpectedRanges) ?? 0;
  for (let puts = 0; start < size; puts += 1) {
    if (puts > Math.ceil(size / UPLOAD_CHUNK_BYTES) * 2) throw new GraphError('graph.protocol', {}, context);
    const end = Math.min(start + UPLOAD_CHUNK_BYTES, size) - 1;
    const answer = await client.request({
      method: 'PUT',
      path: session.data.uploadUrl,
      anonymous: true,
      body: { contentType: 'application/octet-stream', data: file.content.subarray(start, end + 1) },
      // Content-Length is set by fetch from the body.
      headers: { 'content-range': `bytes ${start}-${end}/${size}` },
      read: 'json',
      context,
      ...signal,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (answer.status === 201) return;
    const progress = progressSchema.safeParse(answer.json);
    const wanted = progress.success ? nextStart(progress.data?.nextExpectedRanges) : null;
    start = wanted ?? end + 1;
  }
  throw new GraphError('graph.protocol', {}, context);
};
