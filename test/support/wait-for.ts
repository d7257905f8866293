/**
 * Polls `probe` until it returns something truthy, and returns that; fails after `ms` with what was awaited.
 * The bound is a deadline for a state to be reached, not a time the test sleeps.
 */
export const waitFor = async <T>(
  probe: () => Promise<T | null | undefined | false>,
  ms: number,
  what = 'the awaited state',
): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
