import { setTimeout as sleep } from 'node:timers/promises';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import type { MailTransport, SentCopy, TransportDeps } from '../types.ts';
import { findSentCopy } from './find-sent-copy.ts';
import { mailboxGraph } from './graph-access.ts';
import { translatingGraph } from './graph-transport-error.ts';
import { listFolders } from './list-folders.ts';
import { sendMime } from './send-mime.ts';

/** The sending half of the seam. */
export type Sending = Pick<MailTransport, 'send' | 'wasSent' | 'keepSentCopy' | 'verifySending'>;

/**
 * Exchange files the copy of a message sent through Graph in Sent Items itself, shortly after the 202
 * (graph-mail-spec.md §5): looked for this many times, this far apart, before it is left to the sync.
 */
const SENT_COPY_LOOKS = 5;
const SENT_COPY_PAUSE_MS = 400;

/**
 * Sending through Microsoft Graph (issue 13 §2): the prepared MIME as it is (`sendMail`, or a draft and
 * upload sessions over 3 MB), so Message-ID, In-Reply-To and References are Mailroom's; a system mailbox
 * through `/users/{address}` with its delegate's token (Send As, Mail.Send.Shared). The sent copy is the
 * one Exchange files, found by Message-ID; Mailroom never adds one.
 */
export const graphSending = (deps: TransportDeps, mailbox: Mailbox): Sending => ({
  send: (message, options) =>
    translatingGraph(async () => {
      const graph = await mailboxGraph(deps, mailbox);
      // The token first, so a refused one fails before the message is marked as possibly delivered.
      await graph.getToken();
      options.signal.throwIfAborted();
      await options.beforeTransmit();
      try {
        const result = await sendMime(graph.client, graph.mailbox, message.raw, { signal: options.signal });
        const reply =
          result.via === 'sendMail'
            ? 'Accepted by Microsoft Graph (sendMail)'
            : 'Sent by Microsoft Graph (draft)';
        return { serverReply: reply, refused: [] };
      } catch (error) {
        if (options.signal.aborted) throw options.signal.reason;
        throw error;
      }
    }, mailbox),

  wasSent: (messageId) =>
    translatingGraph(async () => {
      const graph = await mailboxGraph(deps, mailbox);
      return (await findSentCopy(graph.client, graph.mailbox, messageId)) !== null;
    }, mailbox),

  keepSentCopy: (message) =>
    translatingGraph(async (): Promise<SentCopy | null> => {
      const graph = await mailboxGraph(deps, mailbox);
      for (let look = 1; ; look++) {
        const copy = await findSentCopy(graph.client, graph.mailbox, message.messageId);
        if (copy) {
          const folders = await listFolders(graph.client, graph.mailbox);
          const sent = folders.find((f) => f.id === copy.parentFolderId || f.specialUse === '\\Sent');
          if (!sent) return null;
          return {
            location: { transport: 'graph', path: sent.path, folderId: sent.id, remoteId: copy.id },
            by: 'server',
          };
        }
        if (look >= SENT_COPY_LOOKS) return null;
        await sleep(SENT_COPY_PAUSE_MS);
      }
    }, mailbox),

  verifySending: () =>
    translatingGraph(async () => {
      const graph = await mailboxGraph(deps, mailbox);
      // Graph has no dry run of sendMail: a token for the mailbox with its Graph permissions is the check.
      await graph.getToken({ forceRefresh: true });
      return { login: mailbox.account?.upn ?? mailbox.address, server: graph.host };
    }, mailbox),
});
