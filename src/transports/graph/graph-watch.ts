import { setTimeout as sleep } from 'node:timers/promises';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import type { TransportDeps, WatchHandlers, WatchOptions } from '../types.ts';
import { deltaPage } from './delta.ts';
import { mailboxGraph } from './graph-access.ts';
import { translatingGraph } from './graph-transport-error.ts';

const DEFAULT_EVERY_MS = 30_000;
/** A watch is handed back for renewal after this long, as an IMAP watch is (its token is checked again). */
const MAX_WATCH_MS = 25 * 60_000;

/**
 * The cursor the last sync of the Inbox left: a delta link (`$deltatoken`, graph-mail-spec.md §4) when its
 * round was complete; else null (never synced through Graph, or a round under way).
 */
const inboxCursor = async (
  deps: TransportDeps,
  mailboxId: string,
): Promise<{ cursor: string; folderId: string } | null> => {
  const row = await deps.db
    .selectFrom('folder_sync_state')
    .innerJoin('mailbox_folders', (join) =>
      join
        .onRef('mailbox_folders.mailbox_id', '=', 'folder_sync_state.mailbox_id')
        .onRef('mailbox_folders.path', '=', 'folder_sync_state.path'),
    )
    .select(['folder_sync_state.cursor', 'folder_sync_state.folder_id'])
    .where('folder_sync_state.mailbox_id', '=', mailboxId)
    .where('folder_sync_state.transport', '=', 'graph')
    .where('mailbox_folders.special_use', '=', '\\Inbox')
    .executeTakeFirst();
  if (!row?.cursor || !row.folder_id || !row.cursor.includes('deltatoken=')) return null;
  return { cursor: row.cursor, folderId: row.folder_id };
};

/** Whether anything changed in the Inbox since its last sync: one listing of its delta link is enough. */
const inboxChanged = async (deps: TransportDeps, mailbox: Mailbox, signal: AbortSignal): Promise<boolean> => {
  const at = await inboxCursor(deps, mailbox.id);
  if (!at) return true;
  const graph = await mailboxGraph(deps, mailbox);
  const page = await deltaPage(graph.client, graph.mailbox, at.folderId, at.cursor, { pageSize: 1, signal });
  return (
    page.kind === 'resync' || page.changed.length > 0 || page.removed.length > 0 || page.next.kind === 'more'
  );
};

/**
 * New mail for a mailbox read through Microsoft Graph (issue 13 §2): the Inbox's delta looked at every
 * `everyMs` (MAILROOM_GRAPH_WATCH_SECONDS) from the cursor its last sync left, without moving it; a change
 * is new mail, and the sync that follows moves the cursor. (Change notifications need a public HTTPS
 * endpoint and are not used.) Resolves true when `signal` aborts or the watch is due for renewal; rejects
 * with the MailTransportError that ended it.
 */
export const watchGraphInbox = async (
  deps: TransportDeps,
  mailbox: Mailbox,
  handlers: WatchHandlers,
  options: WatchOptions,
): Promise<boolean> =>
  translatingGraph(async () => {
    const { signal } = options;
    // The token first: a mailbox Graph refuses fails here, as an IMAP watch fails to sign in.
    await options.opening(async () => (await mailboxGraph(deps, mailbox)).getToken());
    handlers.onOpened();
    handlers.onNewMail();
    const until = Date.now() + MAX_WATCH_MS;
    while (Date.now() < until) {
      try {
        await sleep(options.everyMs ?? DEFAULT_EVERY_MS, undefined, { signal });
      } catch (error) {
        if (signal.aborted) return true;
        throw error;
      }
      let changed: boolean;
      try {
        changed = await inboxChanged(deps, mailbox, signal);
      } catch (error) {
        // Stopped while it looked: the watch ends as asked, whatever the request said as it was cancelled.
        if (signal.aborted) return true;
        throw error;
      }
      if (changed) handlers.onNewMail();
      options.onLooked?.();
    }
    return true;
  });
