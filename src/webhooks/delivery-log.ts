import type { Db } from '../db/database.ts';
import { testMessage } from './event-messages.ts';
import { enqueueMessages } from './fan-out.ts';
import type { DeliveryState } from './webhooks.table.ts';

export interface AttemptView {
  readonly at: string;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly errorCode: string | null;
  readonly error: string | null;
}

export interface DeliveryView {
  readonly id: string;
  readonly webhookId: string;
  readonly type: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly log: readonly AttemptView[];
}

/** An endpoint's latest messages, newest first, each with its attempts (the delivery log). */
export const listDeliveries = async (db: Db, endpointId: string, limit = 50): Promise<DeliveryView[]> => {
  const deliveries = await db
    .selectFrom('webhook_deliveries')
    .select(['id', 'webhook_id', 'type', 'state', 'attempts', 'next_attempt_at', 'created_at'])
    .where('endpoint_id', '=', endpointId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  if (deliveries.length === 0) return [];
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      deliveries.map((d) => d.id),
    )
    .orderBy('id')
    .execute();
  return deliveries.map((d) => ({
    id: String(d.id),
    webhookId: d.webhook_id,
    type: d.type,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === 'pending' ? d.next_attempt_at : null,
    createdAt: d.created_at,
    log: attempts
      .filter((a) => Number(a.delivery_id) === Number(d.id))
      .map((a) => ({
        at: a.at,
        statusCode: a.status_code,
        durationMs: a.duration_ms,
        errorCode: a.error_code,
        error: a.error,
      })),
  }));
};

/**
 * *Resend*: the message goes again, with its same `webhook-id` (receivers that already have it can tell)
 * and a fresh retry window. False when the endpoint has no such message.
 */
export const resendDelivery = async (
  db: Db,
  endpointId: string,
  deliveryId: string,
  now: Date,
): Promise<boolean> => {
  if (!/^\d{1,15}$/.test(deliveryId)) return false;
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      state: 'pending',
      attempts: 0,
      first_attempt_at: null,
      next_attempt_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', Number(deliveryId))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
};

/** *Send test event*: a `webhook.test` message queued behind the endpoint's others. */
export const sendTestEvent = async (db: Db, endpointId: string, now: Date): Promise<string> => {
  const message = testMessage(endpointId, now);
  await enqueueMessages(db, endpointId, [message], now);
  return message.id;
};
