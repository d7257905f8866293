import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/** A folder's Graph cursor as `folder_sync_state` keeps it (migrations 0021 and 0040). */
export interface GraphFolderState {
  /** The folder was last synced through Graph, with this folder id; else the round starts from nothing. */
  readonly ours: boolean;
  /** `@odata.nextLink` mid-round, `@odata.deltaLink` between rounds; null: the next round starts from nothing. */
  readonly cursor: string | null;
  /** Set during a round from nothing: locations below it not yet seen in the round. */
  readonly resyncBelow: number | null;
  readonly storedMessages: number;
}

export const loadGraphState = async (
  db: Db,
  mailboxId: string,
  path: string,
  folderId: string,
): Promise<GraphFolderState> => {
  const row = await db
    .selectFrom('folder_sync_state')
    .select(['transport', 'folder_id', 'cursor', 'resync_below', 'stored_messages'])
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .executeTakeFirst();
  const ours = row?.transport === 'graph' && row.folder_id === folderId;
  return {
    ours,
    cursor: ours ? (row?.cursor ?? null) : null,
    resyncBelow: ours ? (row?.resync_below ?? null) : null,
    storedMessages: ours ? (row?.stored_messages ?? 0) : 0,
  };
};

export interface GraphProgress {
  readonly cursor?: string | null;
  readonly resyncBelow?: number | null;
  readonly uidNext?: number;
  readonly storedMessages?: number;
  readonly status?: 'idle' | 'syncing' | 'failed';
  readonly lastError?: string | null;
  readonly synced?: boolean;
}

/** Writes a folder's Graph cursor and progress (the row becomes Graph's, for `folderId`). */
export const saveGraphProgress = async (
  db: Db,
  mailboxId: string,
  path: string,
  folderId: string,
  p: GraphProgress,
): Promise<void> => {
  const values = {
    transport: 'graph',
    folder_id: folderId,
    uidvalidity: 0,
    ...(p.cursor !== undefined ? { cursor: p.cursor } : {}),
    ...(p.resyncBelow !== undefined ? { resync_below: p.resyncBelow } : {}),
    ...(p.uidNext !== undefined ? { uid_next: p.uidNext } : {}),
    ...(p.storedMessages !== undefined
      ? { stored_messages: p.storedMessages, server_messages: p.storedMessages }
      : {}),
    ...(p.status !== undefined ? { status: p.status } : {}),
    ...(p.lastError !== undefined ? { last_error: p.lastError } : {}),
    ...(p.synced ? { last_synced_at: new Date().toISOString() } : {}),
  };
  await db
    .insertInto('folder_sync_state')
    .values({ mailbox_id: mailboxId, path, ...values })
    .onConflict((oc) => oc.columns(['mailbox_id', 'path']).doUpdateSet(values))
    .execute();
};

/** The next UID the folder hands out: past every Graph copy stored there (a crash may have left some). */
export const nextUid = async (db: Db, mailboxId: string, path: string): Promise<number> => {
  const row = await db
    .selectFrom('message_locations')
    .select(sql<number | string | null>`max(uid)`.as('top'))
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .where('uidvalidity', '=', 0)
    .executeTakeFirst();
  const state = await db
    .selectFrom('folder_sync_state')
    .select('uid_next')
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .where('transport', '=', 'graph')
    .executeTakeFirst();
  return Math.max(Number(row?.top ?? 0) + 1, state?.uid_next ?? 1);
};

/** Copies of the folder stored: what the folder's progress shows. */
export const countStored = async (db: Db, mailboxId: string, path: string): Promise<number> => {
  const row = await db
    .selectFrom('message_locations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .executeTakeFirstOrThrow();
  return Number(row.n);
};
