import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { type JobBell, openJobBell } from './job-bell.ts';
import { JOB_ATTEMPTS, type JobData, type JobName, type JobQueue, recordJobFailure } from './queue.ts';

export interface SqliteQueueOptions {
  /**
   * How often a worker looks for jobs whatever happened: due now, sent earlier to start later, or left by a
   * worker that died. Its own are taken at once, and so are those another process sends (job-bell.ts).
   */
  readonly pollMs?: number;
  /** How long a taken job is its worker's; past that (the process died) another worker takes it. */
  readonly lockMs?: number;
}

/**
 * The SQLite driver: jobs are rows of `jobs` in the database file, so a web process (`mailroom serve`
 * with MAILROOM_SERVE_WORKERS=false) can hand work to a `mailroom worker` process that shares only the
 * file, jobs survive a restart, and a failed job's error stays on its row. A job is taken with one
 * conditional update (SQLite has one writer at a time); done, it is deleted; failed, it waits and is
 * tried again, JOB_ATTEMPTS times in all, then stays `failed` with its error.
 */
export const createSqliteQueue = (
  deps: { readonly db: Db; readonly log: Logger },
  options: SqliteQueueOptions = {},
): JobQueue => {
  const { db } = deps;
  const pollMs = options.pollMs ?? 500;
  const lockMs = options.lockMs ?? 15 * 60_000;
  const owner = randomUUID();
  const workers = new Map<
    JobName,
    { handler: (data: JobData) => Promise<void>; concurrency: number; running: number }
  >();
  const inflight = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let stopWatching: () => void = () => undefined;
  /** Opened at the first send or work: rung after each send, watched by a process that works. */
  let bell: Promise<JobBell | null> | null = null;
  const jobBell = () => {
    bell ??= openJobBell(deps);
    return bell;
  };
  let pumping = false;
  let again = false;

  /** Takes the next due job of `name` (waiting and due, or taken by a worker whose lock ran out). */
  const take = async (name: JobName) => {
    const now = new Date();
    const at = now.toISOString();
    const row = await sql<{ id: string; data_json: string; attempts: number }>`
      update jobs set state = 'active', owner = ${owner}, attempts = attempts + 1,
        locked_until = ${new Date(now.getTime() + lockMs).toISOString()}, updated_at = ${at}
      where id = (
        select id from jobs
        where name = ${name}
          and ((state = 'waiting' and run_after <= ${at}) or (state = 'active' and locked_until < ${at}))
        order by run_after, created_at limit 1)
      returning id, data_json, attempts`.execute(db);
    return row.rows[0] ?? null;
  };

  const finish = async (
    name: JobName,
    job: { id: string; data_json: string; attempts: number },
    error: unknown,
  ) => {
    if (error === null) {
      await db.deleteFrom('jobs').where('id', '=', job.id).where('owner', '=', owner).execute();
      return;
    }
    await recordJobFailure(deps, name, JSON.parse(job.data_json) as JobData, error);
    const now = new Date();
    const lastError = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    if (job.attempts >= JOB_ATTEMPTS) {
      await db
        .updateTable('jobs')
        .set({ state: 'failed', locked_until: null, last_error: lastError, updated_at: now.toISOString() })
        .where('id', '=', job.id)
        .execute();
      return;
    }
    // Waits a little longer each time; when another job with its key is already waiting, that one does.
    const retried = await db
      .updateTable('jobs')
      .set({
        state: 'waiting',
        locked_until: null,
        last_error: lastError,
        run_after: new Date(now.getTime() + 2_000 * 2 ** (job.attempts - 1)).toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', job.id)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('jobs as other')
              .select('other.id')
              .whereRef('other.name', '=', 'jobs.name')
              .whereRef('other.singleton_key', '=', 'jobs.singleton_key')
              .where('other.state', '=', 'waiting'),
          ),
        ),
      )
      .executeTakeFirst();
    if (Number(retried.numUpdatedRows) === 0) await db.deleteFrom('jobs').where('id', '=', job.id).execute();
  };

  const run = (
    name: JobName,
    worker: { handler: (data: JobData) => Promise<void>; running: number },
    job: { id: string; data_json: string; attempts: number },
  ) => {
    worker.running++;
    const done = (async () => {
      let failure: unknown = null;
      try {
        await worker.handler(JSON.parse(job.data_json) as JobData);
      } catch (error) {
        failure = error ?? new Error('the job failed without an error');
      }
      await finish(name, job, failure);
    })()
      .catch((error: unknown) =>
        deps.log.error(
          { event: 'job.record_failed', job: name, jobId: job.id, err: error },
          'the outcome of a job could not be recorded: it runs again once its lock runs out',
        ),
      )
      .finally(() => {
        worker.running--;
        inflight.delete(done);
        schedulePump();
      });
    inflight.add(done);
  };

  const pump = async () => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        for (const [name, worker] of workers)
          while (!stopped && worker.running < worker.concurrency) {
            const job = await take(name);
            if (!job) break;
            run(name, worker, job);
          }
      } while (again && !stopped);
    } catch (error) {
      deps.log.error({ event: 'jobs.take_failed', err: error }, 'jobs could not be taken: trying again');
    } finally {
      pumping = false;
    }
  };
  const schedulePump = () => {
    if (!stopped && workers.size > 0) void pump();
  };

  return {
    driver: 'sqlite',
    async send(name, data, sendOptions = {}) {
      const now = new Date().toISOString();
      await db
        .insertInto('jobs')
        .values({
          id: randomUUID(),
          name,
          data_json: JSON.stringify(data),
          singleton_key: sendOptions.singletonKey ?? null,
          state: 'waiting',
          attempts: 0,
          run_after: (sendOptions.startAfter ?? new Date()).toISOString(),
          locked_until: null,
          owner: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      (await jobBell())?.ring();
      if (sendOptions.startAfter && sendOptions.startAfter.getTime() > Date.now()) {
        const wake = setTimeout(schedulePump, sendOptions.startAfter.getTime() - Date.now() + 10);
        wake.unref();
      } else schedulePump();
    },
    async work(name, handler, workOptions = {}) {
      workers.set(name, { handler, concurrency: workOptions.concurrency ?? 2, running: 0 });
      if (!timer) {
        timer = setInterval(schedulePump, pollMs);
        timer.unref();
        stopWatching = (await (await jobBell())?.watch(schedulePump)) ?? stopWatching;
        if (stopped) stopWatching();
      }
      schedulePump();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      stopWatching();
      while (pumping) await new Promise((r) => setTimeout(r, 5));
      await Promise.all(inflight);
    },
  };
};
