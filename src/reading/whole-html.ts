import type { AppContext, AppDeps } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { Message } from '../messages/message.ts';
import { htmlOf } from '../messages/queries.ts';
import { contentDisposition } from './download-headers.ts';
import { useOwnPolicy } from './own-policy.ts';

/**
 * A message's whole HTML as received, for the reader of a message whose HTML was cut to be shown
 * (display-html.ts): a download, never rendered by the browser (attachment disposition, octet-stream,
 * nosniff, and a CSP sandbox should one try anyway), like an attachment.
 */
export const wholeHtmlResponse = async (
  deps: AppDeps,
  c: AppContext,
  message: Message,
): Promise<Response> => {
  const html = message.htmlLength === null ? null : await htmlOf(deps.db, message.id);
  if (html === null) throw new AppError('request.not_found', 'This message has no HTML.');
  useOwnPolicy(c, "default-src 'none'; sandbox", { frameable: false });
  return c.body(html, 200, {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': contentDisposition('message.html', 'message.html'),
    'X-Content-Type-Options': 'nosniff',
  });
};
