/** One row per lease ever taken (jobs/lease.ts); a free lease has an empty owner or an `until` in the past. */
export interface LeasesTable {
  /** What is guarded: `sync:<mailboxId>`, `watch:<mailboxId>`, `sweep`… */
  name: string;
  /** The holder (random per claim or per process); empty once released. */
  owner: string;
  /** ISO time the lease runs out unless renewed. */
  until: string;
  claimed_at: string;
}
