import { setFlagsFromString } from 'node:v8';

/** How much V8's old generation grows between two full collections while a folder is listed, in %. */
export const LISTING_HEAP_GROWING_PERCENT = 35;

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
 * Why 35: at 50 % the helper threads' CPU fell further (2.6 → 1.6 s for 20,000 on PostgreSQL) but the
 * 50,000-message sync's peak rose from 186–190 to 193–198 MB (sources, kept outside V8's heap, are freed
 * only when a full collection finds them dead: fewer collections, more of them waiting in malloc's arenas),
 * against a goal of 200 (issue 12); a full collection forced when the listing ended did not bring it back.
 * At 35 %: 189–190 MB, and the helpers' CPU 2.5–2.7 → 1.9 s (PostgreSQL, 20,000), 3.2–4.1 → 2.6–2.7 s
 * (SQLite, 50,000). bench/sync.ts, December 3, evening.
 */
export const growHeapFasterWhileListing = (): (() => void) => {
  const base = startedWith();
  if (base === null || base >= LISTING_HEAP_GROWING_PERCENT) return () => undefined;
  if (listings++ === 0) setFlagsFromString(`--heap-growing-percent=${LISTING_HEAP_GROWING_PERCENT}`);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--listings === 0) setFlagsFromString(`--heap-growing-percent=${base}`);
  };
};
