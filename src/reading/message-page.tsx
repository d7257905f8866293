import type { Mailbox } from '../mailboxes/mailbox.ts';
import type { Message, MessageSummary } from '../messages/message.ts';
import type { ParsedAddress } from '../messages/parsed-message.ts';
import { Csrf } from '../ui/layout.tsx';
import { senderOf, shortDate } from './mail-pages.tsx';
import { isInlinePicture } from './views.ts';

const addresses = (list: readonly ParsedAddress[]): string =>
  list.map((a) => (a.name && a.address ? `${a.name} <${a.address}>` : a.name || a.address || '')).join(', ');

const size = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${Math.round(bytes / 1024)} KB`
      : `${(bytes / 1048576).toFixed(1)} MB`;

const Thread = (p: { base: string; message: Message; thread: readonly MessageSummary[]; suffix: string }) => (
  <div class="card reading-card" id="thread">
    <h2>This conversation ({p.thread.length} messages)</h2>
    <ol class="thread">
      {p.thread.map((t) => (
        <li class={t.seen ? undefined : 'unread'} data-message-id={t.id}>
          {t.id === p.message.id ? (
            <strong aria-current="page">
              {senderOf(t)} · {t.subject || '(no subject)'}
            </strong>
          ) : (
            <a href={`${p.base}/${t.id}${p.suffix}`}>
              {senderOf(t)} · {t.subject || '(no subject)'}
            </a>
          )}{' '}
          <span class="mono hint">{shortDate(t.receivedAt)}</span>
          <div class="snippet">{t.snippet}</div>
        </li>
      ))}
    </ol>
  </div>
);

/**
 * One message: headers, the actions, the conversation, attachments, and the body. HTML is shown only
 * inside `<iframe sandbox="">` from the body URL (its own CSP, sanitised); text in a <pre>.
 */
export const MessagePage = (p: {
  csrf: string;
  mailbox: Mailbox;
  message: Message;
  thread: readonly MessageSummary[];
  blockedImages: number;
  /** When the HTML shown is only its beginning (display-html.ts): the lengths of both. */
  htmlCut: { readonly shown: number; readonly whole: number } | null;
  folder?: string | undefined;
  maySend: boolean;
}) => {
  const m = p.message;
  const base = `/mail/${p.mailbox.id}/messages`;
  const self = `${base}/${m.id}`;
  const suffix = p.folder ? `?${new URLSearchParams({ folder: p.folder })}` : '';
  const files = m.attachments.filter((a) => !isInlinePicture(a));
  return (
    <>
      <p>
        <a href={`/mail/${p.mailbox.id}${suffix}`}>← {p.folder ?? 'All mail'}</a>
      </p>
      <h1>{m.subject || '(no subject)'}</h1>
      <div class="card message-headers">
        <dl>
          <dt>From</dt>
          <dd>{m.from ? addresses([m.from]) : '(unknown sender)'}</dd>
          <dt>To</dt>
          <dd>{addresses(m.to) || '—'}</dd>
          {m.cc.length > 0 && <dt>Cc</dt>}
          {m.cc.length > 0 && <dd>{addresses(m.cc)}</dd>}
          <dt>Date</dt>
          <dd class="mono">{shortDate(m.sentAt ?? m.receivedAt)} UTC</dd>
        </dl>
        {p.maySend && (
          <p class="actions" id="reply-actions">
            {(['reply', 'reply_all', 'forward'] as const).map((mode) => (
              <a
                class="button secondary"
                href={`/mail/${p.mailbox.id}/compose?${new URLSearchParams({ mode, message: m.id })}`}
              >
                {mode === 'reply' ? 'Reply' : mode === 'reply_all' ? 'Reply all' : 'Forward'}
              </a>
            ))}
          </p>
        )}
        {/* Unread: client.js sends the read receipt (the API's PATCH, with the CSRF token) once the page is shown. */}
        <form
          method="post"
          action={`${self}/flags${suffix}`}
          class="actions"
          data-read-receipt={m.seen ? undefined : `/api/mailboxes/${p.mailbox.id}/messages/${m.id}`}
        >
          <Csrf token={p.csrf} />
          <button type="submit" name="seen" value={m.seen ? 'false' : 'true'} class="secondary">
            {m.seen ? 'Mark unread' : 'Mark read'}
          </button>
          <button type="submit" name="flagged" value={m.flagged ? 'false' : 'true'} class="secondary">
            {m.flagged ? 'Remove flag' : 'Flag'}
          </button>
        </form>
      </div>
      {p.thread.length > 1 && <Thread base={base} message={m} thread={p.thread} suffix={suffix} />}
      {files.length > 0 && (
        <div class="card reading-card" id="attachments">
          <h2>Attachments</h2>
          <ul>
            {files.map((a) => (
              <li>
                <a href={`${self}/attachments/${a.id}`} download>
                  {a.filename ?? `attachment ${a.position + 1}`}
                </a>{' '}
                <span class="hint">
                  {a.contentType}, {size(a.size)}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {m.parseState === 'pending' && (
        <p class="flash info" id="message-loading">
          Loading: this message is listed, and its text and attachments are still being read. Reload the page
          in a moment.
        </p>
      )}
      {m.parseState === 'failed' && (
        <p class="flash error" id="message-unreadable">
          Mailroom could not read this message’s body ({m.parseError}); its sender, subject and date are as
          listed.
        </p>
      )}
      {m.htmlLength !== null ? (
        <div class="message-body">
          {p.htmlCut && (
            <p class="flash info" id="html-cut">
              This message’s HTML is {size(p.htmlCut.whole)} long: Mailroom shows its first{' '}
              {size(p.htmlCut.shown)}.{' '}
              <a href={`${self}/html`} download>
                Download the whole HTML
              </a>{' '}
              to read the rest (it is the sender’s HTML as received: open it with care).
            </p>
          )}
          {p.blockedImages > 0 && (
            <p class="flash info" id="remote-images">
              {p.blockedImages === 1 ? '1 remote image is' : `${p.blockedImages} remote images are`} blocked
              to protect your privacy.{' '}
              <a href={`${self}/body?images=1`} target="message-body">
                Show remote images
              </a>
            </p>
          )}
          <iframe name="message-body" title="Message" sandbox="" src={`${self}/body`} />
        </div>
      ) : (
        <pre class="message-text">{m.bodyText ?? ''}</pre>
      )}
    </>
  );
};
