import type { Db } from '../db/database.ts';
import type { BlobStore } from './blob-store.ts';

/** A blob younger than this is never swept: its row may not be committed yet (a sync mid-batch). */
export const BLOB_GRACE_MS = 24 * 3600_000;

export interface BlobSweepResult {
  readonly examined: number;
  readonly removed: number;
  readonly temporaries: number;
}

/**
 * The names of `candidates` that a row still names: an attachment, a queued, sent or failed message, or
 * the raw source of a large message waiting for its parse.
 */
const referenced = async (db: Db, candidates: readonly string[]): Promise<Set<string>> => {
  const names = new Set<string>();
  for (const r of await db
    .selectFrom('attachments')
    .select('sha256')
    .distinct()
    .where('sha256', 'in', candidates)
    .execute())
    names.add(r.sha256);
  for (const r of await db
    .selectFrom('outgoing_messages')
    .select('mime_sha256')
    .distinct()
    .where('mime_sha256', 'in', candidates)
    .execute())
    names.add(r.mime_sha256);
  for (const r of await db
    .selectFrom('message_sources')
    .select('blob_sha256')
    .distinct()
    .where('blob_sha256', 'in', candidates)
    .execute())
    if (r.blob_sha256) names.add(r.blob_sha256);
  return names;
};

/**
 * Deletes blobs no row names any more (attachments of deleted messages, MIME of discarded messages),
 * once they are older than the grace period — a blob is "touched" each time it is stored again, so one
 * about to be named by a new row is always young. Also clears temporary files a crash left behind.
 */
export const sweepBlobs = async (
  db: Db,
  blobs: BlobStore,
  options: { graceMs?: number; now?: number } = {},
): Promise<BlobSweepResult> => {
  const before = (options.now ?? Date.now()) - (options.graceMs ?? BLOB_GRACE_MS);
  let examined = 0;
  let removed = 0;
  let old: string[] = [];
  const sweepOld = async () => {
    const keep = await referenced(db, old);
    for (const name of old)
      if (!keep.has(name)) {
        await blobs.remove(name);
        removed++;
      }
    old = [];
  };
  for await (const blob of blobs.list()) {
    examined++;
    if (blob.modifiedAt < before) old.push(blob.sha256);
    if (old.length >= 500) await sweepOld();
  }
  await sweepOld();
  const temporaries = await blobs.removeStaleTemporaries(before);
  return { examined, removed, temporaries };
};
