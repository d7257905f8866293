import type { Mailbox } from '../mailboxes/mailbox.ts';
import { withChosenSending } from './choose-sending.ts';
import { imapSmtpTransport } from './imap-smtp/transport.ts';
import type { MailTransport, TransportDeps } from './types.ts';

/**
 * The way Mailroom reaches this mailbox. Every mailbox reads over IMAP; it sends over SMTP or through
 * Microsoft Graph as its setting says (Automatic: Graph after SMTP answers `5.7.139`, choose-sending.ts).
 */
export const transportFor = (deps: TransportDeps, mailbox: Mailbox): MailTransport =>
  withChosenSending(deps, mailbox, imapSmtpTransport(deps, mailbox));
