import type { Mailbox } from '../mailboxes/mailbox.ts';
import { mailboxGraph } from './graph/graph-access.ts';
import { toGraphTransportError } from './graph/graph-transport-error.ts';
import { mailboxRoot } from './graph/mailbox-path.ts';
import { ImapError } from './imap-smtp/imap-error.ts';
import { imapRefusedReason, recordReadsThrough } from './reads-through.ts';
import type { MailTransport, TransportDeps } from './types.ts';

/** Whether the mailbox reads through Graph now: chosen so, or on Automatic after IMAP was refused for it. */
export const readsThroughGraph = (mailbox: Mailbox): boolean =>
  mailbox.sending.via === 'graph' || (mailbox.sending.via === 'auto' && mailbox.reading.through === 'graph');

/**
 * `BAD User is authenticated but not connected.` (`imap.not_connected`, ms-identity-spec.md §13.3): the token
 * was accepted, the mailbox was not opened — IMAP switched off for the mailbox, or (for a system mailbox)
 * no FullAccess. A refused token (`NO AUTHENTICATE failed.`, `imap.auth_failed`) is not this: that is the
 * user's to fix by reconnecting, and Graph would not help.
 */
const imapRefused = (error: unknown): error is ImapError =>
  error instanceof ImapError && error.code === 'imap.not_connected';

/**
 * Whether Graph opens the mailbox's Inbox: what tells "IMAP is off for it" from "no right to the mailbox at
 * all" (which Graph refuses too). Graph's own refusal is logged; the IMAP failure stays on the mailbox.
 */
const graphOpens = async (deps: TransportDeps, mailbox: Mailbox): Promise<boolean> => {
  try {
    const graph = await mailboxGraph(deps, mailbox);
    await graph.client.request({
      method: 'GET',
      path: `${mailboxRoot(graph.mailbox)}/mailFolders/inbox`,
      query: { $select: 'id' },
      read: 'json',
      context: { mailbox: graph.mailbox, permission: 'Mail.Read' },
    });
    return true;
  } catch (error) {
    const failure = toGraphTransportError(error) as { code?: string };
    deps.log.warn(
      { event: 'mailbox.graph_fallback_refused', mailboxId: mailbox.id, errorCode: failure.code, err: error },
      'IMAP is refused for the mailbox and Microsoft Graph could not open it either',
    );
    return false;
  }
};

/**
 * The reading half on Automatic while the mailbox reads over IMAP (issue 13 §3): when Exchange refuses IMAP
 * for the mailbox and Graph opens it, the mailbox is recorded as reading through Graph from now on (why, with
 * a `mailbox.reads_through_changed` event), and the same work goes through Graph at once.
 */
export const automaticReading = (
  deps: TransportDeps,
  mailbox: Mailbox,
  imap: MailTransport,
  graph: MailTransport,
): Pick<MailTransport, 'read' | 'watch'> => {
  const switched = async (error: unknown): Promise<boolean> => {
    // Application access: IMAP's refusal means the service principal lacks FullAccess (or IMAP is off), which
    // the administrator set up on purpose; Graph's tenant-wide application permission must not route round it.
    if (mailbox.access === 'application') return false;
    if (!imapRefused(error) || !(await graphOpens(deps, mailbox))) return false;
    await recordReadsThrough(deps.db, mailbox.id, {
      through: 'graph',
      reason: imapRefusedReason(error.serverText),
      reasonCode: error.code,
    });
    deps.log.info(
      { event: 'mailbox.reads_through_graph', mailboxId: mailbox.id, imapCode: error.code },
      'IMAP is off for the mailbox: reading through Microsoft Graph',
    );
    return true;
  };
  return {
    read: async (fn, options) => {
      try {
        return await imap.read(fn, options);
      } catch (error) {
        if (options?.signal?.aborted || !(await switched(error))) throw error;
        return graph.read(fn, options);
      }
    },
    watch: async (handlers, options) => {
      try {
        return await imap.watch(handlers, options);
      } catch (error) {
        if (options.signal.aborted || !(await switched(error))) throw error;
        return graph.watch(handlers, options);
      }
    },
  };
};
