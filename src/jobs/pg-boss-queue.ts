import PgBoss from 'pg-boss';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { openPgJobBell } from './pg-job-bell.ts';
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
  /** How often a queue's idle workers look for jobs other processes sent, in seconds (pg-boss' minimum 0.5). */
  readonly pollSeconds?: number;
  /** Whether sends ring the other processes' workers and this one's listen (pg-job-bell.ts); default true. */
  readonly bell?: boolean;
}

/**
 * How often each worker looks on its own (pg-boss' loop), a backstop: the looks that find jobs are the
 * queue's (one idle worker every `pollSeconds`), the sender's wake-up and a worker's own after a job.
 */
const OWN_POLL_SECONDS = 30;

/** One `boss.work()` loop of this process: its id, and whether it is running a job now. */
interface LocalWorker {
  id: string;
  busy: boolean;
}

/** The workers of one queue in this process, and its poll: one idle worker woken every `pollSeconds`. */
interface LocalQueue {
  readonly workers: LocalWorker[];
  timer: NodeJS.Timeout | null;
  turn: number;
}

/**
 * The PostgreSQL driver: pg-boss (v10, the last for Node 20) keeps jobs in the database, so any worker on
 * any machine can take them, and records a failed job's error. Started on first use: a web process that
 * never enqueues opens nothing. A job sent by a process that also works its queue is taken at once: the
 * sender wakes one of its own workers (pg-boss' `notifyWorker`, an idle one first) instead of leaving the
 * job to the next poll. When none of its own is idle, it rings the job bell (pg-job-bell.ts): the other
 * processes that work the queue wake an idle worker at once (a web-only `mailroom serve` pressing Sync now, a
 * `mailroom worker` taking it). The queue's poll is the backstop: every `pollSeconds` one
 * idle worker looks, not each of them (a queue with 16 workers polling every 0.5 s each was 32 queries a
 * second in an idle process). A worker that took a job wakes an idle one (more may be waiting), and looks
 * again itself as soon as its job is done, so a queue with work keeps every worker busy.
 */
export const createPgBossQueue = (
  connectionString: string,
  deps: { readonly db: Db; readonly log: Logger },
  options: PgBossQueueOptions = {},
): JobQueue => {
  const pollSeconds = options.pollSeconds ?? 0.5;
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
  const local = new Map<JobName, LocalQueue>();
  const bell = options.bell === false ? null : openPgJobBell(connectionString, deps);
  /** Listening for the other processes' rings, from this process's first work(). */
  let listening: Promise<() => Promise<void>> | null = null;
  /** Wakes an idle worker of `name` (not `except`), in turn; false when none is idle. */
  const wakeIdle = (name: JobName, except?: LocalWorker): boolean => {
    const queue = local.get(name);
    if (!queue || stopping) return false;
    const idle = queue.workers.filter((w) => w.id && !w.busy && w !== except);
    const worker = idle[queue.turn++ % Math.max(1, idle.length)];
    if (worker) boss.notifyWorker(worker.id);
    return worker !== undefined;
  };
  const wake = (name: JobName) => {
    if (wakeIdle(name)) return;
    // An idle worker of another process may take it now.
    if (bell && !stopping) void bell.ring(name);
    // All busy: one woken looks again as soon as its job is done (each does anyway), without a pause.
    const workers = local.get(name)?.workers ?? [];
    const worker = workers[(local.get(name)?.turn ?? 0) % Math.max(1, workers.length)];
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
      let queue = local.get(name);
      if (!queue) {
        queue = { workers: [], timer: null, turn: 0 };
        local.set(name, queue);
      }
      queue.timer ??= setInterval(() => wakeIdle(name), pollSeconds * 1000);
      queue.timer.unref();
      listening ??= bell?.listen((rung) => void wakeIdle(rung as JobName)) ?? null;
      await listening;
      // pg-boss 10 runs one batch at a time per work() call: one call per unit of concurrency.
      for (let i = 0; i < (workOptions.concurrency ?? 2); i++) {
        const worker: LocalWorker = { id: '', busy: false };
        queue.workers.push(worker);
        worker.id = await boss.work<JobData>(
          name,
          { batchSize: 1, pollingIntervalSeconds: Math.max(pollSeconds, OWN_POLL_SECONDS) },
          async (jobs) => {
            worker.busy = true;
            // More may be waiting (a poll found this one): an idle worker looks too.
            if (jobs.length > 0) wakeIdle(name, worker);
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
              // Looks again at once rather than after its pause: while jobs wait, none is left to a poll.
              if (jobs.length > 0 && !stopping) boss.notifyWorker(worker.id);
            }
          },
        );
      }
    },
    stop() {
      stopping ??= (async () => {
        for (const queue of local.values()) if (queue.timer) clearInterval(queue.timer);
        if (listening) await (await listening)();
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
