/**
 * A small job queue interface: the in-process driver for one process on SQLite, pg-boss for many
 * workers on PostgreSQL. Jobs are thin and idempotent, keyed by mailbox (STYLE.md 13): the state they act
 * on is in the database, so a lost job is re-sent by the next sweep.
 */
export type JobName = 'sync-mailbox';

export interface JobData {
  readonly mailboxId: string;
}

export interface JobQueue {
  readonly driver: 'in-process' | 'pg-boss';
  /** Enqueues unless a job with the same key is already waiting (one pending sync per mailbox). */
  send(name: JobName, data: JobData, options?: { singletonKey?: string }): Promise<void>;
  /** Runs `handler` for each job, at most `concurrency` at a time in this process. */
  work(
    name: JobName,
    handler: (data: JobData) => Promise<void>,
    options?: { concurrency?: number },
  ): Promise<void>;
  stop(): Promise<void>;
}
