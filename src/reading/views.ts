import type { Attachment, Message, MessageSummary } from '../messages/message.ts';
import type { ShownHtml } from './display-html.ts';

/** A message list line over the API. */
export const summaryView = (m: MessageSummary) => ({
  id: m.id,
  threadId: m.threadId,
  subject: m.subject,
  from: m.from,
  to: m.to,
  sentAt: m.sentAt,
  receivedAt: m.receivedAt,
  snippet: m.snippet,
  hasAttachments: m.hasAttachments,
  seen: m.seen,
  flagged: m.flagged,
  loading: m.loading,
});

/** Inline pictures of the HTML (a Content-ID, inline disposition) are not what a reader calls attachments. */
export const isInlinePicture = (a: Attachment): boolean => a.disposition === 'inline' && a.contentId !== null;

export const attachmentView = (a: Attachment) => ({
  id: a.id,
  filename: a.filename,
  contentType: a.contentType,
  size: a.size,
  disposition: a.disposition,
  contentId: a.contentId,
  inline: isInlinePicture(a),
});

/** A whole message over the API; its HTML as shown (sanitised, never the HTML as received). */
export const messageView = (m: Message, shown: ShownHtml | null, threadIds: readonly string[]) => ({
  ...summaryView(m),
  cc: m.cc,
  messageId: m.messageId,
  inReplyTo: m.inReplyTo,
  references: m.references,
  folders: [...new Set(m.locations.map((l) => l.path))],
  size: m.size,
  text: m.bodyText,
  html: shown ? shown.bytes.toString('utf8') : null,
  htmlCut: Boolean(shown?.cut),
  attachments: m.attachments.map(attachmentView),
  parseState: m.parseState,
  parseError: m.parseError,
  threadMessageIds: threadIds,
});
