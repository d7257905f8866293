import type { Db } from '../db/database.ts';

/** How long the delivery log keeps a message that was delivered or failed for good. */
export const DELIVERY_LOG_DAYS = 30;

/** Deletes delivered and failed messages (their attempts go with them) past the log's retention; pending ones stay. */
export const purgeWebhookDeliveries = async (db: Db, now = new Date()): Promise<number> => {
  const before = new Date(now.getTime() - DELIVERY_LOG_DAYS * 86_400_000).toISOString();
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('state', 'in', ['delivered', 'failed'])
    .where('updated_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
};
