import { type FSWatcher, watch } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';

/**
 * A file beside a SQLite database that a process touches after it sends a job: a worker sharing the file
 * (a web-only `mailroom serve` pressing Sync now, a `mailroom worker` taking it) watches it (inotify) and
 * looks for jobs at once instead of at its next poll. Only sends touch it, so watching costs nothing while
 * the process writes: watching the WAL did (a listing's every page write woke the watcher, ~1 s of CPU per
 * 20,000 messages). A bell that cannot be rung or watched is logged once; the poll finds the jobs.
 */
export interface JobBell {
  ring(): void;
  /** Calls `rung` when another process rings; returns the function that stops watching. */
  watch(rung: () => void): Promise<() => void>;
}

export type JobBellEvent = 'jobs.bell_failed' | 'jobs.bell_watch_failed';

/** The bell of `db`'s file, or null for a database in memory (no other process shares it). */
export const openJobBell = async (deps: {
  readonly db: Db;
  readonly log: Logger;
}): Promise<JobBell | null> => {
  const { rows } = await sql<{
    file: string;
  }>`select file from pragma_database_list where name = 'main'`.execute(deps.db);
  const database = rows[0]?.file;
  if (!database) return null;
  const path = `${database}-jobs-bell`;
  const warned = new Set<JobBellEvent>();
  const warn = (event: JobBellEvent, error: unknown) => {
    if (warned.has(event)) return;
    warned.add(event);
    deps.log.warn(
      { event, path, err: error },
      'the job bell is not working: jobs other processes send are found by the poll',
    );
  };
  const create = () => writeFile(path, '', { flag: 'a' });
  return {
    ring() {
      const now = new Date();
      utimes(path, now, now)
        // Named case: no worker has created it yet (nobody is watching); created for the next ring.
        .catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? create() : Promise.reject(error)))
        .catch((error: unknown) => warn('jobs.bell_failed', error));
    },
    async watch(rung) {
      let watcher: FSWatcher | null = null;
      let closed = false;
      const close = () => {
        closed = true;
        watcher?.close();
      };
      const fail = (error: unknown) => {
        if (closed) return;
        warn('jobs.bell_watch_failed', error);
        close();
      };
      try {
        await create();
        watcher = watch(path, { persistent: false }, () => rung());
        // ENOSPC (fs.inotify.max_user_watches reached), EMFILE, or the file removed.
        watcher.on('error', fail);
      } catch (error) {
        fail(error);
      }
      return close;
    },
  };
};
