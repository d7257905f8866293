import { setFlagsFromString } from 'node:v8';
import type { DbKind } from '../db/database.ts';

/**
 * How much V8's old generation grows between two full collections while a folder is listed, in %, by the
 * database the listing writes to (see growHeapFasterWhileListing for the figures).
 */
export const LISTING_HEAP_GROWING_PERCENT: Readonly<Record<DbKind, number>> = { sqlite: 35, postgres: 100 };

/** The `--heap-growing-percent` the process was started with (bin/mailroom gives 20), or null for none. */
const startedWith = (): number | null => {
  for (const arg of process.execArgv) {
    const match = /^--heap[-_]growing[-_]percent=(\d{1,3})$/.exec(arg);
    if (match) return Number(match[1]);
  }
  return null;
};

let listings = 0;

/**
 * Lets the old generation grow faster while a folder is listed; returns the function that ends it (the
 * setting goes back when the last listing running ends). bin/mailroom starts node with
 * `--heap-growing-percent=20` so that a worker gives memory back as it goes. But while messages are listed,
 * every batch's objects live until the batch commits and so reach the old generation: at 20 % V8 marked the
 * whole heap every 100–200 ms, about 2.5 s of CPU (its helper threads) and 0.5 s of pauses per 20,000 messages
 * (bench/sync.ts, `--trace-gc`), on a machine whose other core serves the IMAP session and the database.
 * Nothing changes in a process started without the flag (V8's own growth, faster still) or with a larger one.
 * V8 reads the setting at each full collection, so it applies from the next one.
 *
 * SQLite, 35: at 50 % the helper threads' CPU fell further (2.6 → 1.6 s for 20,000 on PostgreSQL) but the
 * 50,000-message sync's peak rose from 186–190 to 193–198 MB (sources, kept outside V8's heap, are freed
 * only when a full collection finds them dead: fewer collections, more of them waiting in malloc's arenas),
 * against issue 12's goal of 200 for SQLite, the embedded default; a full collection forced when the
 * listing ended did not bring it back. At 35 %: 189–190 MB, and the helpers' CPU 3.2–4.1 → 2.6–2.7 s for
 * 50,000 (at 100 %: 221 MB). bench/sync.ts, December 3.
 *
 * PostgreSQL, 100: V8 starts marking ~12 MB before its limit (`--trace-incremental-marking`: 41 of 53 MB),
 * so at 35 % of a 38 MB heap a cycle had 3–5 MB of room: 24 full collections in a 4 s listing of 20,000.
 * At 100 % the worker's listing CPU fell from 1.99–2.17 s (main thread) + 1.8–2.1 s (GC helpers) to
 * 1.28–1.45 + 0.9–1.1 s, its peak while listing rose from 153–154 to 176–180 MB (the sync's, parse threads
 * included, 178–188 → 190–197). PostgreSQL is the scale path, where the worker's CPU is what a listing
 * waits for; the memory goal is SQLite's. Alternated runs of bench/sync.ts 20000 postgres, December 3, night.
 */
export const growHeapFasterWhileListing = (percent: number): (() => void) => {
  const base = startedWith();
  if (base === null || base >= percent) return () => undefined;
  // One process writes to one database: listings running together ask for the same growth.
  if (listings++ === 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--listings === 0) setFlagsFromString(`--heap-growing-percent=${base}`);
  };
};
