import PgBoss from 'pg-boss';
import type { JobData, JobName, JobQueue } from './queue.ts';

/**
 * The PostgreSQL driver: pg-boss (v10, the last for Node 20) keeps jobs in the database, so any worker on
 * any machine can take them. The `stately` policy keeps at most one waiting and one running job per
 * singleton key; the mailbox's sync lease (src/sync/sync-lease.ts) is what guarantees one sync at a time.
 */
export const createPgBossQueue = async (connectionString: string): Promise<JobQueue> => {
  const boss = new PgBoss({ connectionString, max: 4 });
  boss.on('error', () => undefined);
  await boss.start();
  const created = new Set<string>();
  // Workers starting together may race to create the queue (PostgreSQL answers one of them with a
  // deadlock): whoever loses finds the queue made by the other.
  const ensureQueue = async (name: JobName) => {
    for (let attempt = 1; !created.has(name); attempt++) {
      try {
        if (!(await boss.getQueue(name)))
          await boss.createQueue(name, { name, policy: 'stately', retryLimit: 2, expireInSeconds: 900 });
        created.add(name);
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  };
  return {
    driver: 'pg-boss',
    async send(name, data, options = {}) {
      await ensureQueue(name);
      await boss.send(
        name,
        data as object,
        options.singletonKey ? { singletonKey: options.singletonKey } : {},
      );
    },
    async work(name, handler, options = {}) {
      await ensureQueue(name);
      // pg-boss 10 runs one batch at a time per work() call: one call per unit of concurrency.
      for (let i = 0; i < (options.concurrency ?? 2); i++) {
        await boss.work<JobData>(name, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          for (const job of jobs) await handler(job.data);
        });
      }
    },
    async stop() {
      // stop() resolves before pg-boss has closed its pool; 'stopped' says it has (else a database dropped
      // right after sees a live connection terminated).
      const stopped = new Promise<void>((resolve) => {
        boss.once('stopped', () => resolve());
        setTimeout(resolve, 12_000).unref();
      });
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      await stopped;
    },
  };
};
