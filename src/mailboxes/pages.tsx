import { MoreInTheGuide } from '../guide/more-in-the-guide.tsx';
import { buildFolderTree, type FolderNode } from '../transports/folder-tree.ts';
import { Csrf } from '../ui/layout.tsx';
import type { MailboxWatch } from '../watch/watchable.ts';
import type { ConnectionCheck } from './check-connection.ts';
import type { StoredFolder } from './folders.ts';
import { ALLOW_GRAPH_LABEL } from './graph-consent-advice.ts';
import type { Mailbox } from './mailbox.ts';

const STATE_LABEL: Record<Mailbox['state'], string> = {
  not_connected: 'Not connected',
  connected: 'Connected',
  reconnect_required: 'Reconnect required',
  admin_action_required: 'Administrator action required',
  retrying: 'Retrying',
};

export const StateBadge = ({ mailbox }: { mailbox: Mailbox }) => (
  <span
    class={
      mailbox.state === 'connected'
        ? 'badge on'
        : mailbox.state === 'not_connected' || mailbox.state === 'retrying'
          ? 'badge'
          : 'badge alert'
    }
    data-state={mailbox.state}
  >
    {STATE_LABEL[mailbox.state]}
  </span>
);

export const MailboxList = (p: { mailboxes: readonly Mailbox[]; canConnect: boolean; hasOwn: boolean }) => (
  <>
    <h1>Mailboxes</h1>
    {p.canConnect && !p.hasOwn && (
      <div class="card">
        <p>
          Connect your Microsoft 365 mailbox: Microsoft asks you to sign in and allow Mailroom to read and
          send your mail. Mailroom never sees your password.
        </p>
        <a class="button" href="/mailboxes/connect/microsoft">
          Connect my mailbox
        </a>
      </div>
    )}
    {p.mailboxes.length === 0 ? (
      <p>No mailboxes yet.</p>
    ) : (
      <table>
        <thead>
          <tr>
            <th>Mailbox</th>
            <th>Kind</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {p.mailboxes.map((m) => (
            <tr>
              <td>
                <a href={`/mailboxes/${m.id}`}>{m.label ? `${m.label} (${m.address})` : m.address}</a>
              </td>
              <td>{m.kind === 'system' ? 'System mailbox' : 'Personal'}</td>
              <td>
                <StateBadge mailbox={m} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </>
);

const FolderTree = ({ nodes, selected }: { nodes: readonly FolderNode[]; selected: ReadonlySet<string> }) => (
  <ul class="folders">
    {nodes.map((n) => (
      <li>
        <label class="check">
          <input type="checkbox" name="folders" value={n.path} checked={selected.has(n.path)} />
          <span>
            {n.name}
            {n.specialUse && <span class="hint"> {n.specialUse.slice(1)}</span>}
          </span>
        </label>
        {n.children.length > 0 && <FolderTree nodes={n.children} selected={selected} />}
      </li>
    ))}
  </ul>
);

export interface FolderProgress {
  readonly path: string;
  readonly status: string;
  readonly done: number;
  readonly total: number;
  readonly lastSyncedAt: string | null;
  readonly lastError: string | null;
}

/** New mail: seen within a second by a watcher's IDLE session, or found by a check every so often. */
const WatchStatus = ({ watch }: { watch: MailboxWatch }) =>
  watch.kind === 'watched' ? (
    <p id="watch-status" data-watch="watched">
      Watched: new mail within a second.
    </p>
  ) : watch.kind === 'polled' ? (
    <p id="watch-status" data-watch="polled">
      Not watched (every worker is at its MAILROOM_IDLE_CONNECTIONS cap): checked every ~{watch.everySeconds}{' '}
      s, last at {watch.lastCheckedAt.replace('T', ' ').slice(0, 19)} UTC.
    </p>
  ) : null;

const SyncProgress = ({
  csrf,
  mailboxId,
  progress,
  watch,
}: {
  csrf: string;
  mailboxId: string;
  progress: readonly FolderProgress[];
  watch?: MailboxWatch | undefined;
}) => (
  <div class="card" id="sync-progress">
    <h2>Sync</h2>
    {watch && <WatchStatus watch={watch} />}
    {progress.length === 0 ? (
      <p>Not synced yet.</p>
    ) : (
      <table>
        <thead>
          <tr>
            <th>Folder</th>
            <th>Progress</th>
            <th>Last synced (UTC)</th>
          </tr>
        </thead>
        <tbody>
          {progress.map((f) => (
            <tr data-folder={f.path}>
              <td>{f.path}</td>
              <td>
                {f.done} of {f.total}{' '}
                {f.status === 'syncing'
                  ? '(syncing…)'
                  : f.status === 'failed'
                    ? `(failed: ${f.lastError ?? ''})`
                    : ''}
              </td>
              <td class="mono">{f.lastSyncedAt ? f.lastSyncedAt.replace('T', ' ').slice(0, 19) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    <form method="post" action={`/mailboxes/${mailboxId}/sync`} class="actions">
      <Csrf token={csrf} />
      <button type="submit" class="secondary">
        Sync now
      </button>
    </form>
  </div>
);

const SEND_VIA_LABEL = {
  auto: 'Automatic (IMAP and SMTP; Microsoft Graph for what Exchange refuses)',
  smtp: 'IMAP and SMTP only',
  graph: 'Microsoft Graph only',
} as const;

const since = (at: string | null) => (at ? ` since ${at.replace('T', ' ').slice(0, 19)} UTC` : '');

/** Which way the mailbox reads and sends, and why (issue 13 §3). */
const SendingWay = (p: { mailbox: Mailbox }) => {
  const s = p.mailbox.sending;
  const r = p.mailbox.reading;
  return (
    <>
      <p id="reads-through" data-reads-through={r.through} data-mail-via={s.via}>
        Reads through <strong>{r.through === 'graph' ? 'Microsoft Graph' : 'IMAP'}</strong>
        {since(r.since)} · way to Microsoft 365: {SEND_VIA_LABEL[s.via]}.
        {r.reason && <span class="hint"> {r.reason}</span>}
      </p>
      <p id="sends-through" data-sends-through={s.through} data-send-via={s.via}>
        Sends through <strong>{s.through === 'graph' ? 'Microsoft Graph' : 'SMTP'}</strong>
        {since(s.since)} · way to Microsoft 365: {SEND_VIA_LABEL[s.via]}.
        {s.reason && <span class="hint"> {s.reason}</span>}
      </p>
    </>
  );
};

/**
 * Incremental consent (issue 13 §3): the Graph mail permissions are asked for only when a mailbox needs
 * Graph, with this button; pointed to when the mailbox sends through Graph without them.
 */
const GraphAccess = (p: {
  csrf: string;
  mailbox: Mailbox;
  allowed: boolean;
  mayManage: boolean;
  adminConsentUrl: string | null;
}) => {
  const m = p.mailbox;
  if (!m.connected) return null;
  if (p.allowed)
    return (
      <p id="graph-access" data-graph="allowed">
        Microsoft Graph: Mailroom is allowed to use it for this mailbox.
      </p>
    );
  const needed =
    m.sending.via === 'graph' ||
    m.sending.through === 'graph' ||
    m.sendProblem?.code === 'graph.consent_missing';
  const account = m.account?.upn ?? 'the connected account';
  return (
    <div
      id="graph-access"
      data-graph="not_allowed"
      data-needed={needed ? 'yes' : 'no'}
      class={needed ? 'flash error' : ''}
    >
      <p>
        {needed
          ? 'This mailbox sends through Microsoft Graph, but Mailroom is not allowed to use Microsoft Graph for it yet: nothing can be sent until it is.'
          : 'Mailroom uses Microsoft Graph only when a mailbox needs it (Exchange refuses SMTP AUTH, or the mailbox is set to Microsoft Graph); it is not allowed for this mailbox yet.'}
      </p>
      {p.mayManage ? (
        <form method="post" action={`/mailboxes/${m.id}/graph-consent`} class="actions">
          <Csrf token={p.csrf} />
          <button type="submit" class={needed ? '' : 'secondary'}>
            {ALLOW_GRAPH_LABEL}
          </button>
        </form>
      ) : (
        <p>{m.kind === 'system' ? 'An administrator' : 'The mailbox’s owner'} allows it on this page.</p>
      )}
      <p class="hint">
        Microsoft asks {account} to let Mailroom read, change and send mail through Microsoft Graph
        (Mail.ReadWrite, Mail.Send{m.kind === 'system' ? ', Mail.ReadWrite.Shared, Mail.Send.Shared' : ''}).
        If your organisation lets only administrators grant permissions, Microsoft says an administrator must
        approve: an administrator then grants admin consent for Microsoft Graph
        {p.adminConsentUrl ? (
          <>
            {' '}
            (<a href={p.adminConsentUrl}>Grant admin consent for Microsoft Graph</a>)
          </>
        ) : (
          ' on the Microsoft 365 settings page'
        )}{' '}
        and the button is pressed again.
      </p>
    </div>
  );
};

export const MailboxDetail = (p: {
  csrf: string;
  mailbox: Mailbox;
  folders: readonly StoredFolder[];
  progress: readonly FolderProgress[];
  watch?: MailboxWatch | undefined;
  check?: ConnectionCheck | undefined;
  mayManage: boolean;
  graph: { allowed: boolean; adminConsentUrl: string | null };
}) => {
  const m = p.mailbox;
  const selected = new Set(p.folders.filter((f) => f.selected).map((f) => f.path));
  return (
    <>
      <h1>{m.label ? `${m.label} · ${m.address}` : m.address}</h1>
      <div class="card" id="mailbox-state">
        <p>
          <StateBadge mailbox={m} />{' '}
          {m.access === 'application'
            ? 'Application access: Mailroom reaches it as its own app (client credentials), with no person’s account.'
            : m.account
              ? `Connected through the Microsoft account ${m.account.upn ?? m.account.oid}.`
              : 'No Microsoft account is connected.'}
        </p>
        {m.stateMessage && (
          <p class="state-message">
            {m.stateMessage}
            <MoreInTheGuide code={m.stateCode} />
          </p>
        )}
        {m.sendProblem && (
          <p class="flash error" id="send-problem" data-code={m.sendProblem.code}>
            <strong>Sending is blocked: </strong>
            {m.sendProblem.message}
            <MoreInTheGuide code={m.sendProblem.code} />
          </p>
        )}
        <SendingWay mailbox={m} />
        <GraphAccess
          csrf={p.csrf}
          mailbox={m}
          allowed={p.graph.allowed}
          mayManage={p.mayManage}
          adminConsentUrl={p.graph.adminConsentUrl}
        />
        {m.nextAttemptAt && m.state === 'retrying' && (
          <p class="hint">Next attempt: {m.nextAttemptAt.replace('T', ' ').slice(0, 19)} UTC</p>
        )}
        {p.mayManage && (
          <div class="actions">
            {m.access === 'application' ? (
              // No person connects it: Mailroom's application does (issue 14); the choice is made there.
              <a class="button" href={`/settings/system-mailboxes/${m.id}/access`}>
                Application access
              </a>
            ) : (
              <a class="button" href={`/mailboxes/connect/microsoft?mailbox=${m.id}`}>
                {m.account ? 'Reconnect' : 'Connect'}
              </a>
            )}
            <form method="post" action={`/mailboxes/${m.id}/send-via`} id="send-via-form">
              <Csrf token={p.csrf} />
              <label>
                Reach this mailbox through{' '}
                <select name="sendVia">
                  {(['auto', 'smtp', 'graph'] as const).map((via) => (
                    <option value={via} selected={m.sending.via === via}>
                      {SEND_VIA_LABEL[via]}
                    </option>
                  ))}
                </select>
              </label>{' '}
              <button type="submit" class="secondary">
                Save the way to Microsoft 365
              </button>
            </form>
            {m.connected && (
              <form method="post" action={`/mailboxes/${m.id}/check`}>
                <Csrf token={p.csrf} />
                <button type="submit" class="secondary">
                  Check connection
                </button>
              </form>
            )}
            {m.connected && (
              <form method="post" action={`/mailboxes/${m.id}/diagnose`} id="diagnose-form">
                <Csrf token={p.csrf} />
                <button type="submit" class="secondary">
                  Diagnose
                </button>
              </form>
            )}
          </div>
        )}
        {p.check && (
          <div id="check-result">
            {(['imap', 'smtp'] as const).map((proto) => (
              <div class={p.check![proto].ok ? 'result ok' : 'result fail'} data-protocol={proto}>
                <strong>{proto.toUpperCase()}:</strong> {p.check![proto].message}
              </div>
            ))}
          </div>
        )}
      </div>

      {m.connected && <SyncProgress csrf={p.csrf} mailboxId={m.id} progress={p.progress} watch={p.watch} />}

      {m.connected && !p.mayManage && (
        <div class="card" id="synced-folders">
          <h2>Folders that sync</h2>
          {selected.size === 0 ? (
            <p>None yet.</p>
          ) : (
            <ul>
              {[...selected].sort().map((path) => (
                <li>{path}</li>
              ))}
            </ul>
          )}
          <p class="hint">An administrator chooses them.</p>
        </div>
      )}

      {m.connected && p.mayManage && (
        <form method="post" action={`/mailboxes/${m.id}/folders`} class="card">
          <h2>Folders to sync</h2>
          <Csrf token={p.csrf} />
          {p.folders.length === 0 ? (
            <p>No folders retrieved yet.</p>
          ) : (
            <FolderTree nodes={buildFolderTree(p.folders)} selected={selected} />
          )}
          <div class="actions">
            <button type="submit">Save folders</button>
            <button type="submit" class="secondary" formaction={`/mailboxes/${m.id}/folders/retrieve`}>
              Retrieve folders
            </button>
          </div>
        </form>
      )}

      {p.mayManage && m.connected && m.access === 'person' && (
        <form method="post" action={`/mailboxes/${m.id}/disconnect`} class="card">
          <h2>Disconnect</h2>
          <Csrf token={p.csrf} />
          <p>Mailroom forgets the tokens and stops syncing. What about the mail already synced?</p>
          <label class="check">
            <input type="radio" name="mail" value="keep" checked />{' '}
            <span>Keep it (reconnect later with the same account to carry on)</span>
          </label>
          <label class="check">
            <input type="radio" name="mail" value="delete" />{' '}
            <span>Delete it{m.kind === 'user' ? ', and the mailbox' : ''}</span>
          </label>
          <div class="actions">
            <button type="submit" class="secondary">
              Disconnect
            </button>
          </div>
        </form>
      )}
    </>
  );
};
