import type { Db } from '../../db/database.ts';
import { type ListedMessage, storeListed } from '../../messages/store-listed.ts';
import { saveProgress } from './folder-state.ts';

/** Where the folder's cursor moves once a batch is stored, and the folder's stored count then. */
export interface BatchCursor {
  readonly mailboxId: string;
  readonly path: string;
  readonly uidNext: number;
  readonly storedMessages: number;
}

/**
 * Stores a fetched batch with the folder's cursor in one transaction (storeListed); returns how many
 * messages it created. Run on the main thread or in the listing's writer thread (list-writer.ts).
 */
export const storeBatch = async (
  db: Db,
  batch: readonly ListedMessage[],
  cursor: BatchCursor,
): Promise<number> => {
  const progress = { uidNext: cursor.uidNext, storedMessages: cursor.storedMessages };
  if (batch.length === 0) {
    await saveProgress(db, cursor.mailboxId, cursor.path, progress);
    return 0;
  }
  const results = await storeListed(db, batch, (trx) =>
    saveProgress(trx, cursor.mailboxId, cursor.path, progress),
  );
  return results.filter((r) => r.created).length;
};
