import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/database.ts';
import { leaseHolder, withLease } from '../jobs/lease.ts';
import type { Logger } from '../log/logger.ts';
import { limiter } from '../sync/limiter.ts';
import { applyParsed } from './apply-parsed.ts';
import type { ParsePool } from './parse-pool.ts';
import type { ParseOutcome } from './parse-worker.ts';

/**
 * Reads the bodies of listed messages off the listing path (issue 12, item 3). The state is the database's
 * (`parse_state = 'pending'` and the raw source in `message_sources`), so nothing is lost to a restart:
 * `resume` takes up whatever is pending. One process at a time reads a mailbox's messages, under the lease
 * `parse:<mailboxId>`; it reads them a batch at a time in the pool's threads, and writes each batch's
 * bodies, attachments and search text in one transaction while the threads read the next.
 */
export interface MessageParser {
  /** Messages of this mailbox were listed: read them soon. */
  wake(mailboxId: string): void;
  /**
   * A folder of this mailbox is being listed: its reading waits, between batches, until the returned
   * function is called. On two cores the parse threads would otherwise take the listing's CPU (a resume
   * every 30 s, the folder listed before this one).
   */
  listing(mailboxId: string): () => void;
  /**
   * While `busy()` is true (new mail waits to be listed), no mailbox starts being read, for up to
   * DEFER_AT_MOST_MS, and then one at a time instead of RUNS_AT_ONCE: listing goes first. Registered by
   * whatever lists new mail (the arrival rounds).
   */
  deferWhile(busy: () => boolean): void;
  /** Resolves once no message of the mailbox waits for its parse (read here or by another process). */
  drain(mailboxId: string, signal?: AbortSignal): Promise<void>;
  /** Wakes every mailbox with pending messages (at start, and now and then for a process that died). */
  resume(): Promise<number>;
  close(): Promise<void>;
}

export interface ParserDeps {
  readonly db: Db;
  readonly log: Logger;
  readonly pool: ParsePool;
}

/** Messages read per round: what the threads share, and what one transaction writes. */
const BATCH = 64;
/**
 * Mailboxes read at once. The threads read one batch at a time each, so more would only wait for them,
 * each holding its parse lease and a database connection at times: a burst of arrivals in 1,000 mailboxes
 * started 1,000 runs whose look-ups and writes queued for the pool beside the arrivals' own.
 */
const RUNS_AT_ONCE = 4;
/** Longest a mailbox's reading waits for listing to catch up; then it goes on, one mailbox at a time. */
const DEFER_AT_MOST_MS = 30_000;
/** How often a deferred reading looks whether listing has caught up. */
const DEFER_POLL_MS = 100;
/** How often `drain` looks again while another process reads the mailbox. */
const POLL_MS = 200;

interface PendingRow {
  id: string;
  created_at: string;
  source: Buffer | null;
  blob_sha256: string | null;
}

