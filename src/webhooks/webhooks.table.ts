import type { Generated } from 'kysely';

/** Where events go: registered by an administrator (webhooks/endpoints.ts). */
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string;
  /** The event types wanted (a JSON array of WebhookEventType). */
  event_types_json: string;
  /** Only this mailbox's events; null: every mailbox. */
  mailbox_id: string | null;
  /** Secret: the signing secret, sealed with the secret box (purpose `webhook.secret:<id>`). */
  secret_encrypted: string;
  /** Secret: the secret a rotation replaced, sealed (purpose `webhook.previous_secret:<id>`); it also signs until `previous_secret_until`. */
  previous_secret_encrypted: string | null;
  previous_secret_until: string | null;
  enabled: number;
  /** Why Mailroom turned it off (`webhook.failing`), and when; null while enabled or turned off by a person. */
  disabled_code: string | null;
  disabled_reason: string | null;
  disabled_at: string | null;
  /** Events up to this id have been turned into deliveries for it. */
  last_event_id: Generated<number>;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** One message for one endpoint; sent in `id` order, one at a time per endpoint. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  endpoint_id: string;
  /** The Standard Webhooks `webhook-id`: the same on every attempt and resend, so receivers can dedupe. */
  webhook_id: string;
  type: string;
  /** The JSON body, fixed when the message is made, so every attempt sends the same bytes. */
  body: string;
  state: DeliveryState;
  attempts: number;
  first_attempt_at: string | null;
  next_attempt_at: string;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** One try of a delivery: the delivery log. */
export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  endpoint_id: string;
  at: string;
  status_code: number | null;
  duration_ms: number;
  error_code: string | null;
  error: string | null;
}

/** Running totals for /metrics (webhooks/delivery-stats.ts): never purged, only added to. */
export interface WebhookStatsTable {
  key: string;
  /** A bigint: PostgreSQL answers it as a string. */
  value: number | string;
}
