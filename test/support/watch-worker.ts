import type { RunningEmulator } from '../../emulator/start.ts';
import { parseConfig } from '../../src/config.ts';
import type { AppDeps } from '../../src/http/context.ts';
import { startWorkers } from '../../src/jobs/workers.ts';
import { buildDeps } from '../../src/main.ts';
import type { TestApp } from './app.ts';
import { capturingLog } from './capturing-log.ts';

/** A worker process of its own (its own pool, caches and watchers) on the test app's database. */
export interface WatchWorker {
  readonly deps: AppDeps;
  readonly workers: Awaited<ReturnType<typeof startWorkers>>;
  /** Its log lines, parsed. */
  readonly lines: Record<string, unknown>[];
  readonly owner: string;
  /** The mailboxes it watches now. */
  watching(): string[];
  /** Closes its database under it, as a process whose database is gone: its renewals fail from then on. */
  loseDatabase(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts workers beside the test app, as `mailroom worker` would: watchers at `cap` IDLE sessions with
 * watch leases of `leaseSeconds`, no sweep or polling to speak of (an hour), `extra` settings on top.
 */
export const startWatchWorker = async (
  app: TestApp,
  emu: RunningEmulator,
  options: { cap: number; leaseSeconds: number; extra?: Record<string, string> },
): Promise<WatchWorker> => {
  const config = parseConfig({
    MAILROOM_ENV: 'test',
    ...app.db.env,
    MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
    MAILROOM_IDLE_CONNECTIONS: String(options.cap),
    MAILROOM_WATCH_LEASE_SECONDS: String(options.leaseSeconds),
    MAILROOM_POLL_SECONDS: '3600',
    MAILROOM_SYNC_INTERVAL_SECONDS: '3600',
    ...options.extra,
  });
  const { log, lines } = capturingLog();
  const deps = await buildDeps(config, { log });
  const workers = await startWorkers(deps, config, { sweepAtStart: false });
  let stopped = false;
  let databaseOpen = true;
  const closeDatabase = async () => {
    if (!databaseOpen) return;
    databaseOpen = false;
    await deps.db.destroy();
  };
  return {
    deps,
    workers,
    lines,
    owner: workers.watchers!.owner,
    watching: () => workers.watchers!.watching(),
    loseDatabase: closeDatabase,
    async stop() {
      if (stopped) return;
      stopped = true;
      await workers.stop();
      // Reads of listed messages started by this worker's syncs end before its database closes.
      await deps.parser.close();
      await closeDatabase();
    },
  };
};
