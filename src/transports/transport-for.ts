import type { Mailbox } from '../mailboxes/mailbox.ts';
import { imapSmtpTransport } from './imap-smtp/transport.ts';
import type { MailTransport, TransportDeps } from './types.ts';

/**
 * The way Mailroom reaches this mailbox. Today every mailbox reads over IMAP and sends over SMTP; the
 * per-mailbox choice (IMAP and SMTP, Graph, or Automatic: issue 13 §3) decides here once it exists.
 */
export const transportFor = (deps: TransportDeps, mailbox: Mailbox): MailTransport =>
  imapSmtpTransport(deps, mailbox);
