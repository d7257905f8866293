import type { Mailbox } from '../mailboxes/mailbox.ts';
import type { Message } from '../messages/message.ts';
import { displayHtml } from '../reading/display-html.ts';
import { isInlinePicture } from '../reading/views.ts';
import type { MimeAttachment, MimeInput } from './build-mime.ts';
import type { ComposeRequest, Recipient } from './compose-input.ts';
import { quotedHtml, quotedText, replyRecipients, subjectFor, textToHtml, threadingFor } from './reply.ts';
import type { SendDeps } from './send-deps.ts';

const asRecipients = (addresses: readonly string[]): Recipient[] =>
  addresses.map((address) => ({ name: '', address }));

/** What is sent: the request with what a reply or forward took from its original. */
export interface Composed
  extends Pick<MimeInput, 'to' | 'cc' | 'subject' | 'text' | 'html' | 'inReplyTo' | 'references'> {
  readonly originalFiles: readonly MimeAttachment[];
}

/** The request with what a reply or forward takes from its original: recipients, subject, quote, headers. */
export const compose = async (
  deps: SendDeps,
  mailbox: Mailbox,
  request: ComposeRequest,
  original: Message | null,
): Promise<Composed> => {
  if (!original || request.mode === 'new')
    return {
      to: request.to,
      cc: request.cc,
      subject: request.subject,
      text: request.text,
      html: request.html,
      inReplyTo: null,
      references: [],
      originalFiles: [],
    };
  const mode = request.mode;
  const derived =
    mode !== 'forward' && request.to.length + request.cc.length + request.bcc.length === 0
      ? replyRecipients(mode, original, mailbox.address)
      : null;
  // As the reader saw it (its beginning, when long), sanitised off the request thread.
  const safeOriginal =
    (await displayHtml(deps, original, { allowRemoteImages: true, inlineImages: false }))?.bytes.toString(
      'utf8',
    ) ?? null;
  const ownHtml = request.html ?? textToHtml(request.text);
  const threading = mode === 'forward' ? { inReplyTo: null, references: [] } : threadingFor(original);
  return {
    to: derived ? asRecipients(derived.to) : request.to,
    cc: derived ? asRecipients(derived.cc) : request.cc,
    subject: request.subject || subjectFor(mode, original.subject),
    // trimEnd, not `/\s+$/`: the expression is quadratic on a text of spaces that do not end it.
    text: `${request.text.trimEnd()}\n\n${quotedText(mode, original)}\n`,
    html: `${ownHtml}\n<br>\n${quotedHtml(mode, original, safeOriginal)}`,
    ...threading,
    originalFiles:
      mode === 'forward' && request.includeOriginalAttachments
        ? original.attachments
            .filter((a) => !isInlinePicture(a))
            .map((a) => ({
              filename: a.filename ?? `attachment-${a.position + 1}`,
              contentType: a.contentType,
              content: () => deps.blobs.open(a.sha256),
            }))
        : [],
  };
};
