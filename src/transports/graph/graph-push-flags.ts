import type { Db } from '../../db/database.ts';
import { parsePending } from '../../reading/local-flags.ts';
import { GraphError } from './graph-error.ts';
import type { GraphReader } from './graph-sync-folder.ts';
import { setFlags } from './set-flags.ts';

/**
 * Writes a folder's read and flagged changes made in Mailroom with `PATCH …/messages/{id}` (graph-mail-spec.md
 * §3), one per copy (Graph has no batch STORE; the client keeps to 4 in flight). `\Answered` has no Graph
 * property: Exchange sets it itself when a reply is sent, so it is dropped. A copy is cleared only if its
 * pending flags are still what was sent; one Graph no longer has is cleared too (the next delta removes it).
 * Returns how many copies were written.
 */
export const pushGraphFlags = async (
  db: Db,
  graph: GraphReader,
  mailboxId: string,
  path: string,
  signal?: AbortSignal,
): Promise<number> => {
  const rows = await db
    .selectFrom('message_locations')
    .select(['remote_id', 'pending_flags'])
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .where('remote_id', 'is not', null)
    .where('pending_flags', 'is not', null)
    .execute();
  let written = 0;
  for (const row of rows) {
    const pending = parsePending(row.pending_flags);
    try {
      await setFlags(
        graph.client,
        graph.mailbox,
        row.remote_id!,
        {
          ...(pending.seen !== undefined ? { seen: pending.seen } : {}),
          ...(pending.flagged !== undefined ? { flagged: pending.flagged } : {}),
        },
        signal ? { signal } : {},
      );
      written++;
    } catch (error) {
      if (!(error instanceof GraphError && error.code === 'graph.item_not_found')) throw error;
    }
    await db
      .updateTable('message_locations')
      .set({ pending_flags: null })
      .where('mailbox_id', '=', mailboxId)
      .where('remote_id', '=', row.remote_id)
      .where('pending_flags', '=', row.pending_flags)
      .execute();
  }
  return written;
};
