import type { Db } from '../../db/database.ts';
import { type HeaderFields, readHeader } from '../../messages/read-header.ts';
import { type ListedMessage, storeListed } from '../../messages/store-listed.ts';
import type { StoreInput } from '../../messages/store-message.ts';
import { saveProgress } from './folder-state.ts';

/**
 * A fetched message to list: its whole source, or null once streamed to the blob store (`blobSha256`).
 * Its envelope is read from `source` where the batch is stored, else (a large message) given in `header`.
 */
export type FetchedMessage = {
  readonly input: Omit<StoreInput, 'source'>;
  readonly blobSha256: string | null;
} & (
  | { readonly source: Buffer; readonly header: null }
  | { readonly source: null; readonly header: HeaderFields }
);

/** Where the folder's cursor moves once a batch is stored, and the folder's stored count then. */
export interface BatchCursor {
  readonly mailboxId: string;
  readonly path: string;
  readonly uidNext: number;
  readonly storedMessages: number;
}

/**
 * Stores a fetched batch, envelopes read from the headers, with the folder's cursor in one transaction
 * (storeListed); returns how many messages it created. Run on the main thread or in the listing's writer
 * thread (list-writer.ts).
 */
export const storeBatch = async (
  db: Db,
  batch: readonly FetchedMessage[],
  cursor: BatchCursor,
): Promise<number> => {
  const progress = { uidNext: cursor.uidNext, storedMessages: cursor.storedMessages };
  if (batch.length === 0) {
    await saveProgress(db, cursor.mailboxId, cursor.path, progress);
    return 0;
  }
  const listed: ListedMessage[] = batch.map((m) => ({
    input: m.input,
    header: m.source ? readHeader(m.source) : m.header,
    source: m.source,
    blobSha256: m.blobSha256,
  }));
  const results = await storeListed(db, listed, (trx) =>
    saveProgress(trx, cursor.mailboxId, cursor.path, progress),
  );
  return results.filter((r) => r.created).length;
};
