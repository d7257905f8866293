import { buffer } from 'node:stream/consumers';
import type { BlobStore } from '../messages/blob-store.ts';
import type { Attachment } from '../messages/message.ts';

/** Pictures a `cid:` may show; others (SVG, which can carry script) stay attachments to download. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp']);
/** Inlined as `data:` URLs into the frame document: bounded, so a huge "logo" cannot bloat every view. */
const MAX_EACH = 1024 * 1024;
const MAX_TOTAL = 5 * 1024 * 1024;

/**
 * The message's inline images by Content-ID (RFC 2392, without brackets), as `data:` URLs: the frame
 * is sandboxed without an origin, so it could not fetch them from Mailroom with the reader's cookie,
 * and its CSP allows `data:` images and nothing of Mailroom's. Images over the bounds stay unresolved.
 */
export const inlineImages = async (
  blobs: BlobStore,
  attachments: readonly Attachment[],
): Promise<Map<string, string>> => {
  const images = new Map<string, string>();
  let total = 0;
  for (const a of attachments) {
    const type = a.contentType.toLowerCase();
    if (!a.contentId || !INLINE_TYPES.has(type) || a.size > MAX_EACH || total + a.size > MAX_TOTAL) continue;
    const bytes = await buffer(blobs.open(a.sha256));
    total += bytes.length;
    images.set(a.contentId.replace(/^<|>$/g, ''), `data:${type};base64,${bytes.toString('base64')}`);
  }
  return images;
};
