import { z } from 'zod';
import { recordAudit } from '../../audit/record.ts';
import type { Db } from '../../db/database.ts';
import type { User } from '../../users/users.table.ts';
import type { Mailbox } from '../mailbox.ts';
import type { AccessMode } from '../mailboxes.table.ts';
import { findMailbox } from '../repository.ts';
import { deleteTokens } from '../token-store.ts';

export const accessModeSchema = z.enum(['person', 'application'], {
  message: 'Choose “person” (connected by a person) or “application” (application access).',
});

/**
 * Switches a system mailbox between *Connected by a person* and *Application access*. Either way the
 * person's tokens go: application access must not fall back on them, and a person connects anew. Synced
 * mail, folders and sync state stay. With application access the mailbox counts as connected at once
 * (the sweep syncs it); Verify on the page tells whether Exchange agrees.
 */
export const setAccessMode = async (
  db: Db,
  actor: User,
  mailbox: Mailbox,
  mode: AccessMode,
): Promise<Mailbox> => {
  if (mailbox.access !== mode) {
    await deleteTokens(db, mailbox.id);
    await db
      .updateTable('mailboxes')
      .set({
        access_mode: mode,
        ms_tid: null,
        ms_oid: null,
        ms_upn: null,
        connected_by_user_id: null,
        state: mode === 'application' ? 'connected' : 'not_connected',
        state_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', mailbox.id)
      .execute();
    await recordAudit(db, actor, 'system_mailbox.access_changed', { address: mailbox.address, access: mode });
  }
  return (await findMailbox(db, mailbox.id))!;
};

/** Every mailbox with application access, by address: the setup script and the scope cover them. */
export const appAccessAddresses = async (db: Db): Promise<string[]> =>
  (
    await db
      .selectFrom('mailboxes')
      .select('address')
      .where('access_mode', '=', 'application')
      .orderBy('address')
      .execute()
  ).map((r) => r.address);
