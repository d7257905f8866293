import type { AppDeps } from '../http/context.ts';
import { checkCredentialExpiry } from '../microsoft/credentials/expiry.ts';
import { claimRound } from './lease.ts';
import { startPeriodicRound } from './periodic-round.ts';

/** How often the workers look at the credential's expiry: thresholds are days apart. */
export const CREDENTIAL_EXPIRY_INTERVAL_MS = 3600_000;

/**
 * Checks the Microsoft credential's expiry at start and every `intervalMs`, in the one worker holding
 * the `credential-expiry` lease for that interval. `clock` gives the time checked against.
 */
export const startCredentialExpiryCheck = (
  deps: Pick<AppDeps, 'db' | 'log'>,
  options: { intervalMs?: number; clock?: () => Date } = {},
): (() => void) => {
  const intervalMs = options.intervalMs ?? CREDENTIAL_EXPIRY_INTERVAL_MS;
  const clock = options.clock ?? (() => new Date());
  return startPeriodicRound(deps, {
    name: 'credential-expiry',
    intervalMs,
    atStart: true,
    failed: { event: 'credential.expiry_check_failed', message: 'credential expiry check failed' },
    round: async (owner) => {
      if (!(await claimRound(deps.db, 'credential-expiry', owner, intervalMs))) return;
      await checkCredentialExpiry(deps, clock());
    },
  });
};
