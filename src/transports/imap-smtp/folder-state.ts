import type { Db } from '../../db/database.ts';
import type { FolderCursor } from './cursor.ts';

/** Reads a folder's cursor; `null` before its first sync. */
export const loadCursor = async (db: Db, mailboxId: string, path: string): Promise<FolderCursor | null> => {
  const row = await db
    .selectFrom('folder_sync_state')
    .select(['uidvalidity', 'uid_next', 'highest_modseq'])
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .executeTakeFirst();
  if (!row) return null;
  return {
    uidValidity: row.uidvalidity,
    uidNext: row.uid_next,
    highestModseq: row.highest_modseq === null ? null : BigInt(row.highest_modseq),
  };
};

export interface FolderProgress {
  readonly uidValidity?: number;
  readonly uidNext?: number;
  readonly highestModseq?: bigint | null;
  readonly serverMessages?: number;
  readonly storedMessages?: number;
  readonly status?: 'idle' | 'syncing' | 'failed';
  readonly lastError?: string | null;
  readonly synced?: boolean;
}

/** Writes cursor and progress; the cursor only moves after what it covers is stored (resume without gaps). */
export const saveProgress = async (
  db: Db,
  mailboxId: string,
  path: string,
  p: FolderProgress,
): Promise<void> => {
  const now = new Date().toISOString();
  const values = {
    ...(p.uidValidity !== undefined ? { uidvalidity: p.uidValidity } : {}),
    ...(p.uidNext !== undefined ? { uid_next: p.uidNext } : {}),
    ...(p.highestModseq !== undefined
      ? { highest_modseq: p.highestModseq === null ? null : p.highestModseq.toString() }
      : {}),
    ...(p.serverMessages !== undefined ? { server_messages: p.serverMessages } : {}),
    ...(p.storedMessages !== undefined ? { stored_messages: p.storedMessages } : {}),
    ...(p.status !== undefined ? { status: p.status } : {}),
    ...(p.lastError !== undefined ? { last_error: p.lastError } : {}),
    ...(p.synced ? { last_synced_at: now } : {}),
  };
  await db
    .insertInto('folder_sync_state')
    .values({ mailbox_id: mailboxId, path, uid_next: 1, ...values })
    .onConflict((oc) => oc.columns(['mailbox_id', 'path']).doUpdateSet(values))
    .execute();
};

/** Stored UIDs of a folder under a UIDVALIDITY, ascending. */
export const storedUids = async (
  db: Db,
  mailboxId: string,
  path: string,
  uidValidity: number,
): Promise<number[]> =>
  (
    await db
      .selectFrom('message_locations')
      .select('uid')
      .where('mailbox_id', '=', mailboxId)
      .where('path', '=', path)
      .where('uidvalidity', '=', uidValidity)
      .orderBy('uid')
      .execute()
  ).map((r) => r.uid);
