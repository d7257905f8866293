import { setTimeout as sleep } from 'node:timers/promises';
import { createLeaseGroup, type GroupLease, LeaseError } from '../jobs/lease.ts';
import { MailboxTokenError } from '../mailboxes/access-token.ts';
import { onMailboxConnected } from '../mailboxes/connected-signal.ts';
import { classifyTransportFailure } from '../mailboxes/mail-failure.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import { findMailbox, setMailboxState } from '../mailboxes/repository.ts';
import { retryLater } from '../mailboxes/token-failure.ts';
import { MailTransportError } from '../transports/transport-error.ts';
import { transportFor } from '../transports/transport-for.ts';
import type { WatchHandlers } from '../transports/types.ts';
import { openingLimiter } from '../watch/opening.ts';
import { startUnwatchedPoller } from '../watch/poll-unwatched.ts';
import { shareKeeper } from '../watch/share.ts';
import {
  liveWatchers,
  mailboxOfWatchLease,
  WATCHER_PRESENCE_PREFIX,
  watchableMailboxes,
  watchLeaseName,
} from '../watch/watchable.ts';
import type { SyncDeps } from './sync-mailbox.ts';

/** Failures of a session that was up: one is a dropped connection, reopened at once without a record. */
const TRANSIENT = new Set([
  'imap.closed',
  'imap.timeout',
  'imap.unavailable',
  'imap.unreachable',
  'graph.unreachable',
  'graph.timeout',
  'graph.unavailable',
]);
/** The longest a server's suggested wait (throttling) holds the watcher back. */
const MAX_BACKOFF_MS = 5 * 60_000;
/** A pause of `ms` give or take a fifth, so sessions that failed together do not retry together. */
const jitter = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));

export interface IdleWatcherOptions {
  /** IDLE sessions this process may hold (MAILROOM_IDLE_CONNECTIONS): a per-process cap. */
  readonly max: number;
  /** Lifetime of a watch lease without renewal (MAILROOM_WATCH_LEASE_SECONDS); default 15 s. */
  readonly leaseMs?: number;
  /** How often free watch leases are looked for; default a tenth of the lease, at most 2 s. */
  readonly rescanMs?: number;
  /**
   * The longest a connected mailbox no process watches waits for a check (a sync through the queue), in
   * seconds (MAILROOM_POLL_SECONDS); 0: no polling beyond the sweep.
   */
  readonly pollSeconds?: number;
  /**
   * How often the Inbox of a mailbox read through Microsoft Graph is looked at (its delta), in seconds
   * (MAILROOM_GRAPH_WATCH_SECONDS); default 30.
   */
  readonly graphWatchSeconds?: number;
  /** How an unwatched mailbox is checked (a full sync); default `onNewMail`. */
  readonly onPoll?: (mailboxId: string) => void;
  /**
   * New mail listed on the watching session itself (arrival-round.ts), given the mailbox as read when
   * its session opens; without it every arrival goes to `onNewMail`.
   */
  readonly arrivals?: (mailbox: Mailbox) => NonNullable<WatchHandlers['onArrival']>;
}

const watchable = (mailbox: Mailbox | undefined): mailbox is Mailbox =>
  !!mailbox?.connected && mailbox.enabled && (mailbox.state === 'connected' || mailbox.state === 'retrying');

/**
 * Near real time across the installation: one IDLE session on the Inbox of each connected mailbox, held by
 * exactly one process. A process watches a mailbox while it holds the lease `watch:<mailboxId>`; all of its
 * watch leases are renewed together in one statement per heartbeat, and a lease it loses (taken over after
 * a stall, or a renewal the database refused) closes the session it guards at once. A rescan (every 2 s,
 * and when another watcher's presence runs out) claims free leases up to the process' cap (`max`), spread
 * over the live watchers: at first no more than an even share, then whatever the others left; a process
 * over its share while another is short gives some up, a few at a time (`watch/share.ts`). A stopping
 * process leaves the live watchers, then closes its sessions and releases each lease as its session
 * closes, so the others take its mailboxes at their next rescans; one that dies loses them when they
 * expire. What reached a taken mailbox's Inbox in between is listed on its new session as it opens.
 *
 * The session is renewed before its token expires (a refresh once per token lifetime: the token is only
 * refreshed when it is close to expiry), and reopened with a growing pause after a failure, which is
 * logged and stored on the mailbox by who must act. Mailboxes left unwatched for lack of capacity are
 * polled in turn (`poll-unwatched.ts`).
 */
