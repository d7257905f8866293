import { setTimeout as sleep } from 'node:timers/promises';
import { claimLease } from '../jobs/lease.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import { setMailboxState } from '../mailboxes/repository.ts';
import { createListingGroup } from '../messages/listing-group.ts';
import type { ArrivalRound } from '../transports/types.ts';
import { logTiming, mark, startTiming } from './arrival-timing.ts';
import { limiter } from './limiter.ts';
import type { SyncDeps } from './sync-mailbox.ts';

/** Longest a round on a watching session may run; past it the session is closed and a job goes on. */
export const ROUND_TIMEOUT_MS = 60_000;
/** After a round was cut, how long its closed session may take to give up before its slot is free. */
const SETTLE_MS = 5_000;

export interface ArrivalRoundsOptions {
  /** Rounds at once in this process (MAILROOM_ARRIVAL_ROUNDS). */
  readonly concurrency: number;
  /** Lifetime of the `sync:<mailbox>` lease without renewal (MAILROOM_LEASE_SECONDS). */
  readonly leaseMs: number;
  readonly timeoutMs?: number;
  /** The mail goes through the job queue instead: the lease is held elsewhere, or the round was cut. */
  readonly fallback: (mailboxId: string, seenAt: number) => void;
}

/**
 * New mail listed on the session that watches the Inbox (no TLS, sign-in and SELECT of a session of its
 * own): each round holds the `sync:<mailbox>` lease, so it never runs beside a full sync of the mailbox,
 * and runs in one of `concurrency` slots. A round can never hold its slot for long: when its lease is lost
 * or it runs past `timeoutMs`, the watching session is closed at once (an in-flight FETCH ends; the watch
 * reopens), the slot is freed within SETTLE_MS whatever the session does, and a `sync-arrival` job lists
 * the rest from the folder's cursor. A lease held elsewhere sends the round to that job too, which waits
 * for the lease.
 */
export const createArrivalRounds = (deps: SyncDeps, options: ArrivalRoundsOptions) => {
  const slots = limiter(options.concurrency);
  // Bodies wait while new mail waits for a slot: a burst of arrivals is listed before it is read.
  deps.parser.deferWhile(() => slots.waiting() > 0);
  const timeoutMs = options.timeoutMs ?? ROUND_TIMEOUT_MS;
  const store = { ...deps, listingGroup: createListingGroup(deps.db, deps.log) };

  /** The rounds of one watch session of `mailbox` (as read when the session opened). */
  return (mailbox: Mailbox) => {
    let stateChecked = mailbox.state === 'connected';
    return ({ session, seenAt, changed, listArrivals, close }: ArrivalRound): Promise<void> => {
      const timing = startTiming('watch', seenAt);
      mark(timing, 'selected');
      return slots(async () => {
        mark(timing, 'slot');
        const lease = await claimLease(deps, `sync:${mailbox.id}`, { ttlMs: options.leaseMs });
        if (!lease) {
          options.fallback(mailbox.id, seenAt);
          logTiming(deps.log, mailbox.id, timing, 'busy');
          return;
        }
        mark(timing, 'leased');
        const signal = AbortSignal.any([lease.signal, AbortSignal.timeout(timeoutMs)]);
        signal.addEventListener('abort', close, { once: true });
        // New mail alone unless the server told of changed flags or expunges (the periodic sync reads
        // those too): a round then costs a SEARCH, a FETCH and one transaction.
        const work = changed
          ? session.syncFolder(deps, 'INBOX', { signal })
          : listArrivals(store, { signal });
        try {
          const listed = await Promise.race([work, aborted(signal)]);
          if (listed === null) {
            // The Inbox's cursor is not current (no sync yet, another UIDVALIDITY): the whole folder's
            // sync, which a job runs on a session of its own once this lease is given up.
            options.fallback(mailbox.id, seenAt);
            logTiming(deps.log, mailbox.id, timing, 'whole');
            return;
          }
          mark(timing, 'synced');
          logTiming(deps.log, mailbox.id, timing, changed ? 'synced' : 'listed');
        } catch (error) {
          options.fallback(mailbox.id, seenAt);
          logTiming(deps.log, mailbox.id, timing, signal.aborted ? 'cut' : 'failed');
          // A failure of the session: the watcher records it and reopens the session.
          if (!signal.aborted) throw error;
          // What the closed session throws now is expected (logged beside the cut); it is awaited (briefly)
          // so that its last writes are done before the lease goes.
          const settled = await Promise.race([
            work.then(
              () => null,
              (closed: unknown) =>
                closed instanceof Error ? `${closed.name}: ${closed.message}` : String(closed),
            ),
            sleep(SETTLE_MS).then(() => null),
          ]);
          deps.log.warn(
            { event: 'arrival.cut', mailboxId: mailbox.id, err: signal.reason, sessionError: settled },
            'a round on the watching session was cut short; a job lists the rest',
          );
          return;
        } finally {
          signal.removeEventListener('abort', close);
          await lease.release();
        }
        if (!stateChecked) {
          // The round worked: a mailbox the watcher reopened after a failure is connected again.
          await setMailboxState(deps.db, mailbox.id, { state: 'connected', code: null, message: null });
          stateChecked = true;
        }
      });
    };
  };
};

/** Rejects with the signal's reason once it aborts (never settles otherwise). */
const aborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
