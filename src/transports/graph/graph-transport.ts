import { classifyTransportFailure } from '../../mailboxes/mail-failure.ts';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import { setMailboxState } from '../../mailboxes/repository.ts';
import type { Folder } from '../folder-tree.ts';
import { MailTransportError } from '../transport-error.ts';
import type { MailSession, MailTransport, TransportDeps } from '../types.ts';
import { mailboxGraph } from './graph-access.ts';
import { folderIdOf, graphFolders } from './graph-folders.ts';
import { pushGraphFlags } from './graph-push-flags.ts';
import { graphSending } from './graph-send.ts';
import { folderGone, type GraphReader, syncGraphFolder } from './graph-sync-folder.ts';
import { toGraphTransportError } from './graph-transport-error.ts';
import { watchGraphInbox } from './graph-watch.ts';

/**
 * One reading session: one client with the mailbox's Graph token (refreshed by the client after a 401), the
 * folder list read at most once.
 */
const graphSession = (
  deps: TransportDeps,
  mailbox: Mailbox,
  graph: GraphReader,
  signal: AbortSignal | undefined,
): MailSession => {
  let folders: Promise<Folder[]> | null = null;
  const list = () => {
    folders ??= graphFolders(graph.client, graph.mailbox, signal);
    return folders;
  };
  const folderId = async (path: string) => {
    const id = await folderIdOf(deps.db, mailbox.id, path, list);
    if (!id) throw folderGone(graph.mailbox);
    return id;
  };
  return {
    listFolders: list,
    syncFolder: async (store, path, options = {}) => {
      const id = await folderId(path);
      // Read/unread set in Mailroom goes to Graph first, so the delta reads it back as it now is.
      await pushGraphFlags(deps.db, graph, mailbox.id, path, options.signal ?? signal);
      return syncGraphFolder(deps, store, graph, mailbox.id, path, id, {
        ...options,
        ...(options.signal || signal ? { signal: (options.signal ?? signal)! } : {}),
      });
    },
    pushFlags: (path) => pushGraphFlags(deps.db, graph, mailbox.id, path, signal),
  };
};

/**
 * Runs `fn` in a Graph reading session; what fails is translated once (graph-transport-error.ts), stored on
 * the mailbox by who must act, and thrown. An abort of `signal` (the lease was lost) throws its reason.
 */
const readThroughGraph = async <T>(
  deps: TransportDeps,
  mailbox: Mailbox,
  fn: (session: MailSession) => Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> => {
  try {
    const graph = await mailboxGraph(deps, mailbox);
    return await fn(graphSession(deps, mailbox, graph, signal));
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const failure = toGraphTransportError(error);
    if (failure instanceof MailTransportError && failure.transport === 'graph') {
      const change = classifyTransportFailure(failure, mailbox);
      await setMailboxState(deps.db, mailbox.id, change);
      deps.log.warn(
        {
          event: 'mailbox.graph_failed',
          mailboxId: mailbox.id,
          graphCode: failure.code,
          state: change.state,
        },
        'Microsoft Graph failed',
      );
    }
    throw failure;
  }
};

/**
 * The mailbox through Microsoft Graph v1.0, delegated (issue 13 §2): folders from `mailFolders`, each folder
 * synced with `messages/delta` into the store IMAP's sync uses, read/flagged pushed with PATCH, new mail
 * seen by looking at the Inbox's delta periodically, sending with `sendMail` (graph-send.ts).
 */
export const graphTransport = (deps: TransportDeps, mailbox: Mailbox): MailTransport => ({
  kind: 'graph',
  read: (fn, options = {}) => readThroughGraph(deps, mailbox, fn, options.signal),
  ...graphSending(deps, mailbox),
  watch: (handlers, options) => watchGraphInbox(deps, mailbox, handlers, options),
});
