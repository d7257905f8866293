import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';

/**
 * The one lease of Mailroom's background work: a named row in `leases` that at most one process holds
 * until it expires. Whoever holds it renews it by heartbeat; a renewal that fails (the database is gone,
 * or another process took the lease after it expired) aborts the lease's signal, and the work it guards
 * must stop. A process that dies stops renewing, so its leases expire and others take the work over.
 *
 * Names say what is guarded: `sync:<mailboxId>`, `watch:<mailboxId>`, `refresh:<mailboxId>`,
 * `outgoing:<id>`, `sweep`, `purge`, `blob-sweep`.
 */

export type LeaseErrorCode = 'lease.lost' | 'lease.expired' | 'lease.renewal_failed';

/** Why a held lease's signal was aborted: the reason of `signal.reason`. */
export class LeaseError extends Error {
  constructor(
    readonly code: LeaseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LeaseError';
  }
}

/** Short by default, so work held by a process that died is taken up again within 30 s. */
export const DEFAULT_LEASE_MS = 30_000;

export interface LeaseOptions {
  /** How long the lease lasts without a renewal. */
  readonly ttlMs?: number;
  /** How often it is renewed (default a third of the lifetime); 0: never (a lease for one round of work). */
  readonly heartbeatMs?: number;
  /** Taken by this owner (e.g. the process' id for a lease it must be able to re-take); default random. */
  readonly owner?: string;
  /** For tests: the time of the claim. */
  readonly now?: Date;
}

export interface HeldLease {
  readonly name: string;
  readonly owner: string;
  /** Aborted, with a `LeaseError` as reason, when the lease is lost: the guarded work must stop. */
  readonly signal: AbortSignal;
  /** Stops the heartbeat and gives the lease up (a no-op when it was lost meanwhile). */
  release(): Promise<void>;
}

export interface LeaseDeps {
  readonly db: Db;
  readonly log: Logger;
}

export const newOwner = (): string => randomBytes(9).toString('base64url');

/**
 * Writes `until` for `owner` when the lease is free, expired or already theirs: one statement only one
 * process can win, the same on SQLite and PostgreSQL (`INSERT … ON CONFLICT DO UPDATE … WHERE`: a row
 * held by another is left as it is and counts no change). One round trip, not two: every arrival round
 * takes a lease.
 */
const takeRow = async (db: Db, name: string, owner: string, now: Date, ttlMs: number): Promise<boolean> => {
  const at = now.toISOString();
  const held = { owner, until: new Date(now.getTime() + ttlMs).toISOString(), claimed_at: at };
  const result = await db
    .insertInto('leases')
    .values({ name, ...held })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet(held)
        .where((eb) => eb.or([eb('leases.until', '<=', at), eb('leases.owner', '=', owner)])),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows) === 1;
};

