/** The job queue on SQLite (jobs/sqlite-queue.ts); PostgreSQL uses pg-boss's own tables. */
export interface JobsTable {
  id: string;
  name: string;
  data_json: string;
  /** At most one waiting job per key and name (one pending sync per mailbox). */
  singleton_key: string | null;
  /** `waiting` (run at `run_after`), `active` (a worker runs it until `locked_until`), `failed` (gave up). */
  state: 'waiting' | 'active' | 'failed';
  attempts: number;
  run_after: string;
  locked_until: string | null;
  owner: string | null;
  /** Why the last attempt failed, for whoever looks at a failed job. */
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** Handler failures by job name, across processes and drivers: `mailroom_job_failures_total{job}`. */
export interface JobFailuresTable {
  job: string;
  failures: number;
  last_at: string;
  last_error: string | null;
}
