/**
 * Cursor arithmetic for one folder, pure and table-tested (STYLE.md 13). IMAP guarantees that within one
 * UIDVALIDITY, UIDs only grow (RFC 3501 §2.3.1.1): everything below `uidNext` we stored is known, and new
 * mail has UIDs at or above it. A changed UIDVALIDITY voids every stored UID of the folder.
 */
export interface FolderCursor {
  readonly uidValidity: number | null;
  readonly uidNext: number;
  readonly highestModseq: bigint | null;
}

export interface ServerFolder {
  readonly uidValidity: number;
  readonly uidNext: number;
  readonly exists: number;
  /** Present only when the server offers CONDSTORE and it is enabled. */
  readonly highestModseq: bigint | null;
}

export interface SyncPlan {
  /** UIDVALIDITY changed (or first sync after a reset): drop the folder's stored locations first. */
  readonly reset: boolean;
  /** Fetch new messages with UIDs from here (inclusive), when below the server's UIDNEXT. */
  readonly fetchFrom: number;
  readonly hasNew: boolean;
  /** How to find flag changes on stored messages: CHANGEDSINCE a MODSEQ, a full flags rescan, or nothing stored yet. */
  readonly flags:
    | { readonly kind: 'changedsince'; readonly modseq: bigint }
    | { readonly kind: 'rescan' }
    | { readonly kind: 'none' };
}

export const planSync = (cursor: FolderCursor | null, server: ServerFolder): SyncPlan => {
  const reset = cursor !== null && cursor.uidValidity !== null && cursor.uidValidity !== server.uidValidity;
  const fetchFrom = reset || cursor === null ? 1 : Math.max(1, cursor.uidNext);
  const known = !reset && cursor !== null && cursor.uidNext > 1;
  let flags: SyncPlan['flags'] = { kind: 'none' };
  if (known) {
    flags =
      server.highestModseq !== null && cursor.highestModseq !== null
        ? { kind: 'changedsince', modseq: cursor.highestModseq }
        : { kind: 'rescan' };
  }
  return { reset, fetchFrom, hasNew: server.exists > 0 && fetchFrom < server.uidNext, flags };
};

/**
 * `UID SEARCH UID n:*` always answers the highest UID even when it is below n (RFC 3501 §6.4.8: `*` is
 * the largest UID in use), so the answer is filtered; then split into batches.
 */
export const newUidBatches = (uids: readonly number[], from: number, batchSize: number): number[][] => {
  const sorted = newUids(uids, from);
  const batches: number[][] = [];
  for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
  return batches;
};

/** The answer of `UID SEARCH UID n:*` filtered (see newUidBatches), ascending, each UID once. */
export const newUids = (uids: readonly number[], from: number): number[] =>
  [...new Set(uids.filter((u) => u >= from))].sort((a, b) => a - b);

/** A UID set in IMAP syntax with runs collapsed: [1,2,3,7,9,10] → "1:3,7,9:10". */
export const uidSet = (uids: readonly number[]): string => {
  const parts: string[] = [];
  let start = uids[0];
  let prev = uids[0];
  for (const uid of [...uids.slice(1), Number.NaN]) {
    if (uid === (prev ?? 0) + 1) {
      prev = uid;
      continue;
    }
    if (start !== undefined) parts.push(start === prev ? `${start}` : `${start}:${prev}`);
    start = uid;
    prev = uid;
  }
  return parts.join(',');
};

/** Stored UIDs the server no longer has: deleted or moved away (a move shows up again in the other folder). */
export const vanished = (stored: readonly number[], onServer: ReadonlySet<number>): number[] =>
  stored.filter((u) => !onServer.has(u));
