import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';

/** The channel (PostgreSQL's LISTEN/NOTIFY) on which a process says it sent a job. */
const CHANNEL = 'mailroom_jobs';

/** How long a listener whose connection failed waits before it listens again (the poll meanwhile). */
const RELISTEN_MS = 5_000;

/**
 * PostgreSQL's job bell, the counterpart of job-bell.ts for SQLite: a process that sent a job no worker of
 * its own could take at once says so on a channel (`pg_notify`, delivered when the sender's transaction has
 * committed, so the job is there to be found); the processes that work queues listen on a connection of
 * their own and wake an idle worker of that queue at once instead of at their next poll. Without it, a job
 * a web-only `mailroom serve` sent (Sync now) waited for a worker's poll: 0.4–0.5 s on PostgreSQL against
 * ~0.1 s on SQLite (bench/sync.ts, "the folder's sync under way after"). A bell that cannot ring or listen
 * is logged and the poll finds the jobs; a listener whose connection fails listens again after 5 s.
 */
export interface PgJobBell {
  /** Tells the other processes that a job of `name` is waiting. Never throws: a failure is logged. */
  ring(name: string): Promise<void>;
  /** Calls `rung` with the name of each job another process rang for; returns the function that stops. */
  listen(rung: (name: string) => void): Promise<() => Promise<void>>;
}

export type PgJobBellEvent = 'jobs.bell_failed' | 'jobs.bell_listen_failed';

export const openPgJobBell = (
  connectionString: string,
  deps: { readonly db: Db; readonly log: Logger },
  options: { readonly relistenMs?: number } = {},
): PgJobBell => {
  const relistenMs = options.relistenMs ?? RELISTEN_MS;
  // A process hears its own rings too: they carry its id, and its own workers were woken already.
  const self = randomUUID();
  const warned = new Set<PgJobBellEvent>();
  const warn = (event: PgJobBellEvent, error: unknown) => {
    if (warned.has(event)) return;
    warned.add(event);
    deps.log.warn(
      { event, err: error },
      'the job bell is not working: jobs other processes send are found by the poll',
    );
  };
  return {
    async ring(name) {
      try {
        await sql`select pg_notify(${CHANNEL}, ${`${self} ${name}`})`.execute(deps.db);
      } catch (error) {
        warn('jobs.bell_failed', error);
      }
    },
    async listen(rung) {
      let client: pg.Client | null = null;
      let stopped = false;
      let retry: NodeJS.Timeout | null = null;
      const listenAgainLater = (failed: pg.Client, error: unknown) => {
        if (stopped || client !== failed) return;
        warn('jobs.bell_listen_failed', error);
        client = null;
        // Named case: the connection has failed already; ending it only releases its socket.
        failed.end().catch(() => undefined);
        retry ??= setTimeout(() => {
          retry = null;
          void start();
        }, relistenMs);
        retry.unref();
      };
      const start = async () => {
        const c = new pg.Client({ connectionString });
        client = c;
        c.on('notification', (message) => {
          const payload = message.payload ?? '';
          const space = payload.indexOf(' ');
          if (message.channel !== CHANNEL || space < 0 || payload.slice(0, space) === self) return;
          rung(payload.slice(space + 1));
        });
        c.on('error', (error) => listenAgainLater(c, error));
        c.on('end', () => listenAgainLater(c, new Error('the listening connection was closed')));
        try {
          await c.connect();
          await c.query(`listen ${CHANNEL}`);
          if (warned.delete('jobs.bell_listen_failed'))
            deps.log.info({ event: 'jobs.bell_listening' }, 'the job bell is listening again');
        } catch (error) {
          listenAgainLater(c, error);
        }
      };
      await start();
      return async () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        const c = client;
        client = null;
        await c?.end();
      };
    },
  };
};
