import { AppError } from '../http/errors.ts';
import { claimLease, type LeaseDeps } from '../jobs/lease.ts';

/** Long enough for a slow walk; the lease is renewed while it runs (jobs/lease.ts). */
const LEASE_MS = 60_000;

/**
 * One Diagnose of a mailbox (or one Diagnose all) at a time across all processes: each forces a token
 * refresh per resource, and a double click must not double the requests Microsoft counts against the app.
 */
export const oneAtATime = async <T>(deps: LeaseDeps, name: string, fn: () => Promise<T>): Promise<T> => {
  const lease = await claimLease(deps, `diagnose:${name}`, { ttlMs: LEASE_MS });
  if (!lease)
    throw new AppError(
      'diagnose.in_progress',
      name === 'all'
        ? 'Diagnose all is already running; its table appears where it was started.'
        : 'A Diagnose of this mailbox is already running; try again when it has finished.',
    );
  try {
    return await fn();
  } finally {
    await lease.release();
  }
};
