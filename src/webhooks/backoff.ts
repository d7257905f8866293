/**
 * When a failed delivery is tried again: exponential, starting at 30 s and growing four-fold, at most
 * 12 h apart, for 3 days from its first attempt; then it has failed and the endpoint is turned off.
 * Pure, so the schedule is table-tested and the clock is the caller's.
 */
export const FIRST_RETRY_MS = 30_000;
export const MAX_RETRY_GAP_MS = 12 * 3_600_000;
export const RETRY_WINDOW_MS = 3 * 86_400_000;

/** The wait after the `attempts`-th attempt failed (1-based): 30 s, 2 min, 8 min, 32 min, 2 h 8 min, 8 h 32 min, 12 h... */
export const retryDelayMs = (attempts: number): number =>
  Math.min(MAX_RETRY_GAP_MS, FIRST_RETRY_MS * 4 ** Math.max(0, attempts - 1));

/** The next attempt's time, or null when the retry window since the first attempt is over. */
export const nextAttemptAt = (firstAttemptAt: Date, attempts: number, now: Date): Date | null => {
  const end = firstAttemptAt.getTime() + RETRY_WINDOW_MS;
  if (now.getTime() >= end) return null;
  return new Date(Math.min(end, now.getTime() + retryDelayMs(attempts)));
};
