import type { Mailbox } from '../mailboxes/mailbox.ts';
import type { Message } from '../messages/message.ts';
import { mailboxTitle } from '../reading/mail-pages.tsx';
import { Csrf, Field } from '../ui/layout.tsx';
import { type ComposeForm, megabytes } from './compose-input.ts';
import type { ComposeMode } from './outgoing.table.ts';
import { quotedText } from './reply.ts';

export type ComposeValues = ComposeForm;

const TITLES: Record<ComposeMode, string> = {
  new: 'New message',
  reply: 'Reply',
  reply_all: 'Reply all',
  forward: 'Forward',
};

export const composeTitle = (mode: ComposeMode) => TITLES[mode];

/**
 * The compose form: recipients (commas between addresses), subject, text and files. A reply or forward
 * shows the original that Mailroom quotes below the text; the threading headers are set on sending.
 */
export const ComposePage = (p: {
  csrf: string;
  mailbox: Mailbox;
  values: ComposeValues;
  original: Message | null;
  errors: Record<string, string>;
  maxAttachmentBytes: number;
  formError?: string | undefined;
}) => {
  const v = p.values;
  const originalFiles =
    p.original?.attachments.filter((a) => a.disposition !== 'inline' || !a.contentId) ?? [];
  return (
    <>
      <p>
        <a href={`/mail/${p.mailbox.id}`}>← {mailboxTitle(p.mailbox)}</a>
      </p>
      <h1>{composeTitle(v.mode)}</h1>
      {p.formError && (
        <p class="flash error" role="alert" id="compose-error">
          {p.formError}
        </p>
      )}
      <form
        method="post"
        action={`/mail/${p.mailbox.id}/compose`}
        enctype="multipart/form-data"
        class="card compose"
        id="compose"
      >
        <Csrf token={p.csrf} />
        <input type="hidden" name="mode" value={v.mode} />
        {v.originalId && <input type="hidden" name="originalId" value={v.originalId} />}
        <p class="field">
          From <span class="mono">{p.mailbox.address}</span>
        </p>
        <Field name="to" label="To" value={v.to} error={p.errors.to} hint="Addresses separated by commas." />
        <Field name="cc" label="Cc" value={v.cc} error={p.errors.cc} />
        <Field name="bcc" label="Bcc" value={v.bcc} error={p.errors.bcc} />
        <Field name="subject" label="Subject" value={v.subject} error={p.errors.subject} />
        <div class={p.errors.text ? 'field invalid' : 'field'}>
          <label for="text">Message</label>
          <textarea id="text" name="text" rows={12}>
            {v.text}
          </textarea>
          {p.errors.text && <div class="error">{p.errors.text}</div>}
        </div>
        <div class={p.errors.attachments ? 'field invalid' : 'field'}>
          <label for="attachments">Attachments</label>
          <div class="hint" id="attachments-hint">
            Up to {megabytes(p.maxAttachmentBytes)} together.
            {Object.keys(p.errors).length > 0
              ? ' Files are not kept when the form comes back: pick them again.'
              : ''}
          </div>
          <input id="attachments" name="attachments" type="file" multiple />
          {p.errors.attachments && (
            <div class="error" id="attachments-error">
              {p.errors.attachments}
            </div>
          )}
        </div>
        {v.mode === 'forward' && originalFiles.length > 0 && (
          <label class="check">
            <input
              type="checkbox"
              name="includeOriginalAttachments"
              value="true"
              checked={v.includeOriginalAttachments}
            />{' '}
            Forward the original’s {originalFiles.length === 1 ? 'file' : `${originalFiles.length} files`} (
            {originalFiles.map((a) => a.filename ?? 'attachment').join(', ')})
          </label>
        )}
        {p.errors.originalId && <p class="error">{p.errors.originalId}</p>}
        <div class="actions">
          <button type="submit">Send</button>
        </div>
      </form>
      {p.original && v.mode !== 'new' && (
        <div class="card reading-card" id="quoted">
          <h2>Quoted below your text</h2>
          <pre class="message-text">{quotedText(v.mode, p.original)}</pre>
        </div>
      )}
    </>
  );
};
