import type { ImapFlow } from 'imapflow';
import type { Db } from '../../db/database.ts';
import { parsePending } from '../../reading/local-flags.ts';
import { MailTransportError } from '../transport-error.ts';
import { uidSet } from './cursor.ts';
import { ImapError, toImapError } from './imap-error.ts';
import { selectedMailbox } from './imap-session.ts';

type PendingRow = { uidvalidity: number; uid: number; pending_flags: string | null };

/** The STOREs (at most six) a folder's pending changes need, as UID lists. */
const storesFor = (rows: readonly PendingRow[]) => {
  const stores = [
    { flag: '\\Seen', add: true, uids: [] as number[] },
    { flag: '\\Seen', add: false, uids: [] as number[] },
    { flag: '\\Flagged', add: true, uids: [] as number[] },
    { flag: '\\Flagged', add: false, uids: [] as number[] },
    { flag: '\\Answered', add: true, uids: [] as number[] },
    { flag: '\\Answered', add: false, uids: [] as number[] },
  ];
  for (const row of rows) {
    const pending = parsePending(row.pending_flags);
    if (pending.seen !== undefined) stores[pending.seen ? 0 : 1]!.uids.push(row.uid);
    if (pending.flagged !== undefined) stores[pending.flagged ? 2 : 3]!.uids.push(row.uid);
    if (pending.answered !== undefined) stores[pending.answered ? 4 : 5]!.uids.push(row.uid);
  }
  return stores.filter((s) => s.uids.length > 0);
};

/**
 * Writes a folder's pending flags to the server over a session that has the folder selected (the
 * caller holds its mailbox lock: the sync engine calls this inside its own lock, before it reads the
 * server's flags). A row is cleared only if its pending flags are still what was sent, so a change
 * made meanwhile stays pending for the next push. Copies under an older UIDVALIDITY are left to the
 * sync, which drops them. Returns how many copies were written.
 */
export const pushSelectedFolderFlags = async (
  db: Db,
  client: ImapFlow,
  mailboxId: string,
  path: string,
): Promise<number> => {
  const uidValidity = Number(selectedMailbox(client, path).uidValidity);
  const rows = await db
    .selectFrom('message_locations')
    .select(['uidvalidity', 'uid', 'pending_flags'])
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .where('uidvalidity', '=', uidValidity)
    .where('pending_flags', 'is not', null)
    .execute();
  for (const store of storesFor(rows)) {
    const uids = uidSet([...store.uids].sort((a, b) => a - b));
    const ok = await (store.add
      ? client.messageFlagsAdd(uids, [store.flag], { uid: true })
      : client.messageFlagsRemove(uids, [store.flag], { uid: true })
    ).catch((error: unknown) => Promise.reject(toImapError(error)));
    if (!client.usable) throw new ImapError('imap.closed', null, null, { cause: null });
    // NO or BAD to UID STORE: imapflow answers `false`, not an error. The flags stay pending.
    if (!ok)
      throw new MailTransportError(
        {
          code: 'imap.flags_refused',
          transport: 'imap_smtp',
          whoMustAct: 'nobody',
          userMessage: 'The server did not take a read or flagged change; Mailroom will try again.',
          retryAfterMs: null,
        },
        `${path}: UID STORE ${store.flag} was refused`,
        { cause: null },
      );
  }
  for (const row of rows) {
    await db
      .updateTable('message_locations')
      .set({ pending_flags: null })
      .where('mailbox_id', '=', mailboxId)
      .where('path', '=', path)
      .where('uidvalidity', '=', row.uidvalidity)
      .where('uid', '=', row.uid)
      .where('pending_flags', '=', row.pending_flags)
      .execute();
  }
  return rows.length;
};

/** Selects the folder (taking imapflow's mailbox lock) and writes its pending flags. */
export const pushFolderFlags = async (
  db: Db,
  client: ImapFlow,
  mailboxId: string,
  path: string,
): Promise<number> => {
  const lock = await client.getMailboxLock(path).catch((e: unknown) => Promise.reject(toImapError(e)));
  try {
    return await pushSelectedFolderFlags(db, client, mailboxId, path);
  } finally {
    lock.release();
  }
};
