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

/**
 * The PostgreSQL driver: pg-boss (v10, the last for Node 20) keeps jobs in the database, so any worker on
 * any machine can take them, and records a failed job's error. Started on first use: a web process that never enqueues opens nothing.
 */
export const createPgBossQueue = (
  connectionString: string,
  deps: { readonly db: Db; readonly log: Logger },
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
    async send(name, data, options = {}) {
      await ensureQueue(name);
      await boss.send(name, data as object, {
        ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
        ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      });
    },
    async work(name, handler, options = {}) {
      await ensureQueue(name);
      // pg-boss 10 runs one batch at a time per work() call: one call per unit of concurrency.
      for (let i = 0; i < (options.concurrency ?? 2); i++) {
        await boss.work<JobData>(name, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          for (const job of jobs) {
            try {
              await handler(job.data);
            } catch (error) {
              // pg-boss records the error on the job and retries it; it is also logged and counted.
              await recordJobFailure(deps, name, job.data, error);
              throw error;
            }
          }
        });
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
