import { recordAudit } from '../audit/record.ts';
import type { Db } from '../db/database.ts';
import type { User } from '../users/users.table.ts';
import type { Mailbox } from './mailbox.ts';
import { deleteTokens } from './token-store.ts';

/**
 * Disconnect deletes the tokens. `keep` keeps the mailbox, its folders, its account and (later) its
 * synced mail, ready to reconnect; `delete` removes the mailbox and everything synced from it.
 */
export const disconnectMailbox = async (
  db: Db,
  actor: User,
  mailbox: Mailbox,
  mail: 'keep' | 'delete',
): Promise<void> => {
  if (mail === 'delete' && mailbox.kind === 'user') {
    await db.deleteFrom('mailboxes').where('id', '=', mailbox.id).execute();
  } else {
    await deleteTokens(db, mailbox.id);
    if (mail === 'delete')
      await db.deleteFrom('mailbox_folders').where('mailbox_id', '=', mailbox.id).execute();
  }
  await recordAudit(db, actor, 'mailbox.disconnected', { mailbox: mailbox.address, mail });
};