export const startIdleWatchers = (
  deps: SyncDeps,
  onNewMail: (mailboxId: string) => void,
  options: IdleWatcherOptions,
) => {
  const leaseMs = options.leaseMs ?? 15_000;
  const rescanMs = options.rescanMs ?? Math.min(2_000, Math.max(100, Math.floor(leaseMs / 10)));
  const group = createLeaseGroup(deps, { ttlMs: leaseMs, label: 'watch leases' });
  const presence = `${WATCHER_PRESENCE_PREFIX}${group.owner}`;
  const watching = new Map<string, { stop: AbortController; done: Promise<void> }>();
  let stopped = false;
  const stopAll = new AbortController();
  const pause = (ms: number, signal: AbortSignal) =>
    sleep(jitter(ms), undefined, { signal }).catch((error: unknown) => {
      // Cut short by the watch's stop: the loop looks at its signal next.
      if ((error as Error).name !== 'AbortError') throw error;
    });
  const opening = openingLimiter();
  const graphEveryMs = Math.round((options.graphWatchSeconds ?? 30) * 1000);

  /** Logs a failure with its stack and cause and records it on the mailbox, where a person sees it. */
  const recordFailure = async (mailbox: Mailbox, error: unknown, failures: number): Promise<void> => {
    const base = { event: 'watch.failed', mailboxId: mailbox.id, failures, err: error };
    if (error instanceof MailboxTokenError) {
      // The token code has stored what failed (or the mailbox already waits on Microsoft / a person).
      deps.log.warn({ ...base, errorCode: error.code }, 'the watcher could not get a token');
      return;
    }
    if (error instanceof MailTransportError) {
      if (failures <= 1 && TRANSIENT.has(error.code)) {
        deps.log.warn({ ...base, errorCode: error.code }, 'the watch session dropped; reopening it');
        return;
      }
      const change = classifyTransportFailure(error, mailbox);
      deps.log.error({ ...base, errorCode: error.code, state: change.state }, 'the watcher failed');
      await setMailboxState(deps.db, mailbox.id, change);
      return;
    }
    deps.log.error({ ...base, errorCode: 'watch.failed' }, 'the watcher failed');
    await setMailboxState(
      deps.db,
      mailbox.id,
      retryLater(
        'watch.failed',
        `Watching the Inbox for new mail failed (${(error as Error)?.message ?? String(error)}); Mailroom will try again.`,
        null,
      ),
    );
  };

  const watch = async (mailboxId: string, lease: GroupLease, stop: AbortController): Promise<void> => {
    const signal = AbortSignal.any([lease.signal, stop.signal, stopAll.signal]);
    let failures = 0;
    while (!signal.aborted) {
      let mailbox: Mailbox | undefined;
      try {
        mailbox = await findMailbox(deps.db, mailboxId);
      } catch (error) {
        failures++;
        deps.log.error(
          { event: 'watch.lookup_failed', mailboxId, failures, err: error },
          'the watcher could not read its mailbox',
        );
        await pause(Math.min(60_000, 500 * 2 ** Math.min(failures, 7)), signal);
        continue;
      }
      if (!watchable(mailbox)) break;
      let backoff = 0;
      try {
        const handlers: WatchHandlers = {
          onOpened: () => (failures = 0),
          onNewMail: () => onNewMail(mailboxId),
          ...(options.arrivals ? { onArrival: options.arrivals(mailbox) } : {}),
        };
        if (!(await transportFor(deps, mailbox).watch(handlers, { signal, opening, everyMs: graphEveryMs })))
          break;
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        if (error instanceof MailTransportError && error.retryAfterMs)
          backoff = Math.min(error.retryAfterMs, MAX_BACKOFF_MS);
        await recordFailure(mailbox, error, failures).catch((recordError: unknown) =>
          deps.log.error(
            { event: 'watch.record_failed', mailboxId, err: recordError },
            'the watcher’s failure could not be stored on the mailbox',
          ),
        );
      }
      if (!signal.aborted && failures > 0)
        await pause(Math.max(backoff, Math.min(60_000, 500 * 2 ** Math.min(failures - 1, 7))), signal);
    }
    const reason: unknown = lease.signal.reason;
    if (lease.signal.aborted && reason instanceof LeaseError && reason.code !== 'lease.lost')
      deps.log.info({ event: 'watch.lease_lost', mailboxId, errorCode: reason.code }, 'stopped watching');
  };

  const start = (lease: GroupLease) => {
    const mailboxId = mailboxOfWatchLease(lease.name);
    const stop = new AbortController();
    const done = watch(mailboxId, lease, stop).finally(async () => {
      watching.delete(mailboxId);
      // The session is closed: only now may another process open one (stopping too: one by one, so the
      // others start taking this process' mailboxes while its last sessions close).
      await group
        .release(lease.name)
        .catch((error: unknown) =>
          deps.log.error(
            { event: 'watch.release_failed', mailboxId, err: error },
            'a watch lease could not be released; it expires by itself',
          ),
        );
    });
    watching.set(mailboxId, { stop, done });
  };

  const share = shareKeeper(deps, rescanMs);
  /** When to look again: at the next rescan, or as soon as a watcher that stopped renewing is gone. */
  let nextRescanMs = rescanMs;
  const rescanOnce = async (): Promise<void> => {
    let rows: Awaited<ReturnType<typeof watchableMailboxes>>;
    let workers: Awaited<ReturnType<typeof liveWatchers>>;
    try {
      if (!group.held().includes(presence)) await group.claim([presence]);
      rows = await watchableMailboxes(deps.db);
      workers = await liveWatchers(deps.db);
    } catch (error) {
      // The database is away: the mailboxes watched stay watched (their leases decide), none is added.
      deps.log.error(
        { event: 'watch.rescan_failed', watching: watching.size, err: error },
        'the watchers’ rescan failed; keeping the mailboxes watched now',
      );
      return;
    }
    if (stopped) return;
    // Others renew their presence a third of a lease ahead; the first to run out before that has died.
    const soonest = workers.nextExpiry ? workers.nextExpiry.getTime() - Date.now() + 50 : rescanMs;
    nextRescanMs = Math.max(50, Math.min(rescanMs, soonest));
    const ids = new Set(rows.map((r) => r.id));
    for (const [id, w] of watching) if (!ids.has(id)) w.stop.abort();
    const plan = share.plan({ rows, workers: Math.max(1, workers.count), watching, max: options.max });
    // Given up for another worker: the session closes, then the lease is released (`start`).
    for (const id of plan.release) watching.get(id)?.stop.abort();
    if (plan.claim.length > 0) await claim(plan.claim);
  };
  const claim = async (ids: readonly string[]): Promise<void> => {
    try {
      for (const lease of await group.claim(ids.map(watchLeaseName))) start(lease);
    } catch (error) {
      deps.log.error({ event: 'watch.claim_failed', err: error }, 'watch leases could not be claimed');
    }
  };

  const rescanning = (async () => {
    while (!stopped) {
      await rescanOnce();
      await pause(nextRescanMs, stopAll.signal);
    }
  })();
  // A mailbox connected in this process is watched (and so synced) at once, not at the next rescan.
  const unsubscribe = onMailboxConnected((id) => {
    if (!stopped && !watching.has(id) && watching.size < options.max) void claim([id]);
  });
  const poller =
    options.pollSeconds && options.pollSeconds > 0
      ? startUnwatchedPoller(deps, options.onPoll ?? onNewMail, { pollSeconds: options.pollSeconds })
      : null;

  return {
    owner: group.owner,
    watching: () => [...watching.keys()],
    /** Looks for free watch leases now, and gives some up over its share (what the rescan does). */
    rescanNow: rescanOnce,
    /** Renews every watch lease now (what the heartbeat does). */
    renewNow: () => group.renewNow(),
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      poller?.stop();
      // Gone from the live watchers first: the others' next rescan counts one fewer and takes all it frees.
      await group
        .release(presence)
        .catch((error: unknown) =>
          deps.log.warn(
            { event: 'watch.presence_left', err: error },
            'the watcher’s presence lease could not be released; it expires by itself',
          ),
        );
      stopAll.abort();
      await rescanning;
      // Each lease is released as its session closes (`start`): never two watchers of one mailbox.
      await Promise.all([...watching.values()].map((w) => w.done));
      await group
        .close()
        .catch((error: unknown) =>
          deps.log.error(
            { event: 'watch.release_failed', err: error },
            'watch leases could not be released; they expire by themselves',
          ),
        );
      await deps.db
        .deleteFrom('leases')
        .where('name', '=', presence)
        .execute()
        .catch((error: unknown) =>
          deps.log.warn(
            { event: 'watch.presence_left', err: error },
            'the watcher’s presence lease could not be deleted; it expires by itself',
          ),
        );
    },
  };
};
