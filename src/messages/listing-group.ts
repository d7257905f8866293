import type { Db } from '../db/database.ts';
import { insertRows } from '../db/insert-rows.ts';
import type { Logger } from '../log/logger.ts';
import { type ListedMessage, storeListedBatches } from './store-listed.ts';
import type { Stored } from './store-message.ts';

/** Where a listed batch moves its folder's cursor to, in the batch's transaction. */
export interface ListedProgress {
  readonly mailboxId: string;
  readonly path: string;
  readonly uidNext: number;
  readonly storedMessages: number;
}

/**
 * Stores a listed batch (maybe empty: the cursor alone) with its folder's cursor, committed together with
 * whatever other batches are waiting at that moment (see `createListingGroup`).
 */
export type ListingGroup = (
  batch: readonly ListedMessage[],
  progress: ListedProgress,
  /** The round's lease and time limit: a batch whose round was cut before its turn is not stored. */
  signal?: AbortSignal,
) => Promise<Stored[]>;

/** Rounds stored by one transaction at most. */
const ROUNDS_PER_COMMIT = 200;
/** Messages stored by one transaction at most (a single round may bring more: it is then alone). */
const MESSAGES_PER_COMMIT = 1000;

interface Waiting {
  readonly signal: AbortSignal | undefined;
  readonly batch: readonly ListedMessage[];
  readonly progress: ListedProgress;
  readonly resolve: (stored: Stored[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for the arrival rounds of one process: a round's batch waits while the transaction before
 * it commits, and every batch that came meanwhile goes into the next one, a handful of statements for all
 * of them (store-listed.ts `storeListedBatches`). A quiet process commits each round at once, as before; a
 * thousand mailboxes' arrivals over 10 s took 429 transactions instead of a thousand, up to 18 rounds in one
 * (bench/scale.ts, counted by `arrival.group_committed`). Each statement cost the worker a third of a
 * millisecond of its one thread, and twelve of them a round made its CPU the bound on how fast new mail was
 * listed.
 *
 * When a shared transaction fails, its batches are stored one transaction each, so a batch that cannot be
 * stored fails its own round (which hands the mail to a job) and no other.
 */
export const createListingGroup = (db: Db, log: Logger): ListingGroup => {
  const waiting: Waiting[] = [];
  let draining = false;

  /**
   * Rejects a batch whose round lost its lease (or ran out of time) while it waited: another holder may be
   * listing the same mail now. The round hands the rest to a job, which lists it from the cursor.
   */
  const cutShort = (w: Waiting): boolean => {
    if (!w.signal?.aborted) return false;
    w.reject(w.signal.reason);
    return true;
  };

  const commit = async (group: readonly Waiting[]): Promise<void> => {
    try {
      const stored = await storeAll(db, group);
      for (const [i, w] of group.entries()) w.resolve(stored[i]!);
      log.debug(
        { event: 'arrival.group_committed', rounds: group.length, messages: stored.flat().length },
        'arrival rounds committed together',
      );
      return;
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      log.warn(
        { event: 'arrival.group_failed', rounds: group.length, err: error },
        'a shared commit of arrival rounds failed; each round is stored on its own',
      );
    }
    for (const w of group)
      if (!cutShort(w))
        await storeAll(db, [w]).then(
          (stored) => w.resolve(stored[0]!),
          (error: unknown) => w.reject(error),
        );
  };

  const drain = async (): Promise<void> => {
    while (waiting.length > 0) {
      const group: Waiting[] = [];
      let messages = 0;
      while (waiting.length > 0 && group.length < ROUNDS_PER_COMMIT) {
        const next = waiting[0]!;
        if (group.length > 0 && messages + next.batch.length > MESSAGES_PER_COMMIT) break;
        waiting.shift();
        if (cutShort(next)) continue;
        group.push(next);
        messages += next.batch.length;
      }
      if (group.length > 0) await commit(group);
    }
    draining = false;
  };

  return (batch, progress, signal) =>
    new Promise<Stored[]>((resolve, reject) => {
      waiting.push({ signal, batch, progress, resolve, reject });
      if (draining) return;
      draining = true;
      // Every round whose FETCH ends in this turn of the event loop joins the first commit.
      setImmediate(() =>
        drain().catch((error: unknown) => {
          // Not a failed commit (each rejects its own round): a fault of this code. The rounds waiting fail
          // (their mail goes to jobs) rather than wait for ever.
          log.error(
            { event: 'arrival.group_broken', err: error },
            'the group commit of arrival rounds broke',
          );
          for (const w of waiting.splice(0)) w.reject(error);
          draining = false;
        }),
      );
    });
};

/** One transaction: the batches, and each one's cursor, before their events. */
const storeAll = (db: Db, group: readonly Waiting[]): Promise<Stored[][]> =>
  storeListedBatches(
    db,
    group.map((w) => w.batch),
    (trx) =>
      insertRows(
        trx,
        'folder_sync_state',
        // One row per folder (PostgreSQL updates a row once per statement): a folder's later batch wins.
        [...new Map(group.map(({ progress: p }) => [`${p.mailboxId}\u0000${p.path}`, p])).values()].map(
          (p) => ({
            mailbox_id: p.mailboxId,
            path: p.path,
            uid_next: p.uidNext,
            stored_messages: p.storedMessages,
          }),
        ),
        {
          types: { uid_next: 'bigint', stored_messages: 'integer' },
          onConflict:
            'on conflict (mailbox_id, path) do update set uid_next = excluded.uid_next, stored_messages = excluded.stored_messages',
        },
      ),
  );
