import type { ImapFlow } from 'imapflow';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import type { MailSession, MailTransport, TransportDeps } from '../types.ts';
import { withMailboxImap } from './imap-access.ts';
import { listArrivals } from './list-arrivals.ts';
import { listFolders } from './list-folders.ts';
import { pushFolderFlags } from './push-flags.ts';
import { sendOverSmtp, verifySmtpLogin } from './send-smtp.ts';
import { keepImapSentCopy, wasSentOverImap } from './sent-items.ts';
import { syncFolder } from './sync-folder.ts';
import { watchInbox } from './watch-inbox.ts';

/** One authenticated IMAP connection: a command at a time, each folder selected under imapflow's lock. */
const imapSession = (deps: TransportDeps, mailbox: Mailbox, client: ImapFlow): MailSession => ({
  listFolders: () => listFolders(client),
  syncFolder: (store, path, options) =>
    syncFolder({ db: deps.db, log: deps.log, ...store }, client, mailbox.id, path, options),
  pushFlags: (path) => pushFolderFlags(deps.db, client, mailbox.id, path),
});

/**
 * The mailbox over IMAP (read, watch) and SMTP submission (send), both with XOAUTH2 and the Outlook
 * resource's token (ms-identity-spec.md §13).
 */
export const imapSmtpTransport = (deps: TransportDeps, mailbox: Mailbox): MailTransport => ({
  kind: 'imap_smtp',
  read: (fn, options = {}) =>
    withMailboxImap(deps, mailbox, (client) => fn(imapSession(deps, mailbox, client)), options),
  send: (message, options) => sendOverSmtp(deps, mailbox, message, options),
  wasSent: (messageId) => wasSentOverImap(deps, mailbox, messageId),
  keepSentCopy: (message) => keepImapSentCopy(deps, mailbox, message),
  verifySending: () => verifySmtpLogin(deps, mailbox),
  watch: (handlers, options) =>
    watchInbox(deps, mailbox, handlers, options, (client) => ({
      session: imapSession(deps, mailbox, client),
      listArrivals: (store, { signal }) =>
        listArrivals({ db: deps.db, log: deps.log, ...store }, client, mailbox.id, 'INBOX', { signal }),
    })),
});
