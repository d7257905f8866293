import { deliverOutgoing } from './deliver.ts';
import { dueOutgoing } from './outgoing-store.ts';
import type { SendDeps } from './send-deps.ts';

const inFlight = new Set<string>();

/**
 * Sends a message from this process now, without waiting for a worker: the web process makes the first
 * attempt as soon as a message is queued. The row's claim keeps any other process off it meanwhile.
 */
export const deliverSoon = (deps: SendDeps, id: string): Promise<void> => {
  if (inFlight.has(id)) return Promise.resolve();
  inFlight.add(id);
  return deliverOutgoing(deps, id)
    .then(() => undefined)
    .catch((error: Error) =>
      deps.log.error({ event: 'send.crashed', outgoingId: id, err: error.message }, 'sending crashed'),
    )
    .finally(() => inFlight.delete(id));
};

/**
 * The outbox worker: every `intervalMs` it takes the messages whose retry is due (or whose attempt's
 * worker died) and tries them, a few at a time. The rows are the queue: a claim is a row update, so
 * any number of workers on one database never send a message twice at once.
 */
export const startOutbox = (
  deps: SendDeps,
  options: { intervalMs: number; concurrency?: number },
): { stop(): Promise<void>; runNow(): Promise<void> } => {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const concurrency = options.concurrency ?? 2;
  const round = async () => {
    const ids = (await dueOutgoing(deps.db, 50)).filter((id) => !inFlight.has(id));
    for (let at = 0; at < ids.length && !stopped; at += concurrency)
      await Promise.all(ids.slice(at, at + concurrency).map((id) => deliverSoon(deps, id)));
  };
  const tick = () => {
    running = round()
      .catch((error: Error) =>
        deps.log.error({ event: 'send.outbox_failed', err: error.message }, 'outbox round failed'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    runNow: () => round(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
};
