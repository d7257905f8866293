/**
 * What an endpoint can subscribe to, and which of Mailroom's events (events/record-event.ts) each comes
 * from: `message.created` from `messages.stored` (one per new message), `message.flags_changed` from
 * `messages.flags_changed` and `message.deleted` from `messages.removed` (one per message and folder),
 * `mailbox.connected` and
 * `mailbox.needs_reconnect` from `mailbox.state_changed`, `message.sent` and `message.send_failed` as
 * recorded; `webhook.test` only by *Send test event*.
 */
export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'message.deleted',
  'message.flags_changed',
  'message.sent',
  'message.send_failed',
  'mailbox.connected',
  'mailbox.needs_reconnect',
  'mailbox.state_changed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number] | 'webhook.test';

export const EVENT_TYPE_LABELS: Record<(typeof WEBHOOK_EVENT_TYPES)[number], string> = {
  'message.created': 'A new message was stored',
  'message.deleted': 'A message left a folder (deleted, or moved to a folder not synced)',
  'message.flags_changed': 'Read, flagged, answered or draft changed, on the server or in Mailroom',
  'message.sent': 'An outgoing message was sent',
  'message.send_failed': 'Sending failed (to be retried, or for good)',
  'mailbox.connected': 'A mailbox is connected (again)',
  'mailbox.needs_reconnect': 'A mailbox needs its owner to reconnect it',
  'mailbox.state_changed': 'Any change of a mailbox connection state, with its reason',
};
