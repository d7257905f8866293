import type { JobData, JobName, JobQueue } from './queue.ts';

/**
 * The in-process driver: a memory queue with one waiting job per key. Nothing survives a restart, and
 * nothing needs to: the scheduler's next sweep sends every due mailbox again.
 */
export const createInProcessQueue = (): JobQueue => {
  const waiting: { name: JobName; data: JobData; key: string | null }[] = [];
  const workers = new Map<
    JobName,
    { handler: (data: JobData) => Promise<void>; concurrency: number; running: number }
  >();
  let stopped = false;
  const inflight = new Set<Promise<void>>();

  const pump = () => {
    for (const [name, worker] of workers) {
      while (!stopped && worker.running < worker.concurrency) {
        const index = waiting.findIndex((j) => j.name === name);
        if (index < 0) break;
        const [job] = waiting.splice(index, 1);
        worker.running++;
        const run = worker
          .handler(job!.data)
          .catch(() => undefined)
          .finally(() => {
            worker.running--;
            inflight.delete(run);
            pump();
          });
        inflight.add(run);
      }
    }
  };

  return {
    driver: 'in-process',
    async send(name, data, options = {}) {
      const key = options.singletonKey ?? null;
      if (key && waiting.some((j) => j.name === name && j.key === key)) return;
      waiting.push({ name, data, key });
      queueMicrotask(pump);
    },
    async work(name, handler, options = {}) {
      workers.set(name, { handler, concurrency: options.concurrency ?? 2, running: 0 });
      pump();
    },
    async stop() {
      stopped = true;
      waiting.length = 0;
      await Promise.all(inflight);
    },
  };
};
