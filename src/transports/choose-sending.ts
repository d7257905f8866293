import type { Mailbox } from '../mailboxes/mailbox.ts';
import { graphSending, type Sending } from './graph/graph-send.ts';
import { SmtpError } from './imap-smtp/smtp-error.ts';
import { recordSendsThrough, smtpAuthDisabledReason } from './sends-through.ts';
import type { MailTransport, TransportDeps } from './types.ts';

/** Whether the mailbox sends through Graph now: chosen so, or on Automatic after SMTP was refused. */
export const sendsThroughGraph = (mailbox: Mailbox): boolean =>
  mailbox.sending.via === 'graph' || (mailbox.sending.via === 'auto' && mailbox.sending.through === 'graph');

/**
 * Graph's sending for a mailbox that reads over IMAP: its messages' locations are IMAP's, so once Graph
 * shows the copy Exchange filed in Sent Items, the copy kept is IMAP's view of it (found by Message-ID,
 * stored at once). When Graph does not show it in time, nothing is added: the next sync brings it.
 */
const readingOverImap = (graph: Sending, imap: Sending): Sending => ({
  ...graph,
  keepSentCopy: async (message) => {
    const filed = await graph.keepSentCopy(message);
    if (!filed) return null;
    return (await imap.keepSentCopy(message)) ?? filed;
  },
});

/**
 * The sending half for the mailbox (issue 13 §3). On Automatic while it sends over SMTP: when Exchange
 * answers `535 5.7.139 … SmtpClientAuthentication is disabled` (smtp.auth_disabled), the mailbox is
 * recorded as sending through Graph from now on, and the same message goes through Graph at once —
 * nothing went over SMTP, as AUTH comes before MAIL FROM. If Graph refuses too, its failure is the
 * message's. After the switch this transport's sent-copy look-ups are Graph's as well.
 */
export const chooseSending = (deps: TransportDeps, mailbox: Mailbox, smtp: Sending): Sending => {
  if (mailbox.sending.via === 'smtp') return smtp;
  const graph = readingOverImap(graphSending(deps, mailbox), smtp);
  if (sendsThroughGraph(mailbox)) return graph;
  let current: Sending = smtp;
  return {
    send: async (message, options) => {
      if (current === graph) return graph.send(message, options);
      try {
        return await smtp.send(message, options);
      } catch (error) {
        if (!(error instanceof SmtpError) || error.code !== 'smtp.auth_disabled') throw error;
        await recordSendsThrough(deps.db, mailbox.id, {
          through: 'graph',
          reason: smtpAuthDisabledReason(error.serverText),
          reasonCode: error.code,
        });
        deps.log.info(
          { event: 'mailbox.sends_through_graph', mailboxId: mailbox.id, smtpCode: error.enhancedCode },
          'SMTP AUTH is off for the mailbox: sending through Microsoft Graph',
        );
        current = graph;
        return graph.send(message, options);
      }
    },
    wasSent: (messageId) => current.wasSent(messageId),
    keepSentCopy: (message) => current.keepSentCopy(message),
    verifySending: () => current.verifySending(),
  };
};

/** The transport with its sending half chosen for the mailbox. */
export const withChosenSending = (
  deps: TransportDeps,
  mailbox: Mailbox,
  transport: MailTransport,
): MailTransport => ({
  ...transport,
  ...chooseSending(deps, mailbox, transport),
});
