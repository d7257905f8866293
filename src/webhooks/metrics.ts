import { Counter, Gauge, type Metric, type Registry } from 'prom-client';
import type { Db } from '../db/database.ts';
import { ATTEMPT_OUTCOMES, readWebhookStats, type WebhookStats } from './delivery-stats.ts';

const DURATION = 'mailroom_webhook_delivery_duration_seconds';

/**
 * The duration histogram, its buckets read from `webhook_stats`: prom-client's Histogram only counts
 * what this process observes, and attempts are made by whichever worker holds the endpoint.
 */
const durationHistogram = (stats: () => Promise<WebhookStats>) => {
  const base = {
    name: DURATION,
    help: 'Time a webhook attempt took, connection to last byte of the answer (cut off at 10 s), across every process.',
    type: 'histogram' as const,
    aggregator: 'sum' as const,
  };
  return {
    ...base,
    async get() {
      const s = await stats();
      return {
        ...base,
        values: [
          ...s.buckets.map((b) => ({
            metricName: `${DURATION}_bucket`,
            labels: { le: b.le },
            value: b.count,
          })),
          { metricName: `${DURATION}_sum`, labels: {}, value: s.sumSeconds },
          { metricName: `${DURATION}_count`, labels: {}, value: s.count },
        ],
      };
    },
    reset() {},
  };
};

/**
 * Webhook figures, read from the database at scrape time like the others: attempts by outcome and their
 * durations (running totals, never purged), messages waiting per endpoint (labelled by endpoint id only,
 * never its URL: one series per endpoint an administrator registered), and endpoints turned off.
 */
export const registerWebhookMetrics = (registry: Registry, db: Db): void => {
  // One query serves the counter and the histogram of a scrape.
  let pending: Promise<WebhookStats> | null = null;
  const stats = () => {
    pending ??= readWebhookStats(db).finally(() => {
      setImmediate(() => {
        pending = null;
      });
    });
    return pending;
  };
  new Counter({
    name: 'mailroom_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered (a 2xx), retrying (failed, tried again later), failed (the last try of a 3-day window: the message is given up, the endpoint turned off).',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      const { attempts } = await stats();
      for (const outcome of ATTEMPT_OUTCOMES) this.inc({ outcome }, attempts[outcome]);
    },
  });
  registry.registerMetric(durationHistogram(stats) as unknown as Metric);
  new Gauge({
    name: 'mailroom_webhook_backlog',
    help: 'Webhook messages waiting to be delivered (first try or a retry), by endpoint id.',
    labelNames: ['endpoint'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('webhook_endpoints as e')
        .leftJoin('webhook_deliveries as d', (join) =>
          join.onRef('d.endpoint_id', '=', 'e.id').on('d.state', '=', 'pending'),
        )
        .select(['e.id', (eb) => eb.fn.count<number | string>('d.id').as('n')])
        .groupBy('e.id')
        .execute();
      for (const r of rows) this.set({ endpoint: r.id }, Number(r.n));
    },
  });
  new Gauge({
    name: 'mailroom_webhook_endpoints_disabled',
    help: 'Webhook endpoints turned off: by Mailroom (failing for 3 days; its page says why) or by an administrator.',
    labelNames: ['by'],
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .select(['disabled_code', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('enabled', '=', 0)
        .groupBy('disabled_code')
        .execute();
      const byMailroom = rows.filter((r) => r.disabled_code !== null).reduce((n, r) => n + Number(r.n), 0);
      const byPerson = rows.filter((r) => r.disabled_code === null).reduce((n, r) => n + Number(r.n), 0);
      this.set({ by: 'mailroom' }, byMailroom);
      this.set({ by: 'administrator' }, byPerson);
    },
  });
};
