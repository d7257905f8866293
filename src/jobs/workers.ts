import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import type { AppDeps } from '../http/context.ts';
import { startParseResume } from '../messages/parse-queue.ts';
import { startOutbox } from '../send/outbox.ts';
import { createArrivalRounds } from '../sync/arrival-round.ts';
import { logTiming, mark, startTiming } from '../sync/arrival-timing.ts';
import { startIdleWatchers } from '../sync/idle-watcher.ts';
import { runMailboxSync } from '../sync/run-sync.ts';
import { registerWebhookJob, startWebhookPump } from '../webhooks/pump.ts';
import { startBlobSweeper } from './blob-sweeper.ts';
import { startCredentialExpiryCheck } from './credential-expiry.ts';
import { claimRound } from './lease.ts';
import { startPurger } from './purge.ts';
import { countFailure, type JobData, type JobQueue } from './queue.ts';
import { startScheduler, sweep } from './scheduler.ts';

/** How soon a sync job that found its mailbox's lease taken looks again. */
const BUSY_RETRY_MS = 1000;
/** An Inbox round waiting for the one before it (mail still arriving) looks again sooner. */
const ARRIVAL_BUSY_RETRY_MS = 200;

export interface RunningWorkers {
  readonly queue: JobQueue;
  /** The IDLE watchers (null with MAILROOM_IDLE_CONNECTIONS=0). */
  readonly watchers: ReturnType<typeof startIdleWatchers> | null;
  /** Sends every due mailbox now, if no worker swept this interval (what the scheduler does every interval). */
  sweepNow(): Promise<number>;
  /** Enqueues every message whose retry is due now (what the outbox does every couple of seconds). */
  sendDueNow(): Promise<void>;
  /** Fans new events out to webhook endpoints and enqueues the due deliveries (what happens 5 times a second). */
  webhooksNow(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Sync workers: they run the jobs of the queue (pg-boss on PostgreSQL, the `jobs` table on SQLite), the scheduler that sweeps
 * every folder at the configured interval, and IDLE on each connected mailbox's Inbox, which enqueues a
 * sync as soon as mail arrives. Also the periodic housekeeping: blobs, expired sessions and rate-limit events.
 */
export const startWorkers = async (
  deps: AppDeps,
  config: Config,
  options: {
    sweepAtStart?: boolean;
    /** The clock webhook retries are scheduled on (tests drive it); the system clock by default. */
    clock?: () => Date;
  } = {},
): Promise<RunningWorkers> => {
  const { queue } = deps;
  const syncJob =
    (name: 'sync-mailbox' | 'sync-arrival', retryMs: number, only?: readonly string[]) =>
    async (data: JobData) => {
      const { mailboxId } = data;
      const timing = data.seenAt === undefined ? undefined : startTiming('job', data.seenAt);
      mark(timing, 'picked');
      const outcome = await runMailboxSync(deps, mailboxId, {
        leaseMs: config.sync.leaseMs,
        ...(only ? { only } : {}),
        ...(timing ? { timing } : {}),
      });
      logTiming(deps.log, mailboxId, timing, outcome.kind);
      // Held elsewhere (or by a process that died): the job waits for the lease instead of being dropped,
      // looking again every second, so Sync now still happens once a live holder is done, and within a
      // lease lifetime when the holder died.
      if (outcome.kind === 'busy' || outcome.kind === 'lost') {
        const soon = Date.now() + retryMs;
        const until = outcome.kind === 'busy' && outcome.until ? outcome.until.getTime() + 50 : soon;
        await queue.send(name, data, {
          singletonKey: mailboxId,
          startAfter: new Date(Math.min(soon, until)),
        });
      }
    };
  await queue.work('sync-mailbox', syncJob('sync-mailbox', BUSY_RETRY_MS), {
    concurrency: config.sync.concurrency,
  });
  // The Inbox alone when its watcher saw new mail: apart from the full syncs, so a thousand mailboxes'
  // arrivals are not queued behind two sweeps.
  await queue.work('sync-arrival', syncJob('sync-arrival', ARRIVAL_BUSY_RETRY_MS, ['INBOX']), {
    concurrency: config.sync.arrivalConcurrency,
  });
  await resumeInterrupted(deps);
  const onError = (error: unknown) => {
    deps.log.error({ event: 'sync.sweep_failed', err: error }, 'sync sweep failed');
    void countFailure(deps, 'sync-sweep', error);
  };
  const stopScheduler = startScheduler(deps.db, queue, config.sync.intervalSeconds * 1000, onError, options);
  const arrival = (mailboxId: string, seenAt = Date.now()) =>
    void queue.send('sync-arrival', { mailboxId, seenAt }, { singletonKey: mailboxId }).catch(onError);
  const idle =
    config.sync.idleConnections > 0
      ? startIdleWatchers(deps, arrival, {
          // New mail listed on the watching session; a job when the round cannot run there.
          ...(config.sync.arrivalSync === 'watch'
            ? {
                arrivals: createArrivalRounds(deps, {
                  concurrency: config.sync.arrivalRounds,
                  leaseMs: config.sync.leaseMs,
                  fallback: arrival,
                }),
              }
            : {}),
          // An unwatched mailbox is checked whole: every selected folder, its round counted.
          onPoll: (mailboxId) =>
            void queue.send('sync-mailbox', { mailboxId }, { singletonKey: mailboxId }).catch(onError),
          max: config.sync.idleConnections,
          leaseMs: config.sync.watchLeaseSeconds * 1000,
          pollSeconds: config.sync.pollSeconds,
          graphWatchSeconds: config.sync.graphWatchSeconds,
        })
      : null;
  // Retries are due at seconds' notice (MAILROOM_SEND_RETRY_SECONDS): the outbox looks often, cheaply.
  const outbox = startOutbox(deps, {
    intervalMs: Math.min(2000, config.send.retrySeconds * 1000),
    concurrency: config.sync.concurrency,
  });
  const stopBlobSweeper = startBlobSweeper(deps);
  const stopPurger = startPurger(deps);
  const stopParseResume = startParseResume(deps);
  const stopExpiryCheck = startCredentialExpiryCheck(deps);
  const webhookDeps = {
    ...deps,
    now: options.clock ?? (() => new Date()),
    webhookCa: config.webhooks.caFile ? readFileSync(config.webhooks.caFile, 'utf8') : null,
  };
  await registerWebhookJob(webhookDeps, queue);
  const webhooks = startWebhookPump(webhookDeps, queue);
  deps.log.info(
    { event: 'workers.started', driver: queue.driver, concurrency: config.sync.concurrency },
    'sync workers started',
  );
  return {
    queue,
    watchers: idle,
    sweepNow: async () =>
      (await claimRound(
        deps.db,
        'sweep',
        `now-${process.pid}-${Math.random()}`,
        config.sync.intervalSeconds * 1000,
      ))
        ? sweep(deps.db, queue)
        : 0,
    sendDueNow: () => outbox.runNow(),
    webhooksNow: () => webhooks.runNow(),
    async stop() {
      // The watchers first: their mailboxes go to the other workers while the rest winds down.
      const watchersStopped = idle?.stop();
      webhooks.stop();
      stopScheduler();
      stopBlobSweeper();
      stopPurger();
      stopParseResume();
      stopExpiryCheck();
      await outbox.stop();
      await watchersStopped;
      await queue.stop();
    },
  };
};

/**
 * Enqueues a sync of every mailbox a sync was cut off in (a folder still `syncing`: its process died or
 * stopped). Each job waits for the dead process's lease to run out, then resumes from the folder's cursor,
 * without waiting for the next sweep.
 */
const resumeInterrupted = async (deps: AppDeps): Promise<void> => {
  const rows = await deps.db
    .selectFrom('folder_sync_state')
    .select('mailbox_id')
    .distinct()
    .where('status', '=', 'syncing')
    .execute();
  for (const { mailbox_id: mailboxId } of rows)
    await deps.queue.send('sync-mailbox', { mailboxId }, { singletonKey: mailboxId });
};
