/**
 * At most `limit` Graph requests in flight at once, shared by every client made from one factory (one app
 * registration): Outlook allows 4 concurrent requests per app ID, and answers more with
 * `429 ApplicationThrottled` "Application is over its MailboxConcurrency limit." (graph-mail-spec.md §7).
 */
export interface MailboxConcurrency {
  /** Waits for a free slot; the returned function gives it back (once). */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Requests holding a slot now. */
  readonly inFlight: number;
  /** The most ever held at once. */
  readonly peak: number;
}

export const createMailboxConcurrency = (limit = 4): MailboxConcurrency => {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit ${limit} is not ≥ 1`);
  let inFlight = 0;
  let peak = 0;
  const waiting: (() => void)[] = [];

  const take = (): (() => void) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight -= 1;
      waiting.shift()?.();
    };
  };

  const acquire = (signal?: AbortSignal): Promise<() => void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (inFlight < limit) return Promise.resolve(take());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = waiting.indexOf(wake);
        if (at >= 0) waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(take());
      };
      waiting.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  return {
    acquire,
    get inFlight() {
      return inFlight;
    },
    get peak() {
      return peak;
    },
  };
};
