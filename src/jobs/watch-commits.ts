import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';

/**
 * How long after a write to the WAL the connection asks who committed: a sync of this process writes it
 * thousands of times a second, and each answer is a query.
 */
const SETTLE_MS = 20;

/**
 * Calls `committed` within ~SETTLE_MS of a commit by another process to the SQLite file of `db` (a web-only
 * `mailroom serve` sending a job). Each commit writes the file's WAL; the folder is watched (inotify), not
 * the -wal file, which SQLite creates at the first connection and deletes at the last close. Whether the
 * commit was another connection's is `PRAGMA data_version`, which changes with their commits, not this
 * one's (https://sqlite.org/pragma.html#pragma_data_version). It costs nothing while nothing writes: a
 * shorter poll did (every 25 ms: an empty worker's idle CPU 1.4 → 3.3–4.0 % of a core). A file that
 * cannot be watched, or a failed check, is logged once and the caller's poll is left to find the jobs.
 * Returns the function that stops watching.
 */
export const watchOtherCommits = async (
  deps: { readonly db: Db; readonly log: Logger },
  committed: () => void,
): Promise<() => void> => {
  const { rows } = await sql<{
    file: string;
  }>`select file from pragma_database_list where name = 'main'`.execute(deps.db);
  const file = rows[0]?.file;
  if (!file) return () => undefined; // in memory: no other process shares it
  const wal = `${basename(file)}-wal`;
  let watcher: FSWatcher | null = null;
  let settling: NodeJS.Timeout | null = null;
  let seenVersion: number | undefined;
  let closed = false;

  const close = () => {
    closed = true;
    watcher?.close();
    if (settling) clearTimeout(settling);
  };
  const fail = (event: 'jobs.watch_failed' | 'jobs.commit_check_failed') => (error: unknown) => {
    if (closed) return; // the queue stopped (its database may be closed): nothing to watch for
    deps.log.warn(
      { event, file, err: error },
      'commits of other processes are not watched: the jobs they send are found by the poll',
    );
    close();
  };
  const check = async () => {
    settling = null;
    const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(deps.db);
    const version = rows[0]?.data_version;
    if (closed || version === seenVersion) return;
    seenVersion = version;
    committed();
  };

  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
      if ((name !== null && name !== wal) || settling || closed) return;
      settling = setTimeout(() => void check().catch(fail('jobs.commit_check_failed')), SETTLE_MS);
    });
    // ENOSPC (fs.inotify.max_user_watches reached), EMFILE, or the folder removed.
    watcher.on('error', fail('jobs.watch_failed'));
  } catch (error) {
    fail('jobs.watch_failed')(error);
  }
  return close;
};
