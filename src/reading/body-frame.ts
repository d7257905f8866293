import type { AppContext, AppDeps } from '../http/context.ts';
import type { Message } from '../messages/message.ts';
import { frameCsp, frameDocument, textFrameDocument } from './frame-document.ts';
import { inlineImages } from './inline-images.ts';
import { useOwnPolicy } from './own-policy.ts';
import { sanitizeEmailHtml } from './sanitize.ts';

/**
 * The reading frame's document: the message's HTML sanitised (remote images only when the reader
 * asked), or its text, under the frame's own CSP. The page frames it with `sandbox=""`.
 */
export const bodyFrameResponse = async (
  deps: AppDeps,
  c: AppContext,
  message: Message,
  allowRemoteImages: boolean,
): Promise<Response> => {
  useOwnPolicy(c, frameCsp(allowRemoteImages), { frameable: true });
  if (message.bodyHtml === null) return c.html(textFrameDocument(message.bodyText ?? ''));
  const { html } = sanitizeEmailHtml(message.bodyHtml, {
    allowRemoteImages,
    inlineImages: await inlineImages(deps.blobs, message.attachments),
  });
  return c.html(frameDocument(html));
};
