import type { AppDeps } from '../http/context.ts';
import { sweepBlobs } from '../messages/blob-sweep.ts';
import { claimRound } from './lease.ts';
import { startPeriodicRound } from './periodic-round.ts';

/** How often the workers sweep the blob folder (one of them, under a lease). */
export const BLOB_SWEEP_INTERVAL_MS = 6 * 3600_000;

/**
 * Sweeps unreferenced blobs every `intervalMs` (the first sweep one interval after start), in the one
 * worker that holds the `blob-sweep` lease for that interval.
 */
export const startBlobSweeper = (
  deps: Pick<AppDeps, 'db' | 'blobs' | 'log'>,
  intervalMs = BLOB_SWEEP_INTERVAL_MS,
): (() => void) =>
  startPeriodicRound(deps, {
    name: 'blob-sweep',
    intervalMs,
    atStart: false,
    failed: { event: 'blobs.sweep_failed', message: 'blob sweep failed' },
    round: async (owner) => {
      if (!(await claimRound(deps.db, 'blob-sweep', owner, intervalMs))) return;
      const result = await sweepBlobs(deps.db, deps.blobs);
      deps.log.info({ event: 'blobs.swept', ...result }, 'blob folder swept');
    },
  });
