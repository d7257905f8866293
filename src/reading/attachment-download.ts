import { Readable } from 'node:stream';
import type { AppContext, AppDeps } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { Message } from '../messages/message.ts';
import { contentDisposition, downloadContentType } from './download-headers.ts';
import { useOwnPolicy } from './own-policy.ts';

/**
 * Streams an attachment from the blob store as a download: never rendered by the browser (attachment
 * disposition, a harmless type or octet-stream, nosniff, and a CSP sandbox should one try anyway).
 */
export const attachmentResponse = async (
  deps: AppDeps,
  c: AppContext,
  message: Message,
  attachmentId: string,
): Promise<Response> => {
  const attachment = message.attachments.find((a) => a.id === attachmentId);
  if (!attachment) throw new AppError('request.not_found', 'There is no such attachment.');
  // A row whose blob is gone is a storage fault: a 500 that is logged, not a truncated 200.
  if (!(await deps.blobs.has(attachment.sha256)))
    throw new Error(`blob ${attachment.sha256} of attachment ${attachment.id} is missing`);
  useOwnPolicy(c, "default-src 'none'; sandbox", { frameable: false });
  const stream = Readable.toWeb(deps.blobs.open(attachment.sha256)) as ReadableStream<Uint8Array>;
  return c.body(stream, 200, {
    'Content-Type': downloadContentType(attachment.contentType),
    'Content-Disposition': contentDisposition(attachment.filename, `attachment-${attachment.position + 1}`),
    'Content-Length': String(attachment.size),
    'X-Content-Type-Options': 'nosniff',
  });
};
