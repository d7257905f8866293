import { MoreInTheGuide } from '../guide/more-in-the-guide.tsx';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import { mailboxTitle, shortDate } from '../reading/mail-pages.tsx';
import { Csrf } from '../ui/layout.tsx';
import type { OutgoingView } from './outgoing-view.ts';

const STATE_WORDS: Record<OutgoingView['state'], string> = {
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Failed',
};

const WHO: Record<string, string> = {
  sender: 'For its writer to fix',
  mailbox_owner: 'For the mailbox’s owner to fix',
  administrator: 'For an administrator to fix',
};

const recipientsLine = (o: OutgoingView) =>
  [...o.to, ...o.cc.map((a) => `cc ${a}`), ...o.bcc.map((a) => `bcc ${a}`)].join(', ');

/** The state of one message: what happened, who must act, and Retry when it failed (for its writer or an administrator). */
export const OutgoingPage = (p: {
  csrf: string;
  mailbox: Mailbox;
  outgoing: OutgoingView;
  mayHandle: boolean;
}) => {
  const o = p.outgoing;
  const pending = o.state === 'queued' || o.state === 'sending';
  return (
    <>
      {/* Refreshes itself while the message is on its way: no script needed. */}
      {pending && <meta http-equiv="refresh" content="2" />}
      <p>
        <a href={`/mail/${p.mailbox.id}/outbox`}>← Outbox of {mailboxTitle(p.mailbox)}</a>
      </p>
      <h1>{o.subject || '(no subject)'}</h1>
      <div class="card message-headers" id="outgoing" data-state={o.state}>
        <p>
          <span class={`badge state-${o.state}`} id="outgoing-state">
            {STATE_WORDS[o.state]}
          </span>{' '}
          {o.state === 'sent' && o.sentAt && <span class="mono">{shortDate(o.sentAt)} UTC</span>}
          {o.state === 'queued' && o.attempts === 0 && 'Mailroom is about to send it.'}
        </p>
        <dl>
          <dt>From</dt>
          <dd>{o.from}</dd>
          <dt>To</dt>
          <dd>{recipientsLine(o)}</dd>
          <dt>Attempts</dt>
          <dd>{o.attempts}</dd>
          <dt>Message-ID</dt>
          <dd class="mono">&lt;{o.messageId}&gt;</dd>
        </dl>
        {o.error && (
          <div
            class={o.state === 'failed' ? 'flash error' : 'flash info'}
            role={o.state === 'failed' ? 'alert' : undefined}
            id="outgoing-error"
            data-code={o.error.code}
          >
            {o.error.forWhom && <strong>{WHO[o.error.forWhom]}: </strong>}
            {o.error.message} <span class="mono hint">({o.error.code})</span>
            <MoreInTheGuide code={o.error.code} />
          </div>
        )}
        {o.state === 'sent' && o.storedMessageId && (
          <p>
            <a href={`/mail/${p.mailbox.id}/messages/${o.storedMessageId}`}>See it in its conversation</a>
            {o.sentCopy === 'appended' ? ' (Mailroom put the copy in Sent Items)' : ''}
          </p>
        )}
        {o.state === 'failed' && !p.mayHandle && (
          <p class="hint">Only its writer or an administrator may retry or discard it.</p>
        )}
        {o.state === 'failed' && p.mayHandle && (
          <div class="actions">
            <form method="post" action={`/mail/${p.mailbox.id}/outbox/${o.id}/retry`}>
              <Csrf token={p.csrf} />
              <button type="submit">Retry</button>
            </form>
            <form method="post" action={`/mail/${p.mailbox.id}/outbox/${o.id}/discard`}>
              <Csrf token={p.csrf} />
              <button type="submit" class="secondary">
                Discard
              </button>
            </form>
          </div>
        )}
      </div>
    </>
  );
};

/** The mailbox's outbox: every message sent from Mailroom, newest first, with its state. */
export const OutboxPage = (p: { mailbox: Mailbox; items: readonly OutgoingView[] }) => (
  <>
    <p>
      <a href={`/mail/${p.mailbox.id}`}>← {mailboxTitle(p.mailbox)}</a>
    </p>
    <h1>Outbox</h1>
    <p>
      <a class="button" href={`/mail/${p.mailbox.id}/compose`}>
        New message
      </a>
    </p>
    {p.items.length === 0 ? (
      <p class="hint">Nothing has been sent from Mailroom yet.</p>
    ) : (
      <table class="list" id="outbox">
        <thead>
          <tr>
            <th>State</th>
            <th>Subject</th>
            <th>To</th>
            <th>Queued</th>
          </tr>
        </thead>
        <tbody>
          {p.items.map((o) => (
            <tr data-state={o.state}>
              <td>
                <span class={`badge state-${o.state}`}>{STATE_WORDS[o.state]}</span>
              </td>
              <td>
                <a href={`/mail/${p.mailbox.id}/outbox/${o.id}`}>{o.subject || '(no subject)'}</a>
                {o.error && <div class="hint">{o.error.message.slice(0, 140)}</div>}
              </td>
              <td>{recipientsLine(o)}</td>
              <td class="mono">{shortDate(o.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </>
);
