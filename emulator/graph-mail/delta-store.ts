import { randomBytes } from 'node:crypto';
import type { FolderSnapshot } from './store.ts';

/** What a delta round returns, in order: a message present now, or one gone since the last round. */
export type DeltaChange =
  | { readonly kind: 'present'; readonly uid: number }
  | { readonly kind: 'removed'; readonly uidValidity: string; readonly uid: number };

/** Query options of the first request, carried by every link that follows it (graph-mail-spec.md §4). */
export interface DeltaQuery {
  readonly select: readonly string[] | null;
  readonly pageSize: number | null;
}

/** A `$deltatoken`: the folder as the client last saw it. */
export interface DeltaBase {
  readonly mailbox: string;
  readonly folder: string;
  readonly query: DeltaQuery;
  readonly seen: FolderSnapshot;
}

/** A round being paged through with `$skiptoken`s: its changes and the folder state it ends at. */
export interface DeltaRound extends DeltaBase {
  readonly changes: readonly DeltaChange[];
  readonly uidValidity: string;
}

/**
 * Delta and skip tokens, kept in memory and dropped oldest first past a bound, as Exchange drops old sync
 * states from its cache; a dropped or invalidated token is `410 SyncStateNotFound`.
 */
export interface DeltaStore {
  readonly bases: Map<string, DeltaBase>;
  readonly rounds: Map<string, { round: DeltaRound; offset: number }>;
}

const LIMIT = 20_000;

export const createDeltaStore = (): DeltaStore => ({ bases: new Map(), rounds: new Map() });

const token = (): string => randomBytes(24).toString('base64url');

const bounded = <V>(map: Map<string, V>, key: string, value: V): string => {
  map.set(key, value);
  if (map.size > LIMIT) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  return key;
};

export const saveBase = (store: DeltaStore, base: DeltaBase): string => bounded(store.bases, token(), base);

export const saveRoundPage = (store: DeltaStore, round: DeltaRound, offset: number): string =>
  bounded(store.rounds, token(), { round, offset });

/** Forgets every token of a mailbox (the control API's "invalidate delta tokens"); returns how many. */
export const invalidateMailbox = (store: DeltaStore, mailbox: string): number => {
  let dropped = 0;
  for (const [key, base] of store.bases)
    if (base.mailbox === mailbox) dropped += Number(store.bases.delete(key));
  for (const [key, page] of store.rounds)
    if (page.round.mailbox === mailbox) dropped += Number(store.rounds.delete(key));
  return dropped;
};

const flagKey = (flags: readonly string[]): string => flags.join(' ');

/**
 * What changed between what the client saw and the folder now: new and changed messages are present, gone
 * ones removed. A new UIDVALIDITY means every message the client saw is gone and every one now is new.
 */
export const changesBetween = (seen: FolderSnapshot | null, now: FolderSnapshot): DeltaChange[] => {
  const changes: DeltaChange[] = [];
  const comparable = seen !== null && seen.uidValidity === now.uidValidity;
  if (seen && !comparable)
    for (const uid of seen.entries.keys())
      changes.push({ kind: 'removed', uidValidity: seen.uidValidity, uid });
  for (const [uid, entry] of now.entries) {
    const before = comparable ? seen.entries.get(uid) : undefined;
    if (!before || flagKey(before.flags) !== flagKey(entry.flags)) changes.push({ kind: 'present', uid });
  }
  if (comparable)
    for (const uid of seen.entries.keys())
      if (!now.entries.has(uid)) changes.push({ kind: 'removed', uidValidity: seen.uidValidity, uid });
  return changes;
};