export const createMessageParser = (deps: ParserDeps): MessageParser => {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  /** Mailboxes being listed: how many listings, and what resolves when the last one ends. */
  const listings = new Map<string, { count: number; ended: Promise<void>; end: () => void }>();
  let closed = false;
  const busy: (() => boolean)[] = [];
  const isBusy = () => busy.some((b) => b());
  const runs = limiter(() => (isBusy() ? 1 : RUNS_AT_ONCE));
  /**
   * Resolves once nothing waits to be listed, or DEFER_AT_MOST_MS after `since` (when the run was asked
   * for: under a lasting burst the runs queued longest go on, one after another, not one per wait).
   */
  const listingFirst = async (since: number): Promise<void> => {
    while (isBusy() && Date.now() - since < DEFER_AT_MOST_MS && !closed) await sleep(DEFER_POLL_MS);
  };

  /** Resolves once no folder of the mailbox is being listed (at once if none is), or the signal aborts. */
  const notListing = async (mailboxId: string, signal: AbortSignal): Promise<void> => {
    const listing = listings.get(mailboxId);
    if (!listing) return;
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await Promise.race([listing.ended, aborted]);
  };

  const pendingAfter = (mailboxId: string, after: PendingRow | null) => {
    let query = deps.db
      .selectFrom('messages as m')
      .leftJoin('message_sources as s', 's.message_id', 'm.id')
      .select(['m.id', 'm.created_at', 's.source', 's.blob_sha256'])
      .where('m.mailbox_id', '=', mailboxId)
      .where('m.parse_state', '=', 'pending');
    if (after)
      query = query.where((eb) =>
        eb.or([
          eb('m.created_at', '>', after.created_at),
          eb.and([eb('m.created_at', '=', after.created_at), eb('m.id', '>', after.id)]),
        ]),
      );
    return query.orderBy('m.created_at').orderBy('m.id').limit(BATCH).execute();
  };

  /** A batch's outcomes: its messages read by the pool, and those whose raw source is gone. */
  const parseRows = async (rows: readonly PendingRow[]): Promise<ParseOutcome[]> => {
    const missing: ParseOutcome[] = rows
      .filter((r) => r.source === null && r.blob_sha256 === null)
      .map((r) => ({
        messageId: r.id,
        error: 'the raw source of this message is gone',
        errorCode: 'messages.source_missing',
      }));
    const outcomes = await deps.pool.parse(
      rows
        .filter((r) => r.source !== null || r.blob_sha256 !== null)
        .map((r) => ({ messageId: r.id, source: r.source, blobSha256: r.blob_sha256 })),
    );
    return [...outcomes, ...missing];
  };

  const write = async (mailboxId: string, outcomes: readonly ParseOutcome[]): Promise<void> => {
    const applied = await applyParsed(deps.db, mailboxId, outcomes);
    if (applied.failed > 0)
      deps.log.warn(
        { event: 'messages.parse_failed', mailboxId, failed: applied.failed },
        'messages could not be read',
      );
  };

  /**
   * Every pending message of the mailbox, oldest first, in three stages that overlap: while the threads read
   * a batch, the one before is written and the one after is looked up, so the next batch is handed to the
   * threads as soon as they answer. Looked up after the write rather than beside it: on SQLite a write's
   * transaction holds the one connection, and a lookup queued behind it kept the threads waiting for the
   * whole write. The cost: one batch's sources more in memory (64 of at most INLINE_SOURCE_BYTES, 256 KB;
   * ~4 KB each for common mail). While a folder of the mailbox is being listed, the batch read is written
   * and the next waits for the listing's end.
   */
  const readAll = async (mailboxId: string, signal: AbortSignal): Promise<void> => {
    const nextRows = async (after: PendingRow | null): Promise<PendingRow[]> => {
      await notListing(mailboxId, signal);
      signal.throwIfAborted();
      return pendingAfter(mailboxId, after);
    };
    // Each is awaited in turn, or in the catch below; the empty handlers only keep a failure that comes
    // while something else is awaited from counting as unhandled.
    let writing: Promise<void> = Promise.resolve();
    let parsing: Promise<ParseOutcome[]> | null = null;
    try {
      let rows = await nextRows(null);
      while (rows.length > 0) {
        const after = rows.at(-1)!;
        parsing = parseRows(rows);
        parsing.catch(() => undefined);
        await writing;
        const ahead = listings.has(mailboxId) ? null : await pendingAfter(mailboxId, after);
        const outcomes = await parsing;
        parsing = null;
        signal.throwIfAborted();
        writing = write(mailboxId, outcomes);
        writing.catch(() => undefined);
        rows = ahead ?? (await nextRows(after));
      }
      await writing;
    } catch (error) {
      // The loop stopped (aborted, or the database went away): a batch still being read or written is
      // waited for and its own failure logged, since the loop's error is the one thrown. A batch read and
      // not written stays pending, to be read again.
      const [written, read] = await Promise.allSettled([writing, parsing]);
      if (written?.status === 'rejected' && written.reason !== error)
        deps.log.error(
          { err: written.reason, event: 'messages.parse_write_failed', mailboxId },
          'read messages could not be written',
        );
      if (read?.status === 'rejected' && read.reason !== error)
        deps.log.error(
          { err: read.reason, event: 'messages.parse_read_failed', mailboxId },
          'a batch of messages could not be read',
        );
      throw error;
    }
  };

  /** Reads the mailbox's pending messages unless another process does; again if woken meanwhile. */
  const run = (mailboxId: string): Promise<void> => {
    const current = running.get(mailboxId);
    if (current) {
      again.add(mailboxId);
      return current;
    }
    const started = (async () => {
      do {
        const askedAt = Date.now();
        // A wake while this waited for its turn is answered by this run.
        const result = await runs(async () => {
          await listingFirst(askedAt);
          // Listing caught up: the mailboxes queued behind this one may start beside it now.
          runs.poke();
          again.delete(mailboxId);
          return withLease(deps, `parse:${mailboxId}`, {}, (signal) => readAll(mailboxId, signal));
        });
        if (!result.held) return;
      } while (again.has(mailboxId) && !closed);
    })().finally(() => running.delete(mailboxId));
    running.set(mailboxId, started);
    return started;
  };

  const pendingCount = async (mailboxId: string): Promise<number> =>
    Number(
      (
        await deps.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('mailbox_id', '=', mailboxId)
          .where('parse_state', '=', 'pending')
          .executeTakeFirstOrThrow()
      ).n,
    );

  const wake = (mailboxId: string): void => {
    if (closed) return;
    // Listing may have caught up since: runs waiting for their turn start now if they may.
    runs.poke();
    run(mailboxId).catch((error: unknown) =>
      // The messages stay pending and listed ("loading"); the next wake, sync or resume reads them.
      deps.log.error(
        { err: error, event: 'messages.parse_run_failed', mailboxId },
        'reading listed messages failed',
      ),
    );
  };

  return {
    wake,
    deferWhile(condition) {
      busy.push(condition);
    },
    listing(mailboxId) {
      let listing = listings.get(mailboxId);
      if (!listing) {
        const ends: (() => void)[] = [];
        const ended = new Promise<void>((resolve) => ends.push(resolve));
        listing = { count: 0, ended, end: () => ends[0]?.() };
        listings.set(mailboxId, listing);
      }
      const current = listing;
      current.count++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        current.count--;
        if (current.count > 0) return;
        listings.delete(mailboxId);
        current.end();
      };
    },
    async drain(mailboxId, signal) {
      for (;;) {
        signal?.throwIfAborted();
        await run(mailboxId);
        if ((await pendingCount(mailboxId)) === 0) return;
        // Another process holds the mailbox's parse lease: its batches commit as it goes.
        if (await leaseHolder(deps.db, `parse:${mailboxId}`))
          await sleep(POLL_MS, undefined, signal ? { signal } : {});
      }
    },
    async resume() {
      const rows = await deps.db
        .selectFrom('messages')
        .select('mailbox_id')
        .distinct()
        .where('parse_state', '=', 'pending')
        .execute();
      for (const r of rows) wake(r.mailbox_id);
      return rows.length;
    },
    async close() {
      closed = true;
      await deps.pool.close();
      await Promise.allSettled(running.values());
    },
  };
};

/**
 * Takes up pending parses now and every `everyMs`: those left by a restart, or by a process that died
 * holding a mailbox's parse lease (it expires within 30 s). Returns the stop function.
 */
export const startParseResume = (
  deps: { readonly parser: MessageParser; readonly log: Logger },
  everyMs = 30_000,
): (() => void) => {
  const resume = () =>
    void deps.parser
      .resume()
      .catch((error: unknown) =>
        deps.log.error(
          { err: error, event: 'messages.parse_resume_failed' },
          'pending parses could not be looked up',
        ),
      );
  resume();
  const timer = setInterval(resume, everyMs);
  timer.unref();
  return () => clearInterval(timer);
};
