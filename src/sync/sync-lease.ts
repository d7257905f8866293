import type { Db } from '../db/database.ts';

/** How long a sync may run without renewing its lease before another worker may take the mailbox over. */
export const SYNC_LEASE_MS = 120_000;

/**
 * Takes the mailbox's sync lease: a conditional row update only one worker can win, on SQLite and
 * PostgreSQL alike, so two workers never sync the same mailbox at the same time.
 */
export const takeSyncLease = async (
  db: Db,
  mailboxId: string,
  owner: string,
  now = new Date(),
): Promise<boolean> => {
  const result = await db
    .updateTable('mailboxes')
    .set({ sync_lease_until: new Date(now.getTime() + SYNC_LEASE_MS).toISOString(), sync_lease_owner: owner })
    .where('id', '=', mailboxId)
    .where((eb) =>
      eb.or([
        eb('sync_lease_until', 'is', null),
        eb('sync_lease_until', '<', now.toISOString()),
        eb('sync_lease_owner', '=', owner),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
};

export const releaseSyncLease = async (
  db: Db,
  mailboxId: string,
  owner: string,
  synced: boolean,
): Promise<void> => {
  await db
    .updateTable('mailboxes')
    .set((eb) => ({
      sync_lease_until: null,
      sync_lease_owner: null,
      ...(synced ? { last_synced_at: new Date().toISOString(), sync_runs: eb('sync_runs', '+', 1) } : {}),
    }))
    .where('id', '=', mailboxId)
    .where('sync_lease_owner', '=', owner)
    .execute();
};
