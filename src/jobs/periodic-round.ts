import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { countFailure } from './queue.ts';

/**
 * Runs `round` every `intervalMs` (and at once when `atStart`), in whichever worker calls it; the round
 * itself claims its lease (`claimRound`) so one worker of the installation does each. A failed round is
 * logged with its stack and cause as `failed`, counted under `name` like a failed job
 * (`mailroom_job_failures_total{job}`, with its last error), and the next one tries again. Returns the
 * stop function.
 */
export const startPeriodicRound = (
  deps: { readonly db: Db; readonly log: Logger },
  options: {
    readonly name: string;
    readonly intervalMs: number;
    readonly atStart: boolean;
    readonly failed: { readonly event: string; readonly message: string };
    readonly round: (owner: string) => Promise<unknown>;
  },
): (() => void) => {
  const owner = randomBytes(9).toString('base64url');
  const tick = () =>
    void options.round(owner).catch((error: unknown) => {
      deps.log.error({ event: options.failed.event, err: error }, options.failed.message);
      return countFailure(deps, options.name, error);
    });
  if (options.atStart) tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
};
