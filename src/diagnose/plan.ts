import type { Mailbox } from '../mailboxes/mailbox.ts';
import { sendsThroughGraph } from '../transports/choose-sending.ts';
import type { MailboxPlan } from './types.ts';

/**
 * Which links the mailbox depends on: every mailbox reads over IMAP (transport-for.ts); it sends over SMTP
 * or through Graph as choose-sending.ts decides — on Automatic, SMTP until Exchange refused it.
 */
export const planFor = (mailbox: Mailbox): MailboxPlan => {
  const graph = sendsThroughGraph(mailbox);
  return { smtp: !graph, graph };
};
