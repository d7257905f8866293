import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

/**
 * What an attempt came to: delivered (a 2xx); retrying (failed, tried again later); failed (failed at
 * the end of the message's 3-day window: the message is given up and its endpoint turned off).
 */
export type AttemptOutcome = 'delivered' | 'retrying' | 'failed';
export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = ['delivered', 'retrying', 'failed'];

/** The duration histogram's upper bounds in seconds; an attempt is cut off at 10 s. */
export const DURATION_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const bucketKey = (le: number | '+Inf') => `duration.le.${le}`;

/**
 * Adds one attempt to the running totals, in the transaction that logs it. `durationMs` null: no request
 * went out (the secret could not be opened), so there is no duration to count.
 */
export const countAttempt = async (
  trx: Transaction<Database>,
  outcome: AttemptOutcome,
  durationMs: number | null,
): Promise<void> => {
  const rows = [{ key: `attempts.${outcome}`, value: 1 }];
  if (durationMs !== null) {
    for (const le of DURATION_BUCKETS)
      if (durationMs / 1000 <= le) rows.push({ key: bucketKey(le), value: 1 });
    rows.push({ key: bucketKey('+Inf'), value: 1 }, { key: 'duration.sum_ms', value: durationMs });
  }
  // Keys always in this order, so two attempts committing at once never wait on each other in a cycle.
  await trx
    .insertInto('webhook_stats')
    .values(rows)
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet((eb) => ({ value: eb('webhook_stats.value', '+', eb.ref('excluded.value')) })),
    )
    .execute();
};

export interface WebhookStats {
  readonly attempts: Readonly<Record<AttemptOutcome, number>>;
  /** Cumulative, as Prometheus wants: attempts that took at most `le` seconds. */
  readonly buckets: readonly { readonly le: string; readonly count: number }[];
  readonly sumSeconds: number;
  readonly count: number;
}

/** The running totals, zero where nothing was counted yet. */
export const readWebhookStats = async (db: Db): Promise<WebhookStats> => {
  const rows = await db.selectFrom('webhook_stats').select(['key', 'value']).execute();
  const value = new Map(rows.map((r) => [r.key, Number(r.value)]));
  const of = (key: string) => value.get(key) ?? 0;
  const count = of(bucketKey('+Inf'));
  return {
    attempts: {
      delivered: of('attempts.delivered'),
      retrying: of('attempts.retrying'),
      failed: of('attempts.failed'),
    },
    buckets: [
      ...DURATION_BUCKETS.map((le) => ({ le: String(le), count: of(bucketKey(le)) })),
      { le: '+Inf', count },
    ],
    sumSeconds: of('duration.sum_ms') / 1000,
    count,
  };
};
