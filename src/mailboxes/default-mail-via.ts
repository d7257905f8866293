import type { Db } from '../db/database.ts';
import type { Mailbox } from './mailbox.ts';
import type { SendVia } from './mailboxes.table.ts';
import { findMailbox } from './repository.ts';

/**
 * The installation's way to Microsoft 365 for mailboxes added from now on (issue 13 §3): Automatic unless an
 * administrator chose otherwise on the Microsoft 365 settings page. A mailbox takes it when it is added and
 * keeps its own setting after that; changing the default changes no existing mailbox.
 */
export const defaultMailVia = async (db: Db): Promise<SendVia> => {
  const row = await db
    .selectFrom('microsoft_settings')
    .select('default_mail_via')
    .where('id', '=', 1)
    .executeTakeFirst();
  return row?.default_mail_via ?? 'auto';
};

/** Stores the default; false when the Microsoft 365 settings were never saved (there is no row yet). */
export const saveDefaultMailVia = async (db: Db, via: SendVia): Promise<boolean> => {
  const result = await db
    .updateTable('microsoft_settings')
    .set({ default_mail_via: via })
    .where('id', '=', 1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
};

/**
 * A mailbox just added takes the installation's default (a no-op on Automatic, the columns' own default);
 * set to Graph, it reads and sends through Graph from the start.
 */
export const takeDefaultMailVia = async (db: Db, mailbox: Mailbox): Promise<Mailbox> => {
  const via = await defaultMailVia(db);
  if (via === 'auto') return mailbox;
  await db
    .updateTable('mailboxes')
    .set({
      send_via: via,
      sends_through: via === 'graph' ? 'graph' : 'smtp',
      reads_through: via === 'graph' ? 'graph' : 'imap',
    })
    .where('id', '=', mailbox.id)
    .execute();
  return (await findMailbox(db, mailbox.id)) ?? mailbox;
};
