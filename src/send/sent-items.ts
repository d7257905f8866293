import type { Mailbox } from '../mailboxes/mailbox.ts';
import { findMailbox } from '../mailboxes/repository.ts';
import { storeMessage } from '../messages/store-message.ts';
import { MailTransportError } from '../transports/transport-error.ts';
import { transportFor } from '../transports/transport-for.ts';
import type { OutgoingRow } from './outgoing-store.ts';
import type { SendDeps } from './send-deps.ts';

/**
 * One copy in Sent Items (the server's, or one Mailroom adds), stored at once so the message is in
 * its thread before the next sync. A failure here does not unsend anything: it is logged, and the next
 * sync of Sent Items brings the copy in if the server kept one.
 */
export const keepSentCopy = async (
  deps: SendDeps,
  row: OutgoingRow,
  mailbox: Mailbox,
  raw: Buffer,
  sentAt: Date,
): Promise<{ by: 'server' | 'appended'; storedMessageId: string | null } | null> => {
  try {
    // Read again: the send may just have moved the mailbox to Graph (choose-sending.ts).
    const now = (await findMailbox(deps.db, mailbox.id)) ?? mailbox;
    const copy = await transportFor(deps, now).keepSentCopy({ messageId: row.message_id, raw, sentAt });
    if (!copy) {
      deps.log.warn({ event: 'send.no_sent_folder', outgoingId: row.id }, 'the mailbox has no Sent folder');
      return null;
    }
    const { location } = copy;
    if (location.transport !== 'imap_smtp') {
      // Message locations are IMAP's (path, UIDVALIDITY, UID) until they gain a remote id: the next
      // sync of Sent Items brings this copy in.
      deps.log.info(
        { event: 'send.sent_copy_left_to_sync', outgoingId: row.id },
        'the sent copy is synced later',
      );
      return { by: copy.by, storedMessageId: null };
    }
    const stored = await storeMessage(deps.db, deps.blobs, {
      mailboxId: mailbox.id,
      path: location.path,
      uidValidity: location.uidValidity,
      uid: location.uid,
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
        imapCode: error instanceof MailTransportError ? error.code : undefined,
        err: error,
      },
      'the sent copy could not be kept',
    );
    return null;
  }
};
