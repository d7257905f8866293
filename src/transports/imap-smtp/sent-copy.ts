import type { ImapFlow } from 'imapflow';
import { toImapError } from './imap-error.ts';
import { listFolders } from './list-folders.ts';

export interface SentCopy {
  readonly path: string;
  readonly uidValidity: number;
  readonly uid: number;
}

/** The folder LIST marks `\Sent` (RFC 6154; Exchange's "Sent Items"), never guessed from a name. */
export const sentFolderOf = async (client: ImapFlow): Promise<string | null> =>
  (await listFolders(client)).find((f) => f.specialUse === '\\Sent' && f.selectable)?.path ?? null;

/** The copy of the message with this Message-ID in `path`, found by `UID SEARCH HEADER Message-ID`. */
export const findCopy = async (
  client: ImapFlow,
  path: string,
  messageId: string,
): Promise<SentCopy | null> => {
  try {
    const lock = await client.getMailboxLock(path);
    try {
      const uids = await client.search({ header: { 'message-id': `<${messageId}>` } }, { uid: true });
      const uid = uids ? uids.at(-1) : undefined;
      const uidValidity = client.mailbox ? Number(client.mailbox.uidValidity) : null;
      return uid !== undefined && uidValidity !== null ? { path, uidValidity, uid } : null;
    } finally {
      lock.release();
    }
  } catch (error) {
    throw toImapError(error);
  }
};

/**
 * Makes sure the mailbox's Sent Items hold one copy: Exchange saves one itself for mail sent as the
 * mailbox over SMTP (ms-identity-spec.md §13.5), so Mailroom looks for it by Message-ID first and
 * APPENDs only when it is not there (a delegate's Send As copy lands in the delegate's own Sent Items).
 */
export const ensureSentCopy = async (
  client: ImapFlow,
  messageId: string,
  raw: Buffer,
  sentAt: Date,
): Promise<(SentCopy & { by: 'server' | 'appended' }) | null> => {
  const path = await sentFolderOf(client);
  if (!path) return null;
  const found = await findCopy(client, path, messageId);
  if (found) return { ...found, by: 'server' };
  try {
    const appended = await client.append(path, raw, ['\\Seen'], sentAt);
    if (appended && appended.uid !== undefined && appended.uidValidity !== undefined)
      return { path, uid: appended.uid, uidValidity: Number(appended.uidValidity), by: 'appended' };
  } catch (error) {
    throw toImapError(error);
  }
  // No UIDPLUS: find what was just appended.
  const after = await findCopy(client, path, messageId);
  return after ? { ...after, by: 'appended' } : null;
};
