import type { MailServers } from '../mail-servers.ts';
import { getAccessToken } from '../mailboxes/access-token.ts';
import { withMailboxImap } from '../mailboxes/imap-access.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import { storeMessage } from '../messages/store-message.ts';
import { ImapError } from '../sync/imap-error.ts';
import { withImap } from '../sync/imap-session.ts';
import type { OutgoingRow } from './outgoing-store.ts';
import type { SendDeps } from './send-deps.ts';
import { ensureSentCopy, findCopy, sentFolderOf } from './sent-copy.ts';
import { smtpLoginOf } from './smtp-session.ts';

/** Looks for the message in Sent Items: the mailbox's, and for a system mailbox its delegate's too. */
export const deliveredCopy = async (
  deps: SendDeps,
  mailbox: Mailbox,
  servers: MailServers,
  row: OutgoingRow,
): Promise<boolean> => {
  const look = async (client: Parameters<typeof sentFolderOf>[0]) => {
    const path = await sentFolderOf(client);
    return path ? findCopy(client, path, row.message_id) : null;
  };
  if (await withMailboxImap(deps, mailbox, look)) return true;
  const login = smtpLoginOf(mailbox);
  if (login === mailbox.address) return false;
  const accessToken = await getAccessToken(deps, mailbox.id, { servers });
  return (await withImap(servers, { user: login, accessToken }, look)) !== null;
};

/**
 * One copy in Sent Items (the server's, or one Mailroom APPENDs), stored at once so the message is in
 * its thread before the next sync. A failure here does not unsend anything: it is logged, and the next
 * sync of Sent Items brings the copy in if the server kept one.
 */
export const keepSentCopy = async (
  deps: SendDeps,
  row: OutgoingRow,
  mailbox: Mailbox,
  raw: Buffer,
  sentAt: Date,
): Promise<{ by: 'server' | 'appended'; storedMessageId: string } | null> => {
  try {
    const copy = await withMailboxImap(deps, mailbox, (client) =>
      ensureSentCopy(client, row.message_id, raw, sentAt),
    );
    if (!copy) {
      deps.log.warn({ event: 'send.no_sent_folder', outgoingId: row.id }, 'the mailbox has no Sent folder');
      return null;
    }
    const stored = await storeMessage(deps.db, deps.blobs, {
      mailboxId: mailbox.id,
      path: copy.path,
      uidValidity: copy.uidValidity,
      uid: copy.uid,
      flags: ['\\Seen'],
      // What a sync would read: INTERNALDATE has whole seconds (RFC 3501 §2.3.3).
      internalDate: new Date(Math.floor(sentAt.getTime() / 1000) * 1000),
      size: raw.length,
      source: raw,
    });
    return { by: copy.by, storedMessageId: stored.messageId };
  } catch (error) {
    deps.log.warn(
      {
        event: 'send.sent_copy_failed',
        outgoingId: row.id,
        imapCode: error instanceof ImapError ? error.code : undefined,
        err: (error as Error).message,
      },
      'the sent copy could not be kept',
    );
    return null;
  }
};