/** Renews a lease this owner holds; false when another process has it now. */
const renewRow = async (db: Db, name: string, owner: string, now: Date, ttlMs: number): Promise<boolean> => {
  const result = await db
    .updateTable('leases')
    .set({ until: new Date(now.getTime() + ttlMs).toISOString() })
    .where('name', '=', name)
    .where('owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
};

/**
 * Takes the lease `name` if no other process holds it; `null` when one does. While held it is renewed
 * every `heartbeatMs`; should a renewal fail, or the lease run out before one succeeds (a process paused
 * longer than the lifetime), its signal is aborted and an error logged.
 */
export const claimLease = async (
  deps: LeaseDeps,
  name: string,
  options: LeaseOptions = {},
): Promise<HeldLease | null> => {
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.floor(ttlMs / 3);
  const owner = options.owner ?? newOwner();
  const claimedAt = options.now ?? new Date();
  if (!(await takeRow(deps.db, name, owner, claimedAt, ttlMs))) return null;

  const controller = new AbortController();
  let heartbeat: NodeJS.Timeout | null = null;
  let deadline: NodeJS.Timeout | null = null;
  const stopTimers = () => {
    if (heartbeat) clearInterval(heartbeat);
    if (deadline) clearTimeout(deadline);
    heartbeat = deadline = null;
  };
  const lose = (error: LeaseError) => {
    if (controller.signal.aborted) return;
    stopTimers();
    deps.log.error(
      { event: 'lease.lost', lease: name, errorCode: error.code, err: error },
      'a lease was lost: the work it guards stops',
    );
    controller.abort(error);
  };
  // The lease is ours until `until`; without a renewal by then another process may take it, so the work
  // must have stopped by then (a little before, for the clocks of two machines).
  const armDeadline = (from: number) => {
    if (deadline) clearTimeout(deadline);
    deadline = setTimeout(
      () => lose(new LeaseError('lease.expired', `the lease ${name} ran out before it could be renewed`)),
      Math.max(0, from + ttlMs - Date.now() - Math.min(2_000, ttlMs / 10)),
    );
    deadline.unref();
  };
  if (heartbeatMs > 0) {
    armDeadline(claimedAt.getTime());
    let renewing = false;
    heartbeat = setInterval(() => {
      if (renewing) return;
      renewing = true;
      const at = new Date();
      renewRow(deps.db, name, owner, at, ttlMs)
        .then(
          (kept) => {
            if (!kept) lose(new LeaseError('lease.lost', `another process took the lease ${name}`));
            else if (!controller.signal.aborted) armDeadline(at.getTime());
          },
          (error: unknown) =>
            lose(
              new LeaseError('lease.renewal_failed', `the lease ${name} could not be renewed`, {
                cause: error,
              }),
            ),
        )
        .finally(() => {
          renewing = false;
        });
    }, heartbeatMs);
    heartbeat.unref();
  }

  return {
    name,
    owner,
    signal: controller.signal,
    async release() {
      stopTimers();
      if (controller.signal.aborted) return;
      controller.abort(new LeaseError('lease.lost', `the lease ${name} was released`));
      await deps.db
        .updateTable('leases')
        .set({ owner: '', until: new Date(0).toISOString() })
        .where('name', '=', name)
        .where('owner', '=', owner)
        .execute();
    },
  };
};

/**
 * Runs `work` under the lease `name`, renewed while it runs and released after; `{ held: false }` when
 * another process holds it. `work` gets the lease's signal and must stop when it aborts; its rejection is
 * the caller's to handle.
 */
export const withLease = async <T>(
  deps: LeaseDeps,
  name: string,
  options: LeaseOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> => {
  const lease = await claimLease(deps, name, options);
  if (!lease) return { held: false };
  try {
    return { held: true, value: await work(lease.signal) };
  } finally {
    await lease.release();
  }
};

/**
 * A lease for one round of periodic work (a sweep, a purge): taken for most of an interval and never
 * renewed or released, so one process does the round and the others find it taken until the next.
 */
export const claimRound = (
  db: Db,
  name: string,
  owner: string,
  intervalMs: number,
  now = new Date(),
): Promise<boolean> => takeRow(db, name, owner, now, Math.floor(intervalMs * 0.9));

/** Who holds `name` now, for tests and the UI; `null` when nobody does. */
export const leaseHolder = async (db: Db, name: string, now = new Date()): Promise<string | null> => {
  const row = await db
    .selectFrom('leases')
    .select(['owner', 'until'])
    .where('name', '=', name)
    .executeTakeFirst();
  return row && row.owner !== '' && row.until > now.toISOString() ? row.owner : null;
};

/** When the lease `name` runs out if its holder does not renew it; `null` when nobody holds it. */
export const leaseExpiry = async (db: Db, name: string, now = new Date()): Promise<Date | null> => {
  const row = await db
    .selectFrom('leases')
    .select(['owner', 'until'])
    .where('name', '=', name)
    .executeTakeFirst();
  return row && row.owner !== '' && row.until > now.toISOString() ? new Date(row.until) : null;
};

/** One lease of a `LeaseGroup`: its signal aborts when the group loses it. */
export interface GroupLease {
  readonly name: string;
  readonly signal: AbortSignal;
}

export interface LeaseGroup {
  readonly owner: string;
  /** Names held now. */
  held(): string[];
  /**
   * Takes as many of `names` as are free (expired, released or never taken), at most `max`, in one
   * statement; returns those taken. Names already held by the group are left as they are.
   */
  claim(names: readonly string[], max?: number): Promise<GroupLease[]>;
  /** Gives one lease up (a no-op when it was lost meanwhile); its signal aborts first. */
  release(name: string): Promise<void>;
  /** Renews every held lease now, in one statement (what the heartbeat does). */
  renewNow(): Promise<void>;
  /** Stops the heartbeat and gives every lease up, in one statement. */
  close(): Promise<void>;
}

const chunks = <T>(list: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
};
/** Names per statement: well under SQLite's and PostgreSQL's bound-parameter limits. */
const NAMES_PER_STATEMENT = 5_000;

/**
 * Many leases of one owner renewed together: one timer and one `UPDATE … WHERE owner = ? AND name IN (…)
 * RETURNING name` per heartbeat, however many are held (a worker watching a thousand mailboxes renews them
 * all in one round trip). A lease the renewal does not return was taken by another process: its signal
 * alone is aborted. A renewal that fails (the database is gone), or a heartbeat late past the leases'
 * lifetime, aborts them all, logged once for the group.
 */
export const createLeaseGroup = (
  deps: LeaseDeps,
  options: { ttlMs?: number; heartbeatMs?: number; owner?: string; label?: string } = {},
): LeaseGroup => {
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.floor(ttlMs / 3);
  const owner = options.owner ?? newOwner();
  const label = options.label ?? 'leases';
  const leases = new Map<string, AbortController>();
  /** Per name, when its `until` was last written: a lease expires `ttlMs` after. */
  const renewedAt = new Map<string, number>();
  let closed = false;
  let deadline: NodeJS.Timeout | null = null;

  const lose = (names: readonly string[], error: LeaseError) => {
    for (const name of names) {
      const controller = leases.get(name);
      leases.delete(name);
      renewedAt.delete(name);
      if (controller && !controller.signal.aborted) controller.abort(error);
    }
  };
  const margin = Math.min(2_000, ttlMs / 10);
  // The oldest renewal decides when the first lease could run out: all must have stopped by then.
  const armDeadline = () => {
    if (deadline) clearTimeout(deadline);
    deadline = null;
    if (closed || renewedAt.size === 0) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const at of renewedAt.values()) oldest = Math.min(oldest, at);
    deadline = setTimeout(
      () => {
        const late = [...renewedAt].filter(([, at]) => at + ttlMs - margin <= Date.now()).map(([n]) => n);
        if (late.length > 0) {
          const error = new LeaseError('lease.expired', `${late.length} ${label} ran out before renewal`);
          deps.log.error(
            {
              event: 'lease.lost',
              group: label,
              owner,
              leases: late.length,
              errorCode: error.code,
              err: error,
            },
            'leases ran out before they could be renewed: the work they guard stops',
          );
          lose(late, error);
        }
        armDeadline();
      },
      Math.max(0, oldest + ttlMs - margin - Date.now()),
    );
    deadline.unref();
  };

  let renewing: Promise<void> | null = null;
  const renew = async (): Promise<void> => {
    const names = [...leases.keys()];
    if (names.length === 0) return;
    const at = Date.now();
    const until = new Date(at + ttlMs).toISOString();
    const kept = new Set<string>();
    try {
      for (const part of chunks(names, NAMES_PER_STATEMENT)) {
        const rows = await deps.db
          .updateTable('leases')
          .set({ until })
          .where('owner', '=', owner)
          .where('name', 'in', part)
          .returning('name')
          .execute();
        for (const r of rows) kept.add(r.name);
      }
    } catch (error) {
      const lost = new LeaseError('lease.renewal_failed', `${names.length} ${label} could not be renewed`, {
        cause: error,
      });
      deps.log.error(
        { event: 'lease.lost', group: label, owner, leases: names.length, errorCode: lost.code, err: lost },
        'leases could not be renewed: the work they guard stops',
      );
      lose(names, lost);
      armDeadline();
      return;
    }
    const taken = names.filter((n) => !kept.has(n) && leases.has(n));
    for (const name of names) if (kept.has(name) && leases.has(name)) renewedAt.set(name, at);
    if (taken.length > 0) {
      const error = new LeaseError('lease.lost', `another process took ${taken.length} ${label}`);
      deps.log.error(
        { event: 'lease.lost', group: label, owner, leases: taken, errorCode: error.code, err: error },
        'leases were taken by another process: the work they guard stops',
      );
      lose(taken, error);
    }
    armDeadline();
  };
  const renewOnce = (): Promise<void> => {
    renewing ??= renew()
      .catch((error: unknown) => {
        // renew() turns a database failure into lost leases itself; anything else is a bug. Logged with its
        // stack, and the leases let go all the same: work guarded by a lease nobody renews must stop.
        const lost = new LeaseError('lease.renewal_failed', `${label} could not be renewed`, {
          cause: error,
        });
        deps.log.error(
          { event: 'lease.lost', group: label, owner, errorCode: lost.code, err: lost },
          'renewing leases failed unexpectedly: the work they guard stops',
        );
        lose([...leases.keys()], lost);
        armDeadline();
      })
      .finally(() => {
        renewing = null;
      });
    return renewing;
  };
  const heartbeat = heartbeatMs > 0 ? setInterval(() => void renewOnce(), heartbeatMs) : null;
  heartbeat?.unref();

  return {
    owner,
    held: () => [...leases.keys()],
    async claim(names, max = Number.POSITIVE_INFINITY) {
      const wanted = names.filter((n) => !leases.has(n)).slice(0, Math.max(0, max));
      if (closed || wanted.length === 0) return [];
      const at = new Date();
      const now = at.toISOString();
      const taken: GroupLease[] = [];
      for (const part of chunks(wanted, NAMES_PER_STATEMENT)) {
        await deps.db
          .insertInto('leases')
          .values(part.map((name) => ({ name, owner: '', until: now, claimed_at: now })))
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
        const rows = await deps.db
          .updateTable('leases')
          .set({ owner, until: new Date(at.getTime() + ttlMs).toISOString(), claimed_at: now })
          .where('name', 'in', part)
          .where('until', '<=', now)
          .returning('name')
          .execute();
        if (closed) {
          // Closed while this claim ran: what it took is given back at once, not left to expire unwatched.
          const names = rows.map((r) => r.name);
          if (names.length > 0)
            await deps.db
              .updateTable('leases')
              .set({ owner: '', until: new Date(0).toISOString() })
              .where('owner', '=', owner)
              .where('name', 'in', names)
              .execute();
          break;
        }
        for (const { name } of rows) {
          const controller = new AbortController();
          leases.set(name, controller);
          renewedAt.set(name, at.getTime());
          taken.push({ name, signal: controller.signal });
        }
      }
      armDeadline();
      return taken;
    },
    async release(name) {
      const controller = leases.get(name);
      if (!controller) return;
      lose([name], new LeaseError('lease.lost', `the lease ${name} was released`));
      armDeadline();
      await deps.db
        .updateTable('leases')
        .set({ owner: '', until: new Date(0).toISOString() })
        .where('name', '=', name)
        .where('owner', '=', owner)
        .execute();
    },
    renewNow: renewOnce,
    async close() {
      if (closed) return;
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      if (deadline) clearTimeout(deadline);
      // Waits for a renewal in flight; renewOnce() handles its failures (it never rejects).
      await renewing;
      const names = [...leases.keys()];
      lose(names, new LeaseError('lease.lost', `the ${label} were released`));
      for (const part of chunks(names, NAMES_PER_STATEMENT))
        await deps.db
          .updateTable('leases')
          .set({ owner: '', until: new Date(0).toISOString() })
          .where('owner', '=', owner)
          .where('name', 'in', part)
          .execute();
    },
  };
};
