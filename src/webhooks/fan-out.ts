import type { Db } from '../db/database.ts';
import { messagesOfEvent, type WebhookMessage } from './event-messages.ts';
import type { WebhookEventType } from './event-types.ts';

/** Events read per round; a long backlog takes several rounds. */
const BATCH = 200;

interface Subscriber {
  readonly id: string;
  readonly types: ReadonlySet<WebhookEventType>;
  readonly mailboxId: string | null;
  readonly after: number;
}

const wants = (s: Subscriber, m: WebhookMessage) =>
  s.types.has(m.type) && (s.mailboxId === null || s.mailboxId === m.mailboxId);

/** Adds messages to an endpoint's queue, once each, and moves its cursor past them, in one transaction. */
export const enqueueMessages = (
  db: Db,
  endpointId: string,
  messages: readonly WebhookMessage[],
  now: Date,
  cursor?: { readonly from: number; readonly to: number },
): Promise<void> =>
  db.transaction().execute(async (trx) => {
    const at = now.toISOString();
    for (const m of messages)
      await trx
        .insertInto('webhook_deliveries')
        .values({
          endpoint_id: endpointId,
          webhook_id: m.id,
          type: m.type,
          body: m.body,
          state: 'pending',
          attempts: 0,
          first_attempt_at: null,
          next_attempt_at: at,
          last_status: null,
          last_error: null,
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) => oc.columns(['endpoint_id', 'webhook_id']).doNothing())
        .execute();
    if (cursor)
      await trx
        .updateTable('webhook_endpoints')
        .set({ last_event_id: cursor.to })
        .where('id', '=', endpointId)
        .where('last_event_id', '=', cursor.from)
        .execute();
  });

/**
 * One round of fan-out: the events recorded since each enabled endpoint's cursor become its messages.
 * Any number of workers may run it at once: a message is queued once per endpoint (a unique key) and a
 * cursor only moves from where it was read. Returns how many endpoints are on and how many messages were
 * queued.
 */
export const fanOut = async (
  db: Db,
  publicUrl: string,
  now = new Date(),
): Promise<{ endpoints: number; queued: number }> => {
  const subscribers: Subscriber[] = (
    await db
      .selectFrom('webhook_endpoints')
      .select(['id', 'event_types_json', 'mailbox_id', 'last_event_id'])
      .where('enabled', '=', 1)
      .execute()
  ).map((r) => ({
    id: r.id,
    types: new Set(JSON.parse(r.event_types_json) as WebhookEventType[]),
    mailboxId: r.mailbox_id,
    after: Number(r.last_event_id),
  }));
  if (subscribers.length === 0) return { endpoints: 0, queued: 0 };
  const from = Math.min(...subscribers.map((s) => s.after));
  const events = await db
    .selectFrom('events')
    .selectAll()
    .where('id', '>', from)
    .orderBy('id')
    .limit(BATCH)
    .execute();
  const last = events.at(-1);
  if (!last) return { endpoints: subscribers.length, queued: 0 };
  const made = new Map<number, WebhookMessage[]>();
  for (const event of events) made.set(Number(event.id), await messagesOfEvent(db, publicUrl, event));
  let queued = 0;
  for (const s of subscribers) {
    if (s.after >= Number(last.id)) continue;
    const messages = events
      .filter((e) => Number(e.id) > s.after)
      .flatMap((e) => made.get(Number(e.id)) ?? [])
      .filter((m) => wants(s, m));
    await enqueueMessages(db, s.id, messages, now, { from: s.after, to: Number(last.id) });
    queued += messages.length;
  }
  return { endpoints: subscribers.length, queued };
};
