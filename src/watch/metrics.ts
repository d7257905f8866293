import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/database.ts';
import { type WatchSummary, watchSummary } from './watchable.ts';

/**
 * The watchers' figures, read from the database at scrape time like the other gauges: mailboxes watched
 * (an IDLE session, new mail within a second), unwatched (every worker at its cap: checked in turn), and
 * the longest an unwatched one has gone since its last check, the delay a person may wait for new mail.
 */
export const registerWatchMetrics = (registry: Registry, db: Db): void => {
  // One query serves the three gauges of a scrape.
  let pending: Promise<WatchSummary> | null = null;
  const summary = () => {
    pending ??= watchSummary(db).finally(() => {
      setImmediate(() => {
        pending = null;
      });
    });
    return pending;
  };
  const gauge = (name: string, help: string, pick: (s: WatchSummary) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(pick(await summary()));
      },
    });
  gauge(
    'mailroom_mailboxes_watched',
    'Connected mailboxes a worker watches (IDLE on the Inbox): new mail is seen within a second.',
    (s) => s.watched,
  );
  gauge(
    'mailroom_mailboxes_unwatched',
    'Connected mailboxes no worker watches (every worker is at MAILROOM_IDLE_CONNECTIONS): checked in turn.',
    (s) => s.unwatched,
  );
  gauge(
    'mailroom_unwatched_check_delay_seconds',
    'Seconds since the least recently checked unwatched mailbox was last checked (0 when none): the wait for new mail there.',
    (s) => Math.round(s.unwatchedDelaySeconds),
  );
};
