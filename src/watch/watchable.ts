import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/** The lease a mailbox's watcher holds (jobs/lease.ts): one watcher per mailbox across the installation. */
export const watchLeaseName = (mailboxId: string): string => `watch:${mailboxId}`;
export const mailboxOfWatchLease = (name: string): string => name.slice('watch:'.length);
/** Each watching process holds one of these while it runs, so the others know how many share the work. */
export const WATCHER_PRESENCE_PREFIX = 'watcher:';

export interface WatchableRow {
  readonly id: string;
  readonly state: string;
  /** The watch lease's holder while it is live, else null. */
  readonly holder: string | null;
  /** When the mailbox was last synced (or, never synced, connected): its last check for new mail. */
  readonly lastCheckedAt: string;
}

/**
 * Mailboxes a watcher may hold an IDLE session on (enabled, with tokens, connected or retrying a
 * transient failure), with who watches each now. One query, cheap enough to run every few seconds for
 * thousands of mailboxes.
 */
export const watchableMailboxes = async (
  db: Db,
  now = new Date(),
  options: { mailboxId?: string } = {},
): Promise<WatchableRow[]> => {
  const at = now.toISOString();
  let query = db
    .selectFrom('mailboxes')
    .leftJoin('leases', (join) =>
      join
        .on('leases.name', '=', sql<string>`${'watch:'} || mailboxes.id`)
        .on('leases.until', '>', at)
        .on('leases.owner', '!=', ''),
    )
    .select([
      'mailboxes.id as id',
      'mailboxes.state as state',
      'leases.owner as holder',
      sql<string>`coalesce(mailboxes.last_synced_at, mailboxes.state_at, mailboxes.created_at)`.as(
        'lastCheckedAt',
      ),
    ])
    .where('mailboxes.enabled', '=', 1)
    .where((eb) =>
      eb.or([
        eb('mailboxes.refresh_token_encrypted', 'is not', null),
        eb('mailboxes.access_mode', '=', 'application'),
      ]),
    )
    .where('mailboxes.state', 'in', ['connected', 'retrying']);
  if (options.mailboxId) query = query.where('mailboxes.id', '=', options.mailboxId);
  return query.execute();
};

/**
 * Processes watching now (their presence leases are live), and when the first of those leases runs out
 * unless renewed: a live process renews its own long before, so that moment is when one that died is gone.
 */
export const liveWatchers = async (
  db: Db,
  now = new Date(),
): Promise<{ count: number; nextExpiry: Date | null }> => {
  const row = await db
    .selectFrom('leases')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('until').as('first')])
    .where('name', 'like', `${WATCHER_PRESENCE_PREFIX}%`)
    .where('until', '>', now.toISOString())
    .where('owner', '!=', '')
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), nextExpiry: row.first ? new Date(row.first) : null };
};

export interface WatchSummary {
  readonly watched: number;
  readonly unwatched: number;
  /** Seconds since the least recently checked unwatched (connected) mailbox was last checked; 0 when none. */
  readonly unwatchedDelaySeconds: number;
}

/** For /metrics and the mailbox page: how many are watched, and how stale the unwatched ones' checks are. */
export const watchSummary = async (db: Db, now = new Date()): Promise<WatchSummary> => {
  const rows = await watchableMailboxes(db, now);
  let watched = 0;
  let unwatched = 0;
  let oldest = now.getTime();
  for (const r of rows) {
    if (r.holder) watched++;
    else if (r.state === 'connected') {
      unwatched++;
      const at = Date.parse(r.lastCheckedAt);
      if (!Number.isNaN(at)) oldest = Math.min(oldest, at);
    }
  }
  return { watched, unwatched, unwatchedDelaySeconds: Math.max(0, (now.getTime() - oldest) / 1000) };
};

/** What the mailbox page says of a mailbox's new mail: watched (IDLE), checked every so often, or neither. */
export type MailboxWatch =
  | { readonly kind: 'watched' }
  | { readonly kind: 'polled'; readonly everySeconds: number; readonly lastCheckedAt: string }
  | { readonly kind: 'none' };

export const mailboxWatch = async (db: Db, mailboxId: string, pollSeconds: number): Promise<MailboxWatch> => {
  const [row] = await watchableMailboxes(db, new Date(), { mailboxId });
  if (!row) return { kind: 'none' };
  if (row.holder) return { kind: 'watched' };
  return { kind: 'polled', everySeconds: pollSeconds, lastCheckedAt: row.lastCheckedAt };
};
