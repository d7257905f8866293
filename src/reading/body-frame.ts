import type { AppContext, AppDeps } from '../http/context.ts';
import type { Message } from '../messages/message.ts';
import { displayHtml } from './display-html.ts';
import { frameCsp, frameDocumentBytes, textFrameDocument } from './frame-document.ts';
import { useOwnPolicy } from './own-policy.ts';

/**
 * The reading frame's document: the message's HTML as shown (display-html.ts: its beginning, sanitised,
 * remote images only when the reader asked), or its text, under the frame's own CSP. The page frames it
 * with `sandbox=""`.
 */
export const bodyFrameResponse = async (
  deps: AppDeps,
  c: AppContext,
  message: Message,
  allowRemoteImages: boolean,
): Promise<Response> => {
  useOwnPolicy(c, frameCsp(allowRemoteImages), { frameable: true });
  const shown = await displayHtml(deps, message, { allowRemoteImages, inlineImages: true });
  if (shown === null) return c.html(textFrameDocument(message.bodyText ?? ''));
  return c.body(frameDocumentBytes(shown.bytes), 200, { 'Content-Type': 'text/html; charset=UTF-8' });
};
