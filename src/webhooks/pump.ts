import { countFailure, type JobQueue } from '../jobs/queue.ts';
import { deliverEndpoint, dueEndpoints, type WebhookDeps } from './deliver.ts';
import { fanOut } from './fan-out.ts';

/** How often workers look for new events and due retries: often, so a webhook follows its event closely. */
export const PUMP_INTERVAL_MS = 200;

/** The `deliver-webhook` job's handler: the endpoint's due messages, in order. */
export const registerWebhookJob = (deps: WebhookDeps, queue: JobQueue): Promise<void> =>
  queue.work(
    'deliver-webhook',
    async ({ endpointId }) => {
      if (endpointId) await deliverEndpoint(deps, endpointId);
    },
    { concurrency: 4 },
  );

/** One round: fan new events out into deliveries, then enqueue a job per endpoint with a due message. */
export const pumpOnce = async (deps: WebhookDeps, queue: JobQueue): Promise<void> => {
  // No endpoint on: one small query a round, nothing more.
  if ((await fanOut(deps.db, deps.config.publicUrl, deps.now())).endpoints === 0) return;
  for (const endpointId of await dueEndpoints(deps.db, deps.now()))
    await queue.send('deliver-webhook', { mailboxId: '', endpointId }, { singletonKey: endpointId });
};

/**
 * Runs rounds every PUMP_INTERVAL_MS in a worker; schedulers only enqueue (STYLE.md 13). A failed round
 * is logged and the next one tries again: the events and deliveries it worked from are still there.
 */
export const startWebhookPump = (
  deps: WebhookDeps,
  queue: JobQueue,
): { runNow(): Promise<void>; stop(): void } => {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let running: Promise<void> | null = null;
  const round = () => {
    running ??= pumpOnce(deps, queue)
      .catch((error: unknown) => {
        deps.log.error({ event: 'webhook.pump_failed', err: error }, 'a round of webhook fan-out failed');
        return countFailure(deps, 'webhook-pump', error);
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const tick = async () => {
    await round();
    if (!stopped) timer = setTimeout(tick, PUMP_INTERVAL_MS);
  };
  timer = setTimeout(tick, 0);
  return {
    runNow: round,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
};
