import type { Mailbox } from '../mailboxes/mailbox.ts';
import { automaticReading, readsThroughGraph } from './choose-reading.ts';
import { chooseSending, withChosenSending } from './choose-sending.ts';
import { graphTransport } from './graph/graph-transport.ts';
import { imapSmtpTransport } from './imap-smtp/transport.ts';
import type { MailTransport, TransportDeps } from './types.ts';

/**
 * The way Mailroom reaches this mailbox, by its one setting (`send_via`: Automatic, IMAP and SMTP, Graph).
 * Reading: over IMAP, or through Microsoft Graph when set so or, on Automatic, once IMAP was refused for the
 * mailbox (choose-reading.ts). Sending: over SMTP or through Graph, likewise (Automatic: Graph after SMTP
 * answers `5.7.139`, choose-sending.ts); a mailbox read through Graph looks for its sent copies there too.
 */
export const transportFor = (deps: TransportDeps, mailbox: Mailbox): MailTransport => {
  const imap = imapSmtpTransport(deps, mailbox);
  if (mailbox.sending.via === 'smtp') return withChosenSending(deps, mailbox, imap);
  const graph = graphTransport(deps, mailbox);
  if (readsThroughGraph(mailbox))
    return {
      ...graph,
      ...chooseSending(deps, mailbox, {
        send: imap.send,
        verifySending: imap.verifySending,
        wasSent: graph.wasSent,
        keepSentCopy: graph.keepSentCopy,
      }),
    };
  return withChosenSending(deps, mailbox, { ...imap, ...automaticReading(deps, mailbox, imap, graph) });
};
