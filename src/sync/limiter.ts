/**
 * At most `n` at a time, first come, first served; the others wait their turn. `n` is a number, or a
 * function read again each time one starts, ends or is queued (never below one): a limit that rose starts
 * those waiting at the next of these, or at `poke()`. `waiting()` tells how many wait now.
 */
export const limiter = (n: number | (() => number)) => {
  const limit = typeof n === 'number' ? () => Math.max(1, n) : () => Math.max(1, n());
  let running = 0;
  const waiting: (() => void)[] = [];
  const startWaiting = (): void => {
    while (waiting.length > 0 && running < limit()) {
      running++;
      waiting.shift()!();
    }
  };
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (waiting.length === 0 && running < limit()) running++;
    else
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        startWaiting();
      });
    try {
      return await fn();
    } finally {
      running--;
      startWaiting();
    }
  };
  return Object.assign(run, { waiting: () => waiting.length, poke: startWaiting });
};
