import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';

/**
 * The job queue every background task goes through (issue 12: one background model): pg-boss on
 * PostgreSQL, a `jobs` table on SQLite (jobs/sqlite-queue.ts), the same interface. Web processes only
 * enqueue; workers run. Jobs are thin and idempotent, keyed by mailbox (STYLE.md 13): the state they act
 * on is in the database, so a lost job is re-sent by the next sweep.
 */
/**
 * `sync-mailbox`: every selected folder (sweeps, Sync now, a new connection); `sync-arrival`: the Inbox
 * only, when its watcher saw new mail (many at once, so a thousand mailboxes' arrivals do not queue behind
 * each other); `send-outgoing`: one attempt of a queued message; `deliver-webhook`: the due messages of
 * one webhook endpoint, in order.
 */
export type JobName = 'sync-mailbox' | 'sync-arrival' | 'send-outgoing' | 'deliver-webhook';

export interface JobData {
  /** The mailbox the job is about; empty for `deliver-webhook`, which is about an endpoint. */
  readonly mailboxId: string;
  /** `send-outgoing`: the message to attempt. */
  readonly outgoingId?: string;
  /** `deliver-webhook`: the endpoint whose messages are due. */
  readonly endpointId?: string;
  /** `sync-arrival`: when the watcher saw the new mail (epoch ms), for the `arrival.timing` breakdown. */
  readonly seenAt?: number;
}

export interface SendOptions {
  /** At most one waiting job per key (one pending sync per mailbox): a second send is a no-op. */
  readonly singletonKey?: string;
  /** Not before this time (a job waiting for a lease held by a process that died). */
  readonly startAfter?: Date;
}

export interface JobQueue {
  readonly driver: 'sqlite' | 'pg-boss';
  send(name: JobName, data: JobData, options?: SendOptions): Promise<void>;
  /** Runs `handler` for each job, at most `concurrency` at a time in this process. */
  work(
    name: JobName,
    handler: (data: JobData) => Promise<void>,
    options?: { concurrency?: number },
  ): Promise<void>;
  /** Stops taking jobs and waits for the running ones; a second call is a no-op. */
  stop(): Promise<void>;
}

/** Attempts of a job whose handler throws, before it is recorded as failed (pg-boss: retryLimit + 1). */
export const JOB_ATTEMPTS = 3;

/**
 * A handler's failure, never dropped: logged with its stack and cause, counted by job across processes
 * (`mailroom_job_failures_total{job}`); the driver then records it on the job (its row, or pg-boss's).
 */
export const recordJobFailure = async (
  deps: { readonly db: Db; readonly log: Logger },
  name: JobName,
  data: JobData,
  error: unknown,
): Promise<void> => {
  deps.log.error(
    { event: 'job.failed', job: name, mailboxId: data.mailboxId, outgoingId: data.outgoingId, err: error },
    'a background job failed',
  );
  await countFailure(deps, name, error);
};

/**
 * Counts a failure of background work by name, across processes (`mailroom_job_failures_total{job}`),
 * with its last error: a job's handler, or a periodic round (`blob-sweep`, `purge`, …). The caller logs it.
 */
export const countFailure = async (
  deps: { readonly db: Db; readonly log: Logger },
  job: string,
  error: unknown,
): Promise<void> => {
  const message = error instanceof Error ? error.message : String(error);
  const at = new Date().toISOString();
  await deps.db
    .insertInto('job_failures')
    .values({ job, failures: 1, last_at: at, last_error: message.slice(0, 500) })
    .onConflict((oc) =>
      oc.column('job').doUpdateSet((eb) => ({
        failures: eb('job_failures.failures', '+', 1),
        last_at: at,
        last_error: message.slice(0, 500),
      })),
    )
    .execute()
    .catch((countError: unknown) =>
      deps.log.error(
        { event: 'job.failure_not_counted', job, err: countError, cause: error },
        'a job failure could not be counted',
      ),
    );
};
