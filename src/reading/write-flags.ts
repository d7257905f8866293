import type { Mailbox } from '../mailboxes/mailbox.ts';
import { transportFor } from '../transports/transport-for.ts';
import type { TransportDeps } from '../transports/types.ts';

/**
 * Writes every pending flag change of a mailbox back to the server, one session, folder by folder
 * (IMAP: `UID STORE +FLAGS/-FLAGS`, RFC 3501 §6.4.6). Failures are stored on the mailbox by the
 * transport and thrown; the changes stay pending, so nothing a reader did is lost.
 */
export const pushPendingFlags = async (deps: TransportDeps, mailbox: Mailbox): Promise<number> => {
  const folders = await deps.db
    .selectFrom('message_locations')
    .select('path')
    .distinct()
    .where('mailbox_id', '=', mailbox.id)
    .where('pending_flags', 'is not', null)
    .orderBy('path')
    .execute();
  if (folders.length === 0) return 0;
  return transportFor(deps, mailbox).read(async (session) => {
    let written = 0;
    for (const { path } of folders) written += await session.pushFlags(path);
    return written;
  });
};
