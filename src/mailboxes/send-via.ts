import type { Db } from '../db/database.ts';
import { recordReadsThrough } from '../transports/reads-through.ts';
import { recordSendsThrough } from '../transports/sends-through.ts';
import type { SendVia } from './mailboxes.table.ts';

export const SEND_VIA: readonly SendVia[] = ['auto', 'smtp', 'graph'];

const REASON: Record<SendVia, string> = {
  auto: 'Set to Automatic: SMTP first, Microsoft Graph from the first time Exchange refuses SMTP AUTH.',
  smtp: 'Set to IMAP and SMTP only: it sends over SMTP only.',
  graph: 'Set to Microsoft Graph only: it sends through Microsoft Graph only.',
};

const READ_REASON: Record<SendVia, string> = {
  auto: 'Set to Automatic: IMAP first, Microsoft Graph from the first time Exchange refuses IMAP for the mailbox.',
  smtp: 'Set to IMAP and SMTP only: it reads over IMAP only.',
  graph: 'Set to Microsoft Graph only: it reads through Microsoft Graph only.',
};

/**
 * Chooses the mailbox's way to Microsoft 365, for sending and reading (issue 13 §3). Automatic starts again
 * from SMTP and IMAP (either may have been switched on meanwhile; a `5.7.139`, or IMAP refused for the
 * mailbox, moves that half to Graph again at once); IMAP and SMTP, or Graph, work that way only.
 */
export const setSendVia = async (db: Db, mailboxId: string, via: SendVia): Promise<void> => {
  await db.updateTable('mailboxes').set({ send_via: via }).where('id', '=', mailboxId).execute();
  await recordSendsThrough(db, mailboxId, {
    through: via === 'graph' ? 'graph' : 'smtp',
    reason: REASON[via],
    reasonCode: `setting.${via}`,
  });
  await recordReadsThrough(db, mailboxId, {
    through: via === 'graph' ? 'graph' : 'imap',
    reason: READ_REASON[via],
    reasonCode: `setting.${via}`,
  });
};
