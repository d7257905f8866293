import type { Db } from '../db/database.ts';
import { recordSendsThrough } from '../transports/sends-through.ts';
import type { SendVia } from './mailboxes.table.ts';

export const SEND_VIA: readonly SendVia[] = ['auto', 'smtp', 'graph'];

const REASON: Record<SendVia, string> = {
  auto: 'Set to Automatic: SMTP first, Microsoft Graph from the first time Exchange refuses SMTP AUTH.',
  smtp: 'Set to send over SMTP only.',
  graph: 'Set to send through Microsoft Graph only.',
};

/**
 * Chooses how the mailbox sends (issue 13 §3). Automatic starts again from SMTP (SMTP AUTH may have been
 * switched on meanwhile; a `5.7.139` moves it to Graph again at once); SMTP and Graph send that way.
 */
export const setSendVia = async (db: Db, mailboxId: string, via: SendVia): Promise<void> => {
  await db.updateTable('mailboxes').set({ send_via: via }).where('id', '=', mailboxId).execute();
  await recordSendsThrough(db, mailboxId, {
    through: via === 'graph' ? 'graph' : 'smtp',
    reason: REASON[via],
    reasonCode: `setting.${via}`,
  });
};
