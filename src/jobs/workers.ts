import type { Config } from '../config.ts';
import type { AppDeps } from '../http/context.ts';
import { startParseResume } from '../messages/parse-queue.ts';
import { startOutbox } from '../send/outbox.ts';
import { startIdleWatchers } from '../sync/idle-watcher.ts';
import { runMailboxSync } from '../sync/run-sync.ts';
import { startBlobSweeper } from './blob-sweeper.ts';
import { createInProcessQueue } from './in-process-queue.ts';
import { claimRound } from './lease.ts';
import { createPgBossQueue } from './pg-boss-queue.ts';
import { startPurger } from './purge.ts';
import type { JobQueue } from './queue.ts';
import { startScheduler, sweep } from './scheduler.ts';

export interface RunningWorkers {
  readonly queue: JobQueue;
  /** Sends every due mailbox now, if no worker swept this interval (what the scheduler does every interval). */
  sweepNow(): Promise<number>;
  /** Tries every message whose retry is due now (what the outbox does every couple of seconds). */
  sendDueNow(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Sync workers: the job queue (pg-boss on PostgreSQL, in-process on SQLite), the scheduler that sweeps
 * every folder at the configured interval, and IDLE on each connected mailbox's Inbox, which enqueues a
 * sync as soon as mail arrives. Also the periodic housekeeping: blobs, expired sessions and rate-limit events.
 */
export const startWorkers = async (
  deps: AppDeps,
  config: Config,
  options: { sweepAtStart?: boolean } = {},
): Promise<RunningWorkers> => {
  const queue =
    config.database.kind === 'postgres'
      ? await createPgBossQueue(config.database.url)
      : createInProcessQueue();
  await queue.work('sync-mailbox', async ({ mailboxId }) => void (await runMailboxSync(deps, mailboxId)), {
    concurrency: config.sync.concurrency,
  });
  const onError = (error: unknown) =>
    deps.log.error({ event: 'sync.sweep_failed', err: (error as Error).message }, 'sync sweep failed');
  const stopScheduler = startScheduler(deps.db, queue, config.sync.intervalSeconds * 1000, onError, options);
  const idle =
    config.sync.idleConnections > 0
      ? startIdleWatchers(
          deps,
          (mailboxId) =>
            void queue.send('sync-mailbox', { mailboxId }, { singletonKey: mailboxId }).catch(onError),
          { max: config.sync.idleConnections },
        )
      : null;
  // Retries are due at seconds' notice (MAILROOM_SEND_RETRY_SECONDS): the outbox looks often, cheaply.
  const outbox = startOutbox(deps, {
    intervalMs: Math.min(2000, config.send.retrySeconds * 1000),
    concurrency: config.sync.concurrency,
  });
  const stopBlobSweeper = startBlobSweeper(deps);
  const stopPurger = startPurger(deps);
  const stopParseResume = startParseResume(deps);
  deps.log.info(
    { event: 'workers.started', driver: queue.driver, concurrency: config.sync.concurrency },
    'sync workers started',
  );
  return {
    queue,
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
    async stop() {
      stopScheduler();
      stopBlobSweeper();
      stopPurger();
      stopParseResume();
      await outbox.stop();
      await idle?.stop();
      await queue.stop();
    },
  };
};
