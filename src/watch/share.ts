import type { Logger } from '../log/logger.ts';
import type { WatchableRow } from './watchable.ts';

/** Mailboxes a worker may hold above its even share before it gives some up: one in twenty, at least one. */
export const shareSlack = (share: number): number => Math.max(1, Math.ceil(share / 20));
/** Mailboxes a worker over its share gives up per rescan: the taker opens them about as fast. */
export const RELEASE_STEP = 16;

/** An even share of `watchable` mailboxes among `workers` live watchers. */
export const evenShare = (watchable: number, workers: number): number =>
  Math.ceil(watchable / Math.max(1, workers));

export interface ShareInput {
  /** Every watchable mailbox with its watcher now (`watchableMailboxes`). */
  readonly rows: readonly WatchableRow[];
  /** Live watching processes (presence leases), this one included. */
  readonly workers: number;
  /** The mailboxes this process watches now. */
  readonly watching: { has(id: string): boolean; readonly size: number };
  /** This process' cap (MAILROOM_IDLE_CONNECTIONS). */
  readonly max: number;
  /** Mailboxes free at the previous rescan: still free now, nobody else wanted them. */
  readonly lastFree: ReadonlySet<string>;
  /** Mailboxes this process gave up lately, left for the others to take. */
  readonly givenUp: ReadonlySet<string>;
  /** No rebalancing (an earlier release was not taken up: the others are at their caps). */
  readonly holdShare: boolean;
}

export interface SharePlan {
  /** Free mailboxes to claim, in random order. */
  readonly claim: string[];
  /** Mailboxes to give up: this process holds more than its share and another is short of its own. */
  readonly release: string[];
  /** Mailboxes free now (for the next rescan's `lastFree`). */
  readonly free: Set<string>;
}

const shuffle = <T>(list: T[]): T[] => {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
};

/**
 * What one rescan does. Claims: up to an even share at once, then whatever stayed free since the last
 * rescan (the others are at their caps), never beyond the cap nor what this process just gave up.
 * Releases: when every watchable mailbox is watched and a live worker holds less than its share (one
 * joined, or took over little), a worker above its share plus a slack (`shareSlack`) gives up to `RELEASE_STEP`
 * of the excess, so the watches spread a few at a time; the next batch goes once this one was taken.
 */
export const planShare = (input: ShareInput): SharePlan => {
  const { rows, watching } = input;
  const share = evenShare(rows.length, input.workers);
  const free = new Set(rows.filter((r) => !r.holder && !watching.has(r.id)).map((r) => r.id));
  const room = input.max - watching.size;
  const candidates = [...free].filter((id) => !input.givenUp.has(id));
  const leftOver = candidates.filter((id) => input.lastFree.has(id)).length;
  const quota = Math.min(room, Math.max(share - watching.size, leftOver));
  const claim = quota > 0 ? shuffle(candidates).slice(0, quota) : [];

  let release: string[] = [];
  const slack = shareSlack(share);
  const excess = watching.size - (share + slack);
  if (excess > 0 && !input.holdShare && free.size === 0) {
    const perHolder = new Map<string, number>();
    for (const r of rows) if (r.holder) perHolder.set(r.holder, (perHolder.get(r.holder) ?? 0) + 1);
    const atShare = [...perHolder.values()].filter((n) => n >= share - slack).length;
    if (atShare < input.workers) {
      const mine = rows.filter((r) => watching.has(r.id)).map((r) => r.id);
      release = shuffle(mine).slice(0, Math.min(excess, RELEASE_STEP));
    }
  }
  return { claim, release, free };
};

/** How long a worker whose release went untaken holds its share before it tries again. */
const HOLD_MS = 60_000;

/**
 * `planShare` with what one process remembers between rescans: the mailboxes free at the last one, those
 * it gave up lately (not taken back for three rescans, at least 10 s), and whether a release went untaken
 * (the others are at their caps, or too busy to claim): then it holds its share for a minute, or until
 * the number of live workers changes, rather than giving up and taking back in turn.
 */
export const shareKeeper = (deps: { readonly log: Logger }, rescanMs: number, clock = () => Date.now()) => {
  const givenUpMs = Math.max(3 * rescanMs, 10_000);
  let lastFree = new Set<string>();
  const givenUp = new Map<string, number>();
  let hold: { workers: number; until: number } | null = null;
  return {
    plan(input: Omit<ShareInput, 'lastFree' | 'givenUp' | 'holdShare'>): SharePlan {
      const now = clock();
      if (hold && (hold.workers !== input.workers || hold.until <= now)) hold = null;
      const stillFree = new Set(input.rows.filter((r) => !r.holder).map((r) => r.id));
      for (const [id, at] of givenUp) {
        if (at + givenUpMs > now) continue;
        givenUp.delete(id);
        if (stillFree.has(id) && !hold) {
          hold = { workers: input.workers, until: now + HOLD_MS };
          deps.log.info(
            { event: 'watch.share_held', mailboxId: id, workers: input.workers },
            'a mailbox given up was not taken (the others are at their caps or busy): keeping this share for a while',
          );
        }
      }
      const plan = planShare({
        ...input,
        lastFree,
        givenUp: new Set(givenUp.keys()),
        holdShare: hold !== null,
      });
      lastFree = plan.free;
      for (const id of plan.release) givenUp.set(id, now);
      if (plan.release.length > 0)
        deps.log.info(
          {
            event: 'watch.rebalanced',
            released: plan.release.length,
            watching: input.watching.size,
            share: evenShare(input.rows.length, input.workers),
            workers: input.workers,
          },
          'gave up watches over this worker’s share, for the others to take',
        );
      return plan;
    },
  };
};
