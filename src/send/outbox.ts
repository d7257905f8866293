import { countFailure } from '../jobs/queue.ts';
import { deliverOutgoing } from './deliver.ts';
import { dueOutgoing } from './outgoing-store.ts';
import type { SendDeps } from './send-deps.ts';

/**
 * Asks a worker to send a message now: a `send-outgoing` job (one waiting per message). Should the queue
 * not take it, the message is queued in the database all the same and the outbox's next look sends it.
 */
export const sendSoon = async (deps: SendDeps, row: { id: string; mailbox_id: string }): Promise<void> => {
  try {
    await deps.queue.send(
      'send-outgoing',
      { mailboxId: row.mailbox_id, outgoingId: row.id },
      { singletonKey: row.id },
    );
  } catch (error) {
    deps.log.error(
      { event: 'send.enqueue_failed', outgoingId: row.id, err: error },
      'a message could not be handed to the job queue: the outbox sends it at its next look',
    );
  }
};

/**
 * The outbox worker: runs the `send-outgoing` jobs (one attempt each, under the message's lease), and every
 * `intervalMs` enqueues the messages whose retry is due or whose attempt's process died (its lease ran
 * out). The rows are the truth; the jobs only say "look at this one now".
 */
export const startOutbox = (
  deps: SendDeps,
  options: { intervalMs: number; concurrency?: number },
): { stop(): Promise<void>; runNow(): Promise<void> } => {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const working = deps.queue.work(
    'send-outgoing',
    async ({ outgoingId }) => {
      if (outgoingId) await deliverOutgoing(deps, outgoingId);
    },
    { concurrency: options.concurrency ?? 2 },
  );
  const round = async () => {
    await working;
    for (const row of await dueOutgoing(deps.db, 50)) if (!stopped) await sendSoon(deps, row);
  };
  const tick = () => {
    running = round()
      .catch((error: Error) => {
        deps.log.error({ event: 'send.outbox_failed', err: error }, 'outbox round failed');
        return countFailure(deps, 'send-outbox', error);
      })
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
