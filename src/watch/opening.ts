/** Sessions opened at once when few wait: a worker's ordinary churn (renewals, a mailbox connected). */
export const OPENING_AT_ONCE = 16;
/** The most opened at once, when a worker takes over hundreds of mailboxes at a time. */
export const OPENING_AT_MOST = 48;

/**
 * Runs at most a number of session openings (TLS, AUTHENTICATE, SELECT) at a time, first come first
 * served. The number grows with the queue, from `base` to `most` (a quarter of those waiting): a worker
 * taking over a stopped one's hundreds of mailboxes opens them in a few seconds, and one that opens a few
 * keeps to `base`. A thousand at once would time out on a busy machine.
 */
export const openingLimiter = (base = OPENING_AT_ONCE, most = OPENING_AT_MOST) => {
  let running = 0;
  const waiting: (() => void)[] = [];
  const limit = () => Math.min(most, Math.max(base, Math.ceil(waiting.length / 4)));
  const next = () => {
    while (running < limit() && waiting.length > 0) {
      running++;
      waiting.shift()!();
    }
  };
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running < limit() && waiting.length === 0) running++;
    // A longer queue may raise the limit: the queue's head starts at once if it does.
    else
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        next();
      });
    try {
      return await fn();
    } finally {
      running--;
      next();
    }
  };
  return Object.assign(run, { running: () => running, waiting: () => waiting.length });
};
