import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.ts';

/**
 * Runs `round` every `intervalMs` (and at once when `atStart`), in whichever worker calls it; the round
 * itself claims its lease (`claimRound`) so one worker of the installation does each. A failed round is
 * logged with its cause as `failed` and the next one tries again. Returns the stop function.
 */
export const startPeriodicRound = (
  log: Logger,
  options: {
    readonly intervalMs: number;
    readonly atStart: boolean;
    readonly failed: { readonly event: string; readonly message: string };
    readonly round: (owner: string) => Promise<unknown>;
  },
): (() => void) => {
  const owner = randomBytes(9).toString('base64url');
  const tick = () =>
    void options
      .round(owner)
      .catch((error: Error) =>
        log.error({ event: options.failed.event, err: error }, options.failed.message),
      );
  if (options.atStart) tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
};
