import type { Mailbox } from '../mailboxes/mailbox.ts';
import type { MessageSummary } from '../messages/message.ts';
import type { UnreadCounts } from './unread-counts.ts';

export interface FolderLink {
  readonly path: string;
  readonly name: string;
}

const NO_COUNTS: UnreadCounts = { total: 0, folders: new Map() };

/** `2026-12-01 09:30` (UTC, as every date in Mailroom's pages). */
export const shortDate = (iso: string): string => iso.replace('T', ' ').slice(0, 16);

export const mailboxTitle = (m: Mailbox): string => (m.label ? `${m.label} · ${m.address}` : m.address);

export const senderOf = (m: MessageSummary): string => m.from?.name || m.from?.address || '(unknown sender)';

const listUrl = (mailboxId: string, params: Record<string, string | undefined>): string => {
  const query = new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => Boolean(e[1])),
  ).toString();
  return `/mail/${mailboxId}${query ? `?${query}` : ''}`;
};

const Count = ({ n }: { n: number }) =>
  n > 0 ? (
    <span class="count" title={`${n} unread`}>
      {n}
    </span>
  ) : null;

/** The mailbox's selected folders with their unread counts, and "All mail". */
export const FolderNav = (p: {
  mailbox: Mailbox;
  folders: readonly FolderLink[];
  counts: UnreadCounts | undefined;
  current?: string | undefined;
}) => {
  const counts = p.counts ?? NO_COUNTS;
  return (
    <ul class="mail-folders">
      <li>
        <a
          class="folder-link"
          href={`/mail/${p.mailbox.id}`}
          aria-current={p.current === undefined ? 'page' : undefined}
        >
          All mail <Count n={counts.total} />
        </a>
      </li>
      {p.folders.map((f) => (
        <li>
          <a
            class="folder-link"
            href={listUrl(p.mailbox.id, { folder: f.path })}
            data-folder={f.path}
            aria-current={p.current === f.path ? 'page' : undefined}
          >
            {f.name} <Count n={counts.folders.get(f.path) ?? 0} />
          </a>
        </li>
      ))}
    </ul>
  );
};

/** `/mail`: every mailbox the user may read, with its folders and unread counts. */
export const MailHome = (p: {
  mailboxes: readonly { mailbox: Mailbox; folders: readonly FolderLink[]; counts?: UnreadCounts }[];
}) => (
  <>
    <h1>Mail</h1>
    {p.mailboxes.length === 0 ? (
      <div class="card">
        <p>
          No mailbox yet: connect yours on the <a href="/mailboxes">Mailboxes</a> page.
        </p>
      </div>
    ) : (
      p.mailboxes.map(({ mailbox, folders, counts }) => (
        <section class="card reading-card" data-mailbox={mailbox.id}>
          <h2>
            <a href={`/mail/${mailbox.id}`}>{mailboxTitle(mailbox)}</a>
          </h2>
          <FolderNav mailbox={mailbox} folders={folders} counts={counts} current="" />
        </section>
      ))
    )}
  </>
);

export interface ListState {
  readonly folder?: string | undefined;
  readonly q?: string | undefined;
  readonly unread: boolean;
  readonly cursor?: string | undefined;
}

/** `/mail/:mailboxId`: one page of messages, newest first, with search and the folder list beside it. */
export const MessageList = (p: {
  mailbox: Mailbox;
  folders: readonly FolderLink[];
  counts: UnreadCounts | undefined;
  state: ListState;
  messages: readonly MessageSummary[];
  nextCursor: string | null;
  maySend: boolean;
}) => {
  const { folder, q, unread } = p.state;
  const keep = { folder, q, unread: unread ? '1' : undefined };
  const messageUrl = (m: MessageSummary) =>
    `/mail/${p.mailbox.id}/messages/${m.id}${folder ? `?${new URLSearchParams({ folder })}` : ''}`;
  return (
    <>
      <h1>{mailboxTitle(p.mailbox)}</h1>
      <p class="actions">
        {p.maySend && (
          <a class="button" href={`/mail/${p.mailbox.id}/compose`} id="compose-link">
            New message
          </a>
        )}
        <a class="button secondary" href={`/mail/${p.mailbox.id}/outbox`}>
          Outbox
        </a>
      </p>
      <div class="mail">
        <nav aria-label="Folders">
          <FolderNav mailbox={p.mailbox} folders={p.folders} counts={p.counts} current={folder} />
        </nav>
        <section class="mail-list">
          <search>
            <form method="get" action={`/mail/${p.mailbox.id}`} class="mail-search">
              {folder && <input type="hidden" name="folder" value={folder} />}
              <input type="search" name="q" value={q ?? ''} aria-label="Search mail" placeholder="Search" />
              <label class="check search-unread">
                <input type="checkbox" name="unread" value="1" checked={unread} /> <span>Unread only</span>
              </label>
              <button type="submit" class="secondary">
                Search
              </button>
            </form>
          </search>
          {p.messages.length === 0 ? (
            <p>{q || unread ? 'No message matches.' : 'No messages here yet.'}</p>
          ) : (
            <table class="messages">
              <thead>
                <tr>
                  <th>Date (UTC)</th>
                  <th>From</th>
                  <th>Subject</th>
                </tr>
              </thead>
              <tbody>
                {p.messages.map((m) => (
                  <tr class={m.seen ? undefined : 'unread'} data-message-id={m.id}>
                    <td class="mono">{shortDate(m.receivedAt)}</td>
                    <td>{senderOf(m)}</td>
                    <td>
                      <a href={messageUrl(m)}>{m.subject || '(no subject)'}</a>
                      {m.hasAttachments && <span class="badge">attachment</span>}
                      {m.flagged && <span class="badge alert">flagged</span>}
                      {m.loading && <span class="badge">loading</span>}
                      <div class="snippet">{m.snippet}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div class="actions">
            {p.state.cursor && <a href={listUrl(p.mailbox.id, keep)}>Newest</a>}
            {p.nextCursor && (
              <a class="button secondary" href={listUrl(p.mailbox.id, { ...keep, cursor: p.nextCursor })}>
                Older messages
              </a>
            )}
          </div>
        </section>
      </div>
    </>
  );
};
