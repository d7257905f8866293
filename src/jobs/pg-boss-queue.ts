import PgBoss from 'pg-boss';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { JOB_ATTEMPTS, type JobData, type JobName, type JobQueue, recordJobFailure } from './queue.ts';

/**
 * `short`: at most one waiting job per singleton key, any number running. Not `stately` (one running per
 * key too): a job left active by a process that died would block its key until pg-boss expires it (15
 * minutes), where the sync lease (`sync:<id>`, seconds) already keeps one sync per mailbox at a time.
 */
const QUEUE_OPTIONS = {
  policy: 'short',
  retryLimit: JOB_ATTEMPTS - 1,
  retryDelay: 2,
  retryBackoff: true,
  expireInSeconds: 900,
} as const;

export interface PgBossQueueOptions {
  /** How often each worker looks for jobs other processes sent, in seconds (pg-boss' minimum 0.5). */
  readonly pollSeconds?: number;
}

/** One `boss.work()` loop of this process: its id, and whether it is running a job now. */
interface LocalWorker {
  id: string;
  busy: boolean;
}

/**
 * The PostgreSQL driver: pg-boss (v10, the last for Node 20) keeps jobs in the database, so any worker on
 * any machine can take them, and records a failed job's error. Started on first use: a web process that
 * never enqueues opens nothing. A job sent by a process that also works its queue is taken at once: the
 * sender wakes one of its own workers (pg-boss' `notifyWorker`, an idle one first) instead of leaving the
 * job to the next poll; jobs from other processes are found by the poll.
 */
export const createPgBossQueue = (
  connectionString: string,
  deps: { readonly db: Db; readonly log: Logger },
  options: PgBossQueueOptions = {},
): JobQueue => {
  const boss = new PgBoss({ connectionString, max: 4 });
  boss.on('error', (error: Error) =>
    deps.log.error({ event: 'jobs.pg_boss_error', err: error }, 'the job queue met an error'),
  );
  let started: Promise<unknown> | null = null;
  let stopping: Promise<void> | null = null;
  const start = () => {
    started ??= boss.start();
    return started;
  };
  const created = new Set<string>();
  const local = new Map<JobName, LocalWorker[]>();
  let turn = 0;
  const wake = (name: JobName) => {
    const workers = local.get(name) ?? [];
    const worker = workers.find((w) => !w.busy && w.id) ?? workers[turn++ % Math.max(1, workers.length)];
    // A busy worker that is woken looks again as soon as its job is done, without its pause.
    if (worker?.id && !stopping) boss.notifyWorker(worker.id);
  };
  // Workers starting together may race to create the queue (PostgreSQL answers one of them with a
  // deadlock): whoever loses finds the queue made by the other.
  const ensureQueue = async (name: JobName) => {
    await start();
    for (let attempt = 1; !created.has(name); attempt++) {
      try {
        const queue = await boss.getQueue(name);
        if (!queue) await boss.createQueue(name, { name, ...QUEUE_OPTIONS });
        else if (queue.policy !== QUEUE_OPTIONS.policy)
          await boss.updateQueue(name, { name, ...QUEUE_OPTIONS });
        created.add(name);
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  };
  return {
    driver: 'pg-boss',
    async send(name, data, sendOptions = {}) {
      await ensureQueue(name);
      await boss.send(name, data as object, {
        ...(sendOptions.singletonKey ? { singletonKey: sendOptions.singletonKey } : {}),
        ...(sendOptions.startAfter ? { startAfter: sendOptions.startAfter } : {}),
      });
      const wait = sendOptions.startAfter ? sendOptions.startAfter.getTime() - Date.now() : 0;
      if (wait > 0) setTimeout(() => wake(name), wait + 10).unref();
      else wake(name);
    },
    async work(name, handler, workOptions = {}) {
      await ensureQueue(name);
      const workers = local.get(name) ?? [];
      local.set(name, workers);
      // pg-boss 10 runs one batch at a time per work() call: one call per unit of concurrency.
      for (let i = 0; i < (workOptions.concurrency ?? 2); i++) {
        const worker: LocalWorker = { id: '', busy: false };
        workers.push(worker);
        worker.id = await boss.work<JobData>(
          name,
          { batchSize: 1, pollingIntervalSeconds: options.pollSeconds ?? 0.5 },
          async (jobs) => {
            worker.busy = true;
            try {
              for (const job of jobs) {
                try {
                  await handler(job.data);
                } catch (error) {
                  // pg-boss records the error on the job and retries it; it is also logged and counted.
                  await recordJobFailure(deps, name, job.data, error);
                  throw error;
                }
              }
            } finally {
              worker.busy = false;
            }
          },
        );
      }
    },
    stop() {
      stopping ??= (async () => {
        if (!started) return;
        await started;
        // stop() resolves before pg-boss has closed its pool; 'stopped' says it has (else a database
        // dropped right after sees a live connection terminated).
        const stopped = new Promise<void>((resolve) => {
          boss.once('stopped', () => resolve());
          setTimeout(resolve, 12_000).unref();
        });
        await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
        await stopped;
      })();
      return stopping;
    },
  };
};
